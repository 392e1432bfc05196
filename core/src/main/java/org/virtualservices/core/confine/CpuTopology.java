package org.virtualservices.core.confine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The node's CPUs as Slurm numbers them and as the kernel does. Slurm's CPU_IDs ({@code scontrol
 * show job -d}) are abstract ids: "Slurm abstract CPU ids, not Linux/hardware CPU ids" (scontrol(1),
 * {@code --details}), numbered core after core (sockets in order, cores in order within a socket)
 * and thread after thread within a core: abstract id = core index x threads per core + thread index
 * (src/api/job_info.c {@code slurm_sprint_job_info}). slurmd maps them to the kernel's numbers
 * with hwloc's logical order of the same objects (src/slurmd/common/xcpuinfo.c
 * {@code xcpuinfo_hwloc_topo_get}: {@code absid = used_core_idx * nobj[PU] + idx[PU]},
 * {@code macid = obj->os_index}). hwloc orders sockets, cores and threads by the first CPU they
 * hold; so does this class, from the kernel's own topology files
 * (Documentation/admin-guide/cputopology.rst): {@code physical_package_id} and {@code core_id}
 * of each online CPU.
 */
public final class CpuTopology {

  /** The node's own: {@code /sys/devices/system/cpu}. */
  public static final Path SYSFS = Path.of("/sys/devices/system/cpu");

  private final List<Integer> byAbstractId;
  private final CpuList online;

  private CpuTopology(List<Integer> byAbstractId, CpuList online) {
    this.byAbstractId = byAbstractId;
    this.online = online;
  }

  /**
   * The topology below {@code cpuDir} (the node's {@link #SYSFS}, or a copy in tests).
   *
   * @throws UncheckedIOException when a file cannot be read or holds no number
   */
  public static CpuTopology read(Path cpuDir) {
    CpuList online = CpuList.parse(text(cpuDir.resolve("online")));
    // package (by its first CPU) -> core (by its first CPU) -> CPUs in order
    Map<Integer, Map<Integer, List<Integer>>> packages = new TreeMap<>();
    Map<Integer, Integer> packageFirst = new LinkedHashMap<>();
    Map<String, Integer> coreFirst = new LinkedHashMap<>();
    for (int cpu : online.ids()) {
      Path topo = cpuDir.resolve("cpu" + cpu).resolve("topology");
      int pkg = number(topo.resolve("physical_package_id"));
      int core = number(topo.resolve("core_id"));
      int p = packageFirst.computeIfAbsent(pkg, k -> cpu);
      int c = coreFirst.computeIfAbsent(pkg + "/" + core, k -> cpu);
      packages.computeIfAbsent(p, k -> new TreeMap<>()).computeIfAbsent(c, k -> new ArrayList<>()).add(cpu);
    }
    int threads = packages.values().stream().flatMap(m -> m.values().stream()).mapToInt(List::size).max().orElse(1);
    List<Integer> map = new ArrayList<>();
    packages.values().forEach(cores -> cores.values().forEach(pus -> {
      List<Integer> sorted = new ArrayList<>(pus);
      sorted.sort(Comparator.naturalOrder());
      for (int t = 0; t < threads; t++) {
        map.add(t < sorted.size() ? sorted.get(t) : -1);
      }
    }));
    return new CpuTopology(List.copyOf(map), online);
  }

  /** The node's online CPUs. */
  public CpuList online() {
    return online;
  }

  /**
   * The kernel's numbers of Slurm's abstract ids {@code ids}.
   *
   * @throws IllegalArgumentException when an id names no CPU of this node
   */
  public CpuList machineIds(CpuList ids) {
    List<Integer> out = new ArrayList<>();
    for (int id : ids.ids()) {
      int m = id < byAbstractId.size() ? byAbstractId.get(id) : -1;
      if (m < 0) {
        throw new IllegalArgumentException("Slurm's CPU " + id + " is none of this node's " + byAbstractId.size()
            + " (online: " + online + ")");
      }
      out.add(m);
    }
    return CpuList.of(out);
  }

  private static String text(Path file) {
    try {
      return BoundedFile.read(file, CpuList.MAX_TEXT + 1, false);
    } catch (IOException e) {
      throw new UncheckedIOException("read " + file + ": " + e.getMessage(), e);
    }
  }

  private static int number(Path file) {
    String t = text(file).strip();
    if (!t.matches("-?[0-9]{1,9}")) {
      throw new UncheckedIOException(new IOException(file + " holds '" + t + "', not a number"));
    }
    return Integer.parseInt(t);
  }
}
