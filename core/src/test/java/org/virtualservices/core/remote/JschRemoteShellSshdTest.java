package org.virtualservices.core.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.keys.JobIdentity;
import org.virtualservices.core.keys.KeyDeriver;
import org.virtualservices.core.keys.SshKeyPair;

/**
 * {@link JschRemoteShell} against real OpenSSH servers, two of them, each in its own network
 * namespace ({@link SshdLab}), with the keys the prolog would derive: the job's user key and each
 * "VM"'s host key, written as the report folder holds them. Needs root, sshd and ip; skipped with
 * the reason otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JschRemoteShellSshdTest {

  private static final Duration CONNECT = Duration.ofSeconds(5);
  private static final Duration LONG = Duration.ofSeconds(20);

  @TempDir
  static Path dir;
  private SshdLab lab;
  private static final JobIdentity JOB = new JobIdentity("42", 1000, "1764745870");
  private final KeyDeriver keys = new KeyDeriver("a site secret of at least 32 bytes for tests".getBytes());
  private final KeyDeriver otherSite = new KeyDeriver("another site's secret, also of 32 bytes!".getBytes());
  private SshdLab.Server vm0;
  private SshdLab.Server vm1;
  private Path identity;
  private Path knownHosts;
  private String user;

  @BeforeAll
  void twoServers() throws IOException {
    String why = SshdLab.unavailable();
    assumeTrue(why == null, () -> "real sshd tests skipped: " + why);
    lab = new SshdLab(dir);
    user = lab.user();
    SshKeyPair jobKey = keys.jobKey(JOB);
    vm0 = lab.start(0, "vc42-0", keys.hostKey(JOB, "vc42-0"), jobKey.publicKey());
    vm1 = lab.start(1, "vc42-1", keys.hostKey(JOB, "vc42-1"), jobKey.publicKey());
    identity = file("id_ed25519", jobKey.privateKey());
    knownHosts = file("known_hosts", vm0.name() + "," + vm0.address() + " " + keys.hostKey(JOB, "vc42-0").publicKey()
        + "\n" + vm1.name() + "," + vm1.address() + " " + keys.hostKey(JOB, "vc42-1").publicKey() + "\n");
  }

  @AfterAll
  void tearDown() {
    if (lab != null) {
      lab.close();
      assertEquals(List.of(), lab.remaining(), "namespaces left");
      assertEquals(List.of(), lab.remainingLinks(), "veths left");
      assertTrue(lab.userGone(), "the lab's user is left");
    }
  }

  private Path file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  /** What one command gave: its result and every line of each stream. */
  record Ran(RemoteResult result, List<String> out, List<String> err) {}

  private Ran run(RemoteShell shell, SshdLab.Server s, Duration timeout, String... argv) {
    List<String> out = Collections.synchronizedList(new ArrayList<>());
    List<String> err = Collections.synchronizedList(new ArrayList<>());
    RemoteResult r = shell.run(s.host(user), List.of(argv), timeout, out::add, err::add);
    return new Ran(r, out, err);
  }

  private JschRemoteShell shell() {
    return new JschRemoteShell(identity, knownHosts, CONNECT);
  }

  @Test
  void outputAndExitStatusOfCommands() {
    try (JschRemoteShell shell = shell()) {
      Ran hostname = run(shell, vm0, LONG, "cat", "/proc/sys/kernel/hostname");
      assertEquals(0, hostname.result().exitStatus());
      assertEquals(1, hostname.out().size());
      Ran three = run(shell, vm0, LONG, "sh", "-c", "echo one; echo two; echo three; exit 3");
      assertEquals(3, three.result().exitStatus());
      assertEquals(List.of("one", "two", "three"), three.out());
      assertEquals(1, run(shell, vm1, LONG, "false").result().exitStatus());
      Ran missing = run(shell, vm1, LONG, "no-such-program-here");
      assertEquals(127, missing.result().exitStatus());
      assertTrue(missing.err().stream().anyMatch(l -> l.contains("no-such-program-here")), missing.err().toString());
    }
  }

  @Test
  void standardErrorGoesToItsOwnSink() {
    try (JschRemoteShell shell = shell()) {
      Ran r = run(shell, vm0, LONG, "sh", "-c", "echo to-out; echo to-err >&2; echo more-err >&2");
      assertEquals(List.of("to-out"), r.out());
      assertEquals(List.of("to-err", "more-err"), r.err());
    }
  }

  @Test
  void oddWordsArriveAsTheyWere() {
    List<String> odd = List.of("a b", "", "it's", "$HOME", "`id`", "a;b", "*", "x\"y", "back\\slash", "tab\there",
        "ünïcode");
    List<String> argv = new ArrayList<>(List.of("printf", "[%s]\\n"));
    argv.addAll(odd);
    try (JschRemoteShell shell = shell()) {
      Ran r = run(shell, vm1, LONG, argv.toArray(String[]::new));
      assertEquals(0, r.result().exitStatus(), r.err().toString());
      assertEquals(odd.stream().map(w -> "[" + w + "]").toList(), r.out());
    }
  }

  @Test
  void anUnknownHostKeyIsRefused() throws IOException {
    Path onlyVm0 = file("known_hosts_only_vm0",
        vm0.name() + "," + vm0.address() + " " + keys.hostKey(JOB, "vc42-0").publicKey() + "\n");
    try (JschRemoteShell shell = new JschRemoteShell(identity, onlyVm0, CONNECT)) {
      RemoteException e = assertThrows(RemoteException.class, () -> run(shell, vm1, LONG, "true"));
      assertTrue(e.getMessage().contains(vm1.address()) && e.getMessage().contains("connect"), e.getMessage());
      assertEquals(0, run(shell, vm0, LONG, "true").result().exitStatus(), "the known host still answers");
    }
  }

  @Test
  void aChangedHostKeyIsRefused() throws IOException {
    // vm1's address with a key it does not have: what a man in the middle, or a reused address, looks like.
    Path changed = file("known_hosts_changed",
        vm1.name() + "," + vm1.address() + " " + otherSite.hostKey(JOB, "vc42-1").publicKey() + "\n");
    try (JschRemoteShell shell = new JschRemoteShell(identity, changed, CONNECT)) {
      RemoteException e = assertThrows(RemoteException.class, () -> run(shell, vm1, LONG, "true"));
      assertTrue(e.getMessage().toLowerCase().contains("hostkey") || e.getMessage().contains("HostKey")
          || e.getMessage().toLowerCase().contains("host key"), e.getMessage());
    }
  }

  @Test
  void aWrongIdentityIsRefused() throws IOException {
    Path wrong = file("id_other", otherSite.jobKey(JOB).privateKey());
    try (JschRemoteShell shell = new JschRemoteShell(wrong, knownHosts, CONNECT)) {
      RemoteException e = assertThrows(RemoteException.class, () -> run(shell, vm0, LONG, "true"));
      assertTrue(e.getMessage().contains("Auth fail") || e.getMessage().contains("auth"), e.getMessage());
    }
  }

  @Test
  void aCommandStillRunningAtItsTimeoutIsStopped() throws IOException {
    Path pidFile = lab.scratch().resolve("sleeper.pid");
    try (JschRemoteShell shell = shell()) {
      long start = System.nanoTime();
      // the shell stays the parent of sleep, as a real job's wrapper script would
      RemoteException e = assertThrows(RemoteException.class, () -> run(shell, vm0, Duration.ofSeconds(2),
          "sh", "-c", "echo started; sleep 30 & echo $! > " + pidFile + "; wait"));
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(e.getMessage().contains("still running after 2 s"), e.getMessage());
      assertTrue(ms < 6000, "gave up after " + ms + " ms");
      // the session is still good for the next command
      assertEquals(0, run(shell, vm0, LONG, "true").result().exitStatus());
      // and the stopped command does not live on in the "VM" (the lab shares this JVM's PIDs; a
      // zombie counts as gone: an orphan waits there for a reaper that this machine may not run)
      String pid = Files.readString(pidFile).strip();
      assertTrue(gone(pid), "the timed-out command's child " + pid + " was left running");
    }
  }

  @Test
  void closingTheShellStopsWhatStillRuns() throws Exception {
    Path pidFile = lab.scratch().resolve("closed.pid");
    JschRemoteShell shell = shell();
    CompletableFuture<Object> running = CompletableFuture.supplyAsync(() -> {
      try {
        return run(shell, vm1, LONG, "sh", "-c", "sleep 30 & echo $! > " + pidFile + "; wait");
      } catch (RemoteException e) {
        return e;
      }
    });
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!(Files.exists(pidFile) && Files.size(pidFile) > 0) && System.nanoTime() < deadline) {
      Thread.sleep(20); // until the remote command has started
    }
    String pid = Files.readString(pidFile).strip();
    shell.close(); // what the launcher's exit hook does on Ctrl-C or scancel
    running.get(10, java.util.concurrent.TimeUnit.SECONDS);
    long waitUntil = System.nanoTime() + 3_000_000_000L;
    while (!gone(pid) && System.nanoTime() < waitUntil) {
      Thread.sleep(20); // the TERM travels to sshd and on to the process group
    }
    assertTrue(gone(pid), "the command's child " + pid + " still runs after close()");
  }

  private static boolean gone(String pid) throws IOException {
    Path stat = Path.of("/proc", pid, "stat");
    if (!Files.exists(stat)) {
      return true;
    }
    String s = Files.readString(stat);
    return s.substring(s.lastIndexOf(')') + 2).startsWith("Z");
  }

  @Test
  void commandsToTwoHostsRunInParallel() {
    try (JschRemoteShell shell = shell()) {
      run(shell, vm0, LONG, "true"); // connect both first: what is measured is the commands
      run(shell, vm1, LONG, "true");
      long start = System.nanoTime();
      CompletableFuture<Ran> a = CompletableFuture.supplyAsync(() -> run(shell, vm0, LONG, "sh", "-c", "sleep 2; echo a"));
      CompletableFuture<Ran> b = CompletableFuture.supplyAsync(() -> run(shell, vm1, LONG, "sh", "-c", "sleep 2; echo b"));
      assertEquals(List.of("a"), a.join().out());
      assertEquals(List.of("b"), b.join().out());
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms < 3500, "two 2-second commands took " + ms + " ms: not in parallel");
    }
  }

  @Test
  void aFileCopiedOverSftpArrivesWithItsModeAndRuns() throws IOException {
    Path program = file("hello.sh", "#!/bin/sh\necho hello from $(cat /proc/sys/kernel/hostname)\n");
    Files.setPosixFilePermissions(program, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
    try (JschRemoteShell shell = shell()) {
      shell.upload(vm1.host(user), program, "hello.sh", LONG);
      shell.upload(vm1.host(user), program, "hello.sh", LONG); // a second copy replaces the first
      Ran r = run(shell, vm1, LONG, "sh", "-c", "stat -c %a hello.sh && ./hello.sh");
      assertEquals(0, r.result().exitStatus(), r.err().toString());
      assertEquals("750", r.out().get(0));
      assertTrue(r.out().get(1).startsWith("hello from "), r.out().toString());
      RemoteException e = assertThrows(RemoteException.class,
          () -> shell.upload(vm1.host(user), program, "/no/such/dir/hello.sh", LONG));
      assertTrue(e.getMessage().contains("/no/such/dir/hello.sh"), e.getMessage());
    }
  }

  @Test
  void anUnreachableHostIsNamedWithTheReason() {
    // An address on the lab's link where nothing listens (the host end of vm0's veth has no sshd).
    String nobody = vm0.address().substring(0, vm0.address().lastIndexOf('.') + 1)
        + (Integer.parseInt(vm0.address().substring(vm0.address().lastIndexOf('.') + 1)) + 1);
    try (JschRemoteShell shell = shell()) {
      RemoteException e = assertThrows(RemoteException.class,
          () -> shell.run(new RemoteHost("vc42-9", nobody, 22, user), List.of("true"), LONG, l -> { }, l -> { }));
      assertTrue(e.getMessage().contains("vc42-9") && e.getMessage().contains("connect"), e.getMessage());
    }
  }
}
