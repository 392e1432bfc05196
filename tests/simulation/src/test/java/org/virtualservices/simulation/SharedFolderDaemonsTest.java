package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared folders' daemons, for real (docs/hooks.md, "Host folders"), with the prolog and the
 * epilog against test:///default: its domains start without a QEMU, so every virtiofsd waits on
 * its socket as one whose QEMU never came would. The socket is root's to bind, in the state
 * folder, and the user's (0600) once bound; what answers on it runs as the job's user, never as
 * root; the epilog and the prolog's rollback leave no daemon and no socket.
 */
class SharedFolderDaemonsTest {

  private static final int USER = 65534;
  private static final String REQUEST = "vc:image=tiny,vms=2";

  @TempDir
  Path tmp;
  SimulatedCluster cluster;

  @BeforeEach
  void up() throws IOException {
    RootHooksUnderAttackTest.requireRoot();
    Path work = SimulatedCluster.userWork(tmp, USER);
    cluster = new SimulatedCluster(tmp, List.of("sim1"), "mounts:\n  enabled: true", "nobody", USER, USER, work);
  }

  @AfterEach
  void down() {
    if (cluster != null) {
      daemons().forEach(ProcessHandle::destroyForcibly);
      cluster.close();
    }
  }

  @Test
  void eachVmsFolderIsServedAsTheUserAndNothingIsLeftAfterTheEpilog() throws Exception {
    assertEquals(0, cluster.prolog("4801", "sim1", REQUEST), cluster.log());
    assertEquals(2, daemons().size(), "one daemon per VM and folder (the working folder only)\n" + cluster.log());
    Path nodeDir = cluster.stateDir.resolve("jobs/4801/sim1");
    // root's, which only QEMU's account (the job's user's group) may pass, to its files and sockets
    assertEquals("rwx--x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(nodeDir)));
    assertEquals(0, Files.getAttribute(nodeDir, "unix:uid"));
    assertEquals(USER, Files.getAttribute(nodeDir, "unix:gid"));
    for (String vm : List.of("vc4801-0", "vc4801-1")) {
      Path socket = nodeDir.resolve(vm + ".vcfs0.sock");
      assertEquals(USER, Files.getAttribute(socket, "unix:uid"), "the socket is the user's, for QEMU as the user");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }
    // as QEMU would: connect; the activator then becomes virtiofsd as the user
    try (SocketChannel qemu = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      qemu.connect(UnixDomainSocketAddress.of(nodeDir.resolve("vc4801-0.vcfs0.sock")));
      ProcessHandle served = waitFor(() -> daemons().stream()
          .filter(h -> h.info().command().orElse("").endsWith("virtiofsd")).findFirst().orElse(null));
      assertEquals(List.of(String.valueOf(USER)), ids(served, "Uid:"), "virtiofsd runs as the job's user");
      assertEquals(List.of(String.valueOf(USER)), ids(served, "Gid:"));
      assertTrue(Files.readString(Path.of("/proc/" + served.pid() + "/uid_map")).trim()
          .matches(USER + "\\s+" + USER + "\\s+1"), "only the user's uid is mapped, to itself");
    }
    assertEquals(0, cluster.epilog("4801", "sim1", REQUEST), cluster.log());
    assertEquals(List.of(), daemons(), "no daemon left");
    assertFalse(Files.exists(nodeDir), "no socket left: the state folder is gone");
  }

  /**
   * slurmd kills the prolog's process group when the prolog ends (seen on the e2e cluster: every
   * virtiofsd gone as the batch step started, the guests' requests waiting for ever): each daemon
   * leads a session and process group of its own, outside the hook's, and is still the process
   * the journal names.
   */
  @Test
  void eachDaemonOutlivesTheHooksProcessGroup() throws Exception {
    assertEquals(0, cluster.prolog("4801", "sim1", REQUEST), cluster.log());
    List<ProcessHandle> started = daemons();
    assertEquals(2, started.size(), cluster.log());
    String journal;
    try (Stream<Path> files = Files.walk(cluster.stateDir.resolve("jobs/4801"))) {
      journal = files.filter(f -> f.getFileName().toString().equals("journal.json")).map(f -> {
        try {
          return Files.readString(f);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).reduce("", String::concat);
    }
    long hookGroup = stat(ProcessHandle.current().pid())[1];
    for (ProcessHandle h : started) {
      long[] st = stat(h.pid());
      assertEquals(h.pid(), st[1], "the daemon leads its process group, not the hook's (" + hookGroup + ")");
      assertEquals(h.pid(), st[2], "the daemon leads its session");
      assertTrue(journal.contains("\"" + h.pid() + "@"), "the journal names the daemon itself\n" + journal);
    }
    assertEquals(0, cluster.epilog("4801", "sim1", REQUEST), cluster.log());
    assertEquals(List.of(), daemons(), "no daemon left");
  }

  @Test
  void aPrologThatFailsAfterStartingTheDaemonsLeavesNone() throws Exception {
    cluster.faults.put("sim1", p -> {
      if (p.equals("start:vc4801-1")) {
        throw new IllegalStateException("fault injected at " + p);
      }
    });
    assertEquals(1, cluster.prolog("4801", "sim1", REQUEST), cluster.log());
    assertEquals(List.of(), daemons(), "the rollback killed the daemons QEMU never reached\n" + cluster.log());
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/4801/sim1")), cluster.log());
  }

  @Test
  void aFolderTheUserCannotOpenIsTheUsersMistakeAndStartsNothing() throws Exception {
    Files.setPosixFilePermissions(cluster.workDir, PosixFilePermissions.fromString("r--------"));
    assertEquals(0, cluster.prolog("4801", "sim1", REQUEST), cluster.log());
    assertTrue(cluster.log().contains("is not a folder that user nobody can open on node sim1"), cluster.log());
    assertEquals(List.of(), daemons());
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/4801")), cluster.log());
  }

  /** The job's daemons: processes whose command line names a socket in this test's state folder. */
  private List<ProcessHandle> daemons() {
    String mark = cluster.stateDir.toString();
    return ProcessHandle.allProcesses().filter(h -> {
      try {
        return Files.readString(Path.of("/proc/" + h.pid() + "/cmdline")).contains(mark + "/jobs/")
            || h.info().command().orElse("").endsWith("virtiofsd")
            && Files.readString(Path.of("/proc/" + h.pid() + "/cmdline")).contains(cluster.workDir.toString());
      } catch (IOException e) {
        return false;
      }
    }).toList();
  }

  /** ppid, process group and session of a process, from /proc/PID/stat (after the command's ")"). */
  private static long[] stat(long pid) throws IOException {
    String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
    return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])};
  }

  private static List<String> ids(ProcessHandle h, String field) throws IOException {
    try (Stream<String> lines = Files.lines(Path.of("/proc/" + h.pid() + "/status"))) {
      return lines.filter(l -> l.startsWith(field)).flatMap(l -> Stream.of(l.substring(field.length()).trim()
          .split("\\s+"))).distinct().toList();
    }
  }

  private static <T> T waitFor(java.util.function.Supplier<T> what) throws InterruptedException {
    for (int i = 0; i < 250; i++) {
      T t = what.get();
      if (t != null) {
        return t;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("not seen within 5 s");
  }
}
