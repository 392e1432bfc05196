package org.virtualservices.core.share;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.config.Mounts;
import org.virtualservices.core.plan.Share;

/** The daemon's command line and how teardown tells a job's daemons from other processes. */
class VirtiofsdTest {

  static final Mounts CFG = new Mounts(true, true, List.of(), List.of(), "/usr/lib/qemu/virtiofsd",
      "/usr/bin/systemd-socket-activate", "/usr/bin/unshare", "/usr/bin/setsid", "/usr/bin/test", "/usr/bin/mount");

  @TempDir
  Path tmp;

  /**
   * Root binds the socket; everything after it runs as the job's user with only the user's ids
   * mapped; virtiofsd serves the folder on the inherited socket in its own sandbox.
   */
  @Test
  void theDaemonRunsAsTheJobsUserInANamespaceOfItsOwnIds() {
    List<String> argv = new Virtiofsd(CFG, "/usr/bin/setpriv").argv(
        new Share("vcfs0", Path.of("/home/alice/run"), Path.of("/home/alice/run"), false),
        Path.of("/var/lib/vcluster/jobs/42/n1/vc42-0.vcfs0.sock"), 1001, 2002);
    assertEquals(List.of("/usr/bin/setsid", "/usr/bin/systemd-socket-activate", "--listen=/var/lib/vcluster/jobs/42/n1/vc42-0.vcfs0.sock",
        "--", "/usr/bin/setpriv", "--reuid=1001", "--regid=2002", "--clear-groups", "--",
        "/usr/bin/unshare", "--user", "--map-user=1001", "--map-group=2002", "--keep-caps", "--",
        "/usr/lib/qemu/virtiofsd", "--fd=3", "-o", "source=/home/alice/run", "-o", "sandbox=namespace",
        "-o", "cache=auto", "-o", "no_posix_lock", "-o", "no_xattr"), argv);
  }

  /**
   * A read-only folder: first, still as the user, a user and mount namespace of the user's own in
   * which the folder is bind-mounted read-only on itself; virtiofsd then starts in a child user
   * namespace, as before.
   */
  @Test
  void aReadOnlyFolderIsServedThroughAReadOnlyBindMountMadeAsTheUser() {
    Virtiofsd d = new Virtiofsd(CFG, "/usr/bin/setpriv");
    Path sock = Path.of("/var/lib/vcluster/jobs/42/n1/vc42-0.vcfs1.sock");
    List<String> rw = d.argv(new Share("vcfs1", Path.of("/scratch/alice/in"), Path.of("/in"), false), sock, 1001, 2002);
    List<String> expected = new ArrayList<>(rw);
    expected.addAll(rw.indexOf("--clear-groups") + 2, List.of(
        "/usr/bin/unshare", "--user", "--map-root-user", "--mount", "--",
        "/bin/sh", "-c", Virtiofsd.READ_ONLY_BIND, "vc-read-only", "/usr/bin/mount", "/scratch/alice/in"));
    assertEquals(expected, d.argv(new Share("vcfs1", Path.of("/scratch/alice/in"), Path.of("/in"), true), sock,
        1001, 2002));
  }

  @Test
  void theJournalsNameReadsBack() {
    Virtiofsd.Started s = new Virtiofsd.Started(4242, Instant.ofEpochMilli(1_764_000_000_123L));
    assertEquals("4242@1764000000123", s.journalName());
    assertEquals(Optional.of(s), Virtiofsd.Started.parse(s.journalName()));
    assertEquals(Optional.empty(), Virtiofsd.Started.parse("4242"));
    assertEquals(Optional.empty(), Virtiofsd.Started.parse("x@1"));
  }

  /** A pid that now names a process started at another time is another process: left alone. */
  @Test
  void teardownKillsAJournaledDaemonAndNoOtherProcessWithItsPid() throws Exception {
    Process p = new ProcessBuilder("sleep", "60").start();
    try {
      Instant started = p.toHandle().info().startInstant().orElseThrow();
      ShareDaemons d = new ShareDaemons(tmp);
      Files.createDirectories(tmp.resolve("net"));
      Files.writeString(tmp.resolve("net/unix"), "Num RefCount Protocol Flags Type St Inode Path\n");
      List<String> removed = new ArrayList<>();
      String other = new Virtiofsd.Started(p.pid(), started.minusSeconds(5)).journalName();
      assertEquals(List.of(), d.stop(List.of(other), tmp.resolve("job"), removed));
      assertTrue(p.isAlive(), "a process with the journaled pid but another start time is not ours");
      String ours = new Virtiofsd.Started(p.pid(), started).journalName();
      assertEquals(1, d.alive(List.of(ours), tmp.resolve("job")).size());
      assertEquals(List.of(), d.stop(List.of(ours), tmp.resolve("job"), removed));
      p.waitFor();
      assertFalse(p.isAlive());
      assertEquals(List.of("virtiofsd " + p.pid()), removed);
    } finally {
      p.destroyForcibly();
    }
  }

  /** Without a journal: the processes holding a socket bound under the job's state folder. */
  @Test
  void aDaemonNotInTheJournalIsFoundByItsSocketUnderTheJobsFolder() throws IOException {
    Files.createDirectories(tmp.resolve("net"));
    Files.writeString(tmp.resolve("net/unix"), String.join("\n",
        "Num       RefCount Protocol Flags    Type St Inode Path",
        "0000000000000000: 00000002 00000000 00010000 0001 01 1111 /var/lib/vcluster/jobs/42/n1/vc42-0.vcfs0.sock",
        "0000000000000000: 00000002 00000000 00010000 0001 01 2222 /var/lib/vcluster/jobs/420/n1/vc420-0.vcfs0.sock",
        "0000000000000000: 00000002 00000000 00010000 0001 01 3333 @/var/lib/vcluster/jobs/42/n1/abstract",
        "0000000000000000: 00000003 00000000 00000000 0001 03 4444", ""));
    fd("100", "3", "socket:[1111]");
    fd("200", "3", "socket:[2222]");
    fd("300", "4", "socket:[3333]");
    fd("400", "5", "socket:[4444]");
    Files.createDirectories(tmp.resolve("self"));
    assertEquals(List.of(100L), new ShareDaemons(tmp).listenersUnder(Path.of("/var/lib/vcluster/jobs/42/n1")));
  }

  private void fd(String pid, String fd, String target) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(pid).resolve("fd"));
    Files.createSymbolicLink(dir.resolve(fd), Path.of(target));
  }
}
