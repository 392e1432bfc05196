package org.virtualservices.core.remote;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.keys.SshKeyPair;

/**
 * Real OpenSSH servers for tests: each in a network namespace of its own ({@code vcrs-<random>-<i>}),
 * reached from the test's JVM over a veth whose host end has a private /30 on a link made here
 * ({@code 10.236.<random>.0/24}, one /30 per server). Each sshd runs with its own config, its own host
 * key and key-only login for one authorized key, in the foreground, logging to a file in the lab's
 * folder. {@link #close} stops every sshd by its process handle and deletes the namespaces (and with
 * them the veths), whatever happened before.
 */
public final class SshdLab implements AutoCloseable {

  /** One running server: its name for messages, its address, and its sshd log. */
  public record Server(String name, String namespace, String address, Path log) {
    public RemoteHost host(String user) {
      return new RemoteHost(name, address, 22, user);
    }
  }

  private final ProcessCommandRunner runner = new ProcessCommandRunner();
  private final String hex = HexFormat.of().formatHex(new SecureRandom().generateSeed(2));
  private final String run = "vcrs-" + hex + "-";
  private final int octet = Integer.parseInt(hex.substring(0, 2), 16);
  private final Path dir;
  private final List<String> namespaces = new ArrayList<>();
  private final List<String> links = new ArrayList<>();
  private final List<Process> daemons = new ArrayList<>();

  private String user;

  public SshdLab(Path dir) {
    this.dir = dir;
  }

  /**
   * The login for the lab's servers: a throwaway user {@code vcrs<random>} (home: the scratch folder, /bin/sh),
   * removed by {@link #close}. Not root, as a job's user is not: sshd delivers a signal request
   * (what stops a timed-out command) only to a session whose privileges it has dropped, and reads
   * the authorized keys as that user, so the lab's folder is opened to others for reading.
   */
  public String user() throws IOException {
    if (user == null) {
      String name = "vcrs" + hex;
      // "*" and not useradd's "!": without PAM, sshd refuses a locked account even for keys
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      sh("useradd", "--password", "*", "--no-create-home", "--home-dir", scratch().toString(), "--shell", "/bin/sh", "--user-group", name);
      user = name;
    }
    return user;
  }

  /** A folder that the lab's user may write to. */
  public Path scratch() throws IOException {
    Path p = dir.resolve("scratch");
    if (!Files.exists(p)) {
      Files.createDirectory(p);
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
    }
    return p;
  }

  /** Why this machine cannot run the lab, or null when it can: root, sshd and ip are needed. */
  public static String unavailable() {
    if (!Files.isExecutable(Path.of("/usr/sbin/sshd"))) {
      return "no /usr/sbin/sshd (openssh-server)";
    }
    try {
      Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String uid = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(10, TimeUnit.SECONDS) || !uid.equals("0")) {
        return "not root (uid " + uid + "): network namespaces and veths need root";
      }
      if (!new ProcessCommandRunner().run(Command.of("ip", "-V")).ok()) {
        return "no ip (iproute2)";
      }
      if (!Files.isExecutable(Path.of("/usr/sbin/useradd"))) {
        return "no useradd: the lab logs in as a throwaway user";
      }
      return null;
    } catch (IOException e) {
      return "cannot run id/ip: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * Starts sshd number {@code index} (0..63) with {@code hostKey}, accepting only
   * {@code authorized}; returns once it accepts TCP connections.
   */
  public Server start(int index, String name, SshKeyPair hostKey, String authorizedKey) throws IOException {
    String ns = run + index;
    String hostEnd = "vcrs" + hex + "h" + index;
    String nsEnd = "vcrs" + hex + "n" + index;
    String address = "10.236." + octet + "." + (4 * index + 1);
    String gateway = "10.236." + octet + "." + (4 * index + 2);
    sh("ip", "netns", "add", ns);
    namespaces.add(ns);
    sh("ip", "-n", ns, "link", "set", "lo", "up");
    sh("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd, "netns", ns);
    links.add(hostEnd);
    sh("ip", "addr", "add", gateway + "/30", "dev", hostEnd);
    sh("ip", "link", "set", hostEnd, "up");
    sh("ip", "-n", ns, "addr", "add", address + "/30", "dev", nsEnd);
    sh("ip", "-n", ns, "link", "set", nsEnd, "up");

    Path own = Files.createDirectories(dir.resolve(name));
    Path key = own.resolve("ssh_host_ed25519_key");
    Files.writeString(Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
        hostKey.privateKey());
    Path authorized = Files.writeString(own.resolve("authorized_keys"), authorizedKey + "\n");
    Files.setPosixFilePermissions(authorized, PosixFilePermissions.fromString("rw-r--r--"));
    Path config = Files.writeString(own.resolve("sshd_config"), String.join("\n",
        "ListenAddress " + address,
        "Port 22",
        "HostKey " + key,
        "AuthorizedKeysFile " + authorized,
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin no",
        "AllowUsers " + user(),
        "UsePAM no",
        "StrictModes no", // the lab's folder is a JUnit temp dir, not a home with sshd's modes
        "PidFile none",
        "Subsystem sftp internal-sftp",
        "LogLevel VERBOSE",
        ""));
    // sshd refuses to start without its privilege-separation folder; Debian's init script makes it.
    Files.createDirectories(Path.of("/run/sshd"));
    Path log = own.resolve("sshd.log");
    daemons.add(new ProcessBuilder("ip", "netns", "exec", ns, "timeout", "600",
        "/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start());
    awaitListening(address, log);
    return new Server(name, ns, address, log);
  }

  private static void awaitListening(String address, Path log) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(address, 22), 500);
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(50); // a readiness poll of a real daemon in a test, bounded above
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", ie);
        }
      }
    }
    throw new IOException("sshd on " + address + ":22 not listening after 10 s; its log: " + Files.readString(log));
  }

  /** Runs a command inside a server's namespace. */
  public CommandResult in(Server s, String... argv) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", s.namespace()));
    full.addAll(List.of(argv));
    return runner.run(Command.of(full).withTimeout(Duration.ofSeconds(20)));
  }

  private void sh(String... argv) {
    runner.run(Command.of(argv).withTimeout(Duration.ofSeconds(20))).orThrow();
  }

  /** The namespaces of this lab that still exist (empty after {@link #close}). */
  public List<String> remaining() {
    String list = runner.run(Command.of("ip", "netns", "list")).stdout();
    return list.lines().map(l -> l.split("\\s+")[0]).filter(n -> n.startsWith(run)).toList();
  }

  /** The host ends of this lab's veths that still exist. */
  public List<String> remainingLinks() {
    String list = runner.run(Command.of("ip", "-o", "link")).stdout();
    return list.lines().map(l -> l.split(":\\s*")[1].split("@")[0]).filter(n -> n.startsWith("vcrs" + hex)).toList();
  }

  /** True once the lab's user, if it made one, is gone from the passwd database. */
  public boolean userGone() {
    return user == null || !runner.run(Command.of("getent", "passwd", user)).ok();
  }

  @Override
  public void close() {
    for (Process p : daemons) {
      p.destroy(); // timeout(1) passes the TERM on to sshd
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // Deleting the host end removes the pair at once; a namespace kept alive by a straggling
    // process would otherwise keep its veth, and the host end with it, until that process ends.
    for (String link : links) {
      runner.run(Command.of("ip", "link", "del", link));
    }
    for (int i = namespaces.size() - 1; i >= 0; i--) {
      runner.run(Command.of("ip", "netns", "del", namespaces.get(i)));
    }
    if (user != null) {
      // Whatever the lab's user still runs (a command a failed test left) is the lab's own: end it
      // by PID, so that userdel does not refuse a user "currently used by process N".
      String pids = runner.run(Command.of("ps", "-u", user, "-o", "pid=")).stdout();
      for (String pid : pids.strip().split("\\s+")) {
        if (pid.matches("\\d+")) {
          runner.run(Command.of("kill", "-KILL", pid));
        }
      }
      runner.run(Command.of("userdel", "--force", user));
    }
  }
}
