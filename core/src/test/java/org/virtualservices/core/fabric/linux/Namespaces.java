package org.virtualservices.core.fabric.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.ProcessCommandRunner;

/**
 * The network namespaces a test makes, all named {@code vcft-<random>-<role>} so that a run never
 * meets another's, and the background processes it starts in them. {@link #close} removes every one
 * of them, by name and by PID, whatever happened before.
 */
final class Namespaces implements AutoCloseable {

  static final String PREFIX = "vcft-";

  private final ProcessCommandRunner runner = new ProcessCommandRunner();
  private final String run = PREFIX + HexFormat.of().formatHex(new SecureRandom().generateSeed(3)) + "-";
  private final List<String> made = new ArrayList<>();
  private final List<Process> started = new ArrayList<>();

  static boolean available() {
    try {
      Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String uid = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor(10, TimeUnit.SECONDS) && uid.equals("0")
          && new ProcessCommandRunner().run(Command.of("nft", "--version")).ok()
          && new ProcessCommandRunner().run(Command.of("busybox", "nc", "--help")).exitStatus() != 127;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Makes a namespace with loopback up and IPv6 off (so no router solicitation adds stray packets). */
  String add(String role) {
    String ns = run + role;
    sh("ip", "netns", "add", ns);
    made.add(ns);
    in(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
    sh("ip", "-n", ns, "link", "set", "lo", "up");
    return ns;
  }

  /** Runs a command on the host and fails the test unless it exits 0. */
  CommandResult sh(String... argv) {
    return runner.run(Command.of(argv).withTimeout(Duration.ofSeconds(20))).orThrow();
  }

  /** Runs a command inside a namespace and returns what it left, whatever its status. */
  CommandResult tryIn(String ns, String stdin, String... argv) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(List.of(argv));
    long start = System.nanoTime();
    CommandResult r = runner.run(Command.of(full).withStdin(stdin).withTimeout(Duration.ofSeconds(20)));
    long ms = (System.nanoTime() - start) / 1_000_000;
    if (ms > 2500) { // a slow suite is a CI problem: say which probe took the time
      System.err.printf("slow (%d ms, exit %d): %s%n", ms, r.exitStatus(), r.command().display());
    }
    return r;
  }

  CommandResult in(String ns, String... argv) {
    return tryIn(ns, null, argv).orThrow();
  }

  /** Starts a background process inside a namespace, bounded by {@code timeout(1)} as well. */
  void background(String ns, int seconds, String... argv) throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns, "timeout", String.valueOf(seconds)));
    full.addAll(List.of(argv));
    started.add(new ProcessBuilder(full).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
  }

  /** The namespaces of this run that still exist. */
  List<String> remaining() {
    String list = runner.run(Command.of("ip", "netns", "list")).stdout();
    return list.lines().map(l -> l.split("\\s+")[0]).filter(n -> n.startsWith(run)).toList();
  }

  @Override
  public void close() {
    for (Process p : started) {
      p.destroy(); // timeout(1) passes the TERM on to the listener it runs
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // Deleting a namespace deletes the veths in it, and with them their peers elsewhere.
    for (int i = made.size() - 1; i >= 0; i--) {
      runner.run(Command.of("ip", "netns", "del", made.get(i)));
    }
  }
}
