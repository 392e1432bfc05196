package org.virtualservices.simulation;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.ProcessCommandRunner;

/**
 * Sister nodes for the real SSH fan-out: one network namespace per sister, joined to a bridge in
 * this namespace by a veth pair, with a private test address on links made here and nowhere else,
 * and a real sshd in each (its own sshd_config and host key; root may log in with one throwaway
 * key only). Every sshd's PID is recorded and only those processes are stopped; {@link #close}
 * removes the namespaces, veths and bridge and checks that none is left.
 */
final class SshSisters implements AutoCloseable {

  static final String IP = "/usr/sbin/ip";
  static final String SSHD = "/usr/sbin/sshd";
  static final String KEYGEN = "/usr/bin/ssh-keygen";

  final Path dir;
  final String tag;
  final String subnet;
  final String bridge;
  final Path clientKey;
  /** sister name -> its address on the bridge */
  final Map<String, String> addresses = new LinkedHashMap<>();
  /** sister name -> its namespace */
  final Map<String, String> namespaces = new LinkedHashMap<>();
  /** sister name -> its sshd, while it runs */
  final Map<String, Process> sshds = new LinkedHashMap<>();
  /** sister name -> the public host key line its sshd presents */
  final Map<String, String> hostKeys = new LinkedHashMap<>();
  private final ProcessCommandRunner run = new ProcessCommandRunner();
  private final List<String> veths = new ArrayList<>();

  /** Why the real SSH test cannot run here, or null when it can. */
  static String unavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "needs root (network namespaces, sshd)";
    }
    for (String tool : List.of(IP, SSHD, KEYGEN)) {
      if (!Files.isExecutable(Path.of(tool))) {
        return tool + " is missing";
      }
    }
    return null;
  }

  SshSisters(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
    long pid = ProcessHandle.current().pid() % 100_000;
    this.tag = "vcpbs" + pid;
    this.bridge = "vpb" + pid + "br";
    this.subnet = freeSubnet();
    this.clientKey = dir.resolve("id_ed25519");
    keygen(clientKey, "vcluster-pbs-test-client");
    Files.copy(dir.resolve("id_ed25519.pub"), dir.resolve("authorized_keys"));
    try {
      ip("link", "add", bridge, "type", "bridge");
      ip("addr", "add", subnet + ".1/24", "dev", bridge);
      ip("link", "set", bridge, "up");
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** A /24 of 10.213.0.0/16 that no interface of this namespace is on. */
  private String freeSubnet() {
    String addrs = run.check(Command.of(IP, "-4", "-o", "addr", "show")).stdout();
    String routes = run.check(Command.of(IP, "-4", "route", "show")).stdout();
    for (int third = 77; third < 120; third++) {
      String s = "10.213." + third;
      if (!addrs.contains(s + ".") && !routes.contains(s + ".")) {
        return s;
      }
    }
    throw new IllegalStateException("no free 10.213.x.0/24 for the test's link");
  }

  /** Adds a sister: namespace, veth to the bridge, address, a host key; sshd when {@code start}. */
  void add(String name, Map<String, String> sshEnv, boolean start) throws IOException {
    int n = namespaces.size() + 1;
    String ns = tag + "-" + name;
    String veth = "vpb" + ProcessHandle.current().pid() % 100_000 + "s" + n;
    String address = subnet + "." + (10 + n);
    try {
      ip("netns", "add", ns);
      namespaces.put(name, ns);
      ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
      veths.add(veth);
      ip("link", "set", veth, "master", bridge);
      ip("link", "set", veth, "up");
      ip("-n", ns, "addr", "add", address + "/24", "dev", "eth0");
      ip("-n", ns, "link", "set", "eth0", "up");
      ip("-n", ns, "link", "set", "lo", "up");
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    addresses.put(name, address);
    Path home = Files.createDirectories(dir.resolve(name));
    Path hostKey = home.resolve("ssh_host_ed25519_key");
    keygen(hostKey, "vcluster-pbs-test-" + name);
    hostKeys.put(name, Files.readString(home.resolve("ssh_host_ed25519_key.pub")).strip());
    List<String> config = new ArrayList<>(List.of(
        "Port 22",
        "ListenAddress " + address,
        "HostKey " + hostKey,
        "PidFile " + home.resolve("sshd.pid"),
        "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        // the test's files live under /tmp, which is world-writable: sshd's owner checks would refuse them
        "StrictModes no",
        "PrintMotd no",
        "LogLevel VERBOSE"));
    sshEnv.forEach((k, v) -> config.add("SetEnv " + k + "=" + v));
    Files.writeString(home.resolve("sshd_config"), String.join("\n", config) + "\n");
    if (start) {
      start(name);
    }
  }

  void start(String name) throws IOException {
    Path home = dir.resolve(name);
    // sshd checks for its privilege separation folder, which Debian's package makes at boot
    Files.createDirectories(Path.of("/run/sshd"));
    Process p = new ProcessBuilder(IP, "netns", "exec", namespaces.get(name), SSHD, "-D", "-e", "-f",
        home.resolve("sshd_config").toString())
        .redirectErrorStream(true).redirectOutput(home.resolve("sshd.log").toFile()).start();
    sshds.put(name, p); // ip netns exec execs sshd: this PID is sshd's
    Instant until = Instant.now().plusSeconds(15);
    while (Instant.now().isBefore(until)) {
      if (!p.isAlive()) {
        throw new IllegalStateException("sshd of " + name + " exited " + p.exitValue() + ": "
            + Files.readString(home.resolve("sshd.log")));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(addresses.get(name), 22), 200);
        return;
      } catch (IOException notYet) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    throw new IllegalStateException("sshd of " + name + " did not listen within 15 s: "
        + Files.readString(home.resolve("sshd.log")));
  }

  /** known_hosts for these sisters: what SSH dials (the address) and the key it must present. */
  String knownHosts(Map<String, String> keys) {
    StringBuilder sb = new StringBuilder();
    keys.forEach((name, key) -> sb.append(addresses.get(name)).append(' ').append(key).append('\n'));
    return sb.toString();
  }

  /** A fresh Ed25519 key pair at {@code file} (no passphrase), its public key line. */
  String keygen(Path file, String comment) {
    run.check(Command.of(KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file.toString()));
    try {
      return Files.readString(Path.of(file + ".pub")).strip();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void ip(String... args) {
    List<String> argv = new ArrayList<>(List.of(IP));
    argv.addAll(List.of(args));
    run.check(Command.of(argv).withTimeout(Duration.ofSeconds(20)));
  }

  /** Stops the sshds this test started (by their PIDs), removes what it made; checks none is left. */
  @Override
  public void close() {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Process> e : sshds.entrySet()) {
      Process p = e.getValue();
      p.destroy();
      try {
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
      if (p.isAlive()) {
        problems.add("sshd " + p.pid() + " of " + e.getKey() + " still runs");
      }
    }
    sshds.clear();
    for (String veth : veths) {
      run.run(Command.of(IP, "link", "del", veth)); // gone with its namespace already, most likely
    }
    veths.clear();
    for (String ns : namespaces.values()) {
      CommandResult r = run.run(Command.of(IP, "netns", "del", ns));
      if (!r.ok()) {
        problems.add("netns " + ns + ": " + r.stderr().strip());
      }
    }
    namespaces.clear();
    run.run(Command.of(IP, "link", "del", bridge));
    String left = run.check(Command.of(IP, "-o", "link", "show")).stdout()
        + run.check(Command.of(IP, "netns", "list")).stdout();
    for (String line : left.lines().toList()) {
      if (line.contains(tag) || line.contains("vpb" + ProcessHandle.current().pid() % 100_000)) {
        problems.add("left: " + line);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("teardown of the test's sister nodes: " + problems);
    }
  }
}
