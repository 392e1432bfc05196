package org.virtualservices.core.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the prolog learns a job's CPUs: the job's cpuset cgroup file, read as root although nothing
 * in it is taken on trust, and Slurm's abstract CPU_IDs turned into the kernel's numbers.
 */
class JobCpusTest {

  @TempDir
  Path root;

  private static final CpuList ONLINE = CpuList.parse("0-7");

  private Path v1File() throws IOException {
    Path f = JobCpus.slurmCgroupFiles(root, 1001, "42", "node1").get(0);
    Files.createDirectories(f.getParent());
    return f;
  }

  @Test
  void theJobsCgroupIsReadWhereSlurmMakesIt() throws IOException {
    assertEquals(root.resolve("cpuset/slurm/uid_1001/job_42/cpuset.cpus"), v1File());
    Files.writeString(v1File(), "2-3\n");
    JobCpus cpus = JobCpus.fromCgroup(JobCpus.slurmCgroupFiles(root, 1001, "42", "node1"), ONLINE, false)
        .orElseThrow();
    assertEquals("2-3", cpus.cpus().toString());
    assertTrue(cpus.source().contains("cpuset.cpus"), cpus.source());
  }

  @Test
  void cgroupV2IsReadToo() throws IOException {
    Path f = root.resolve("system.slice/slurmstepd.scope/job_42/cpuset.cpus.effective");
    Files.createDirectories(f.getParent());
    Files.writeString(f, "5\n");
    assertEquals("5", JobCpus.fromCgroup(JobCpus.slurmCgroupFiles(root, 1001, "42", "node1"), ONLINE, false)
        .orElseThrow().cpus().toString());
  }

  @Test
  void noCgroupIsNoAnswer() {
    assertEquals(Optional.empty(), JobCpus.fromCgroup(JobCpus.slurmCgroupFiles(root, 1001, "42", "n"), ONLINE,
        false));
  }

  @Test
  void aLinkWhereTheFileShouldBeIsRefusedNotFollowed() throws IOException {
    Path secret = Files.writeString(root.resolve("secret"), "0-1\n");
    Files.createSymbolicLink(v1File(), secret);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> JobCpus.fromCgroup(List.of(v1File()), ONLINE, false));
    assertTrue(e.getMessage().contains("a link"), e.getMessage());
  }

  @Test
  void aFifoIsRefusedWithoutBlocking() throws Exception {
    Process p = new ProcessBuilder("mkfifo", v1File().toString()).start();
    assertEquals(0, p.waitFor());
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> JobCpus.fromCgroup(List.of(v1File()), ONLINE, false));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
  }

  @Test
  void hostileContentIsRefusedWithAShortMessage() throws IOException {
    for (String bad : new String[] {"", "\n", "garbage", "0-3\n\u001b[31mred", "9", "0-9999", "1,".repeat(50_000),
        "3-1", "0-7,\n"}) {
      Files.writeString(v1File(), bad);
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> JobCpus.fromCgroup(List.of(v1File()), ONLINE, false), "content " + bad.length());
      assertTrue(e.getMessage().length() < 400, e.getMessage());
      assertFalse(e.getMessage().contains("\u001b"), e.getMessage());
    }
  }

  @Test
  void aFileNotOnACgroupFileSystemIsRefusedWhereOneIsRequired() throws IOException {
    Files.writeString(v1File(), "1\n");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> JobCpus.fromCgroup(List.of(v1File()), ONLINE, true));
    assertTrue(e.getMessage().contains("not a cgroup one"), e.getMessage());
  }

  @Test
  void aJobIdOrNodeThatIsAPathNamesNoCgroup() {
    for (String bad : new String[] {"../../etc", "42/../../x", "", "a b", ".."}) {
      assertThrows(IllegalArgumentException.class, () -> JobCpus.slurmCgroupFiles(root, 1, bad, "n"));
      assertThrows(IllegalArgumentException.class, () -> JobCpus.slurmCgroupFiles(root, 1, "42", bad));
      assertThrows(IllegalArgumentException.class, () -> JobCpus.pbsCgroupFiles(root, bad));
    }
    assertEquals(root.resolve("cpuset/torque/123.server/cpuset.cpus"), JobCpus.pbsCgroupFiles(root, "123.server")
        .get(0));
  }

  @Test
  void slurmWithoutACgroupGoesByTheRecordsCpuIds() throws IOException {
    CpuTopology topo = CpuTopologyTest.intelLike(root.resolve("sys"));
    JobCpus cpus = JobCpus.forSlurm(root, topo, 1001, "42", "node1", Optional.of("2-3"));
    // abstract 2-3 are core 1's two threads: the kernel's 2 and 6
    assertEquals("2,6", cpus.cpus().toString());
    assertThrows(IllegalStateException.class, () -> JobCpus.forSlurm(root, topo, 1001, "42", "node1",
        Optional.empty()));
    assertThrows(IllegalStateException.class, () -> JobCpus.forSlurm(root, topo, 1001, "42", "node1",
        Optional.of("8")));
    Files.writeString(v1File(), "1\n");
    assertThrows(IllegalStateException.class, () -> JobCpus.forSlurm(root, topo, 1001, "42", "node1",
        Optional.of("0")), "the cgroup file must be on a cgroup file system");
  }

  @Test
  void pbsWithoutACpusetRunsUnpinned() {
    JobCpus cpus = JobCpus.forPbs(root, ONLINE, "7.server");
    assertFalse(cpus.known());
    assertTrue(cpus.source().contains("no cpuset"), cpus.source());
  }
}
