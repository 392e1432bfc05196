package org.virtualservices.core.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Slurm's abstract CPU ids against the kernel's, as slurmd maps them (src/slurmd/common/xcpuinfo.c). */
class CpuTopologyTest {

  @TempDir
  Path dir;

  /** A node's sysfs: {@code (package, core)} of each CPU in the kernel's order. */
  static CpuTopology tree(Path sys, String online, int[][] packageAndCore) throws IOException {
    Files.createDirectories(sys);
    Files.writeString(sys.resolve("online"), online + "\n");
    for (int cpu = 0; cpu < packageAndCore.length; cpu++) {
      Path t = Files.createDirectories(sys.resolve("cpu" + cpu).resolve("topology"));
      Files.writeString(t.resolve("physical_package_id"), packageAndCore[cpu][0] + "\n");
      Files.writeString(t.resolve("core_id"), packageAndCore[cpu][1] + "\n");
    }
    return CpuTopology.read(sys);
  }

  /**
   * 2 sockets x 2 cores x 2 threads numbered as Intel's firmware does: the sockets' first threads,
   * then the second threads (cpu0 s0c0t0, cpu1 s1c0t0, cpu2 s0c1t0, cpu3 s1c1t0, cpu4 s0c0t1, ...).
   */
  static CpuTopology intelLike(Path sys) throws IOException {
    return tree(sys, "0-7", new int[][] {{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0, 0}, {1, 0}, {0, 1}, {1, 1}});
  }

  @Test
  void abstractIdsRunCoreAfterCoreAndThreadAfterThread() throws IOException {
    // xcpuinfo.c's own example: "(Machine ID) 0 4 1 5 3 7 2 6 <--- block_map[]" is for another
    // numbering; here socket 0's cores are cpu0/4 and cpu2/6, socket 1's cpu1/5 and cpu3/7
    CpuTopology t = intelLike(dir);
    assertEquals("0,4", t.machineIds(CpuList.parse("0-1")).toString());
    assertEquals("2,6", t.machineIds(CpuList.parse("2-3")).toString());
    assertEquals("1,5", t.machineIds(CpuList.parse("4-5")).toString());
    assertEquals("0-7", t.machineIds(CpuList.parse("0-7")).toString());
  }

  @Test
  void aPlainNodeMapsOneToOne() throws IOException {
    CpuTopology t = tree(dir, "0-1", new int[][] {{0, 0}, {0, 1}});
    assertEquals("1", t.machineIds(CpuList.parse("1")).toString());
    assertThrows(IllegalArgumentException.class, () -> t.machineIds(CpuList.parse("2")));
  }

  @Test
  void offlineCpusAreNoneOfTheJobs() throws IOException {
    CpuTopology t = tree(dir, "0,2-3", new int[][] {{0, 0}, {0, 1}, {0, 2}, {0, 3}});
    assertEquals("0,2-3", t.online().toString());
    assertEquals("3", t.machineIds(CpuList.parse("2")).toString());
  }

  @Test
  void garbageInTheTopologyIsAnError() throws IOException {
    tree(dir, "0", new int[][] {{0, 0}});
    Files.writeString(dir.resolve("cpu0/topology/core_id"), "x\n");
    assertThrows(UncheckedIOException.class, () -> CpuTopology.read(dir));
    Files.writeString(dir.resolve("cpu0/topology/core_id"), "0\n");
    Files.writeString(dir.resolve("online"), "0-1\n");
    assertThrows(UncheckedIOException.class, () -> CpuTopology.read(dir), "cpu1 has no topology");
  }

  @Test
  void thisMachinesTopologyReads() {
    CpuTopology t = CpuTopology.read(CpuTopology.SYSFS);
    assertEquals(t.online(), t.machineIds(CpuList.of(java.util.stream.IntStream.range(0, t.online().size())
        .boxed().toList())));
  }
}
