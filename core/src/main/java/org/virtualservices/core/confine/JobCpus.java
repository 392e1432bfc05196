package org.virtualservices.core.confine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The host CPUs a job was given on this node, learned before its VMs are made (docs/hooks.md, "The
 * job's CPUs and memory").
 *
 * <p>Where the resource manager has made the job's cpuset cgroup already, that is the answer: the
 * kernel's own numbers, as the resource manager confines the job's tasks. Slurm 22.05 makes it
 * after the Prolog (src/slurmd/slurmd/req.c {@code _rpc_prolog}: {@code _spawn_prolog_stepd},
 * which starts the extern step whose task/cgroup plugin makes {@code job_<id>}, follows
 * {@code _run_prolog}), so there the answer is the controller's record ({@code scontrol show job
 * --details}: this node's CPU_IDs), whose abstract ids the node's topology turns into the kernel's
 * ({@link CpuTopology}). Either way the CPUs must be online CPUs of this node.
 *
 * @param cpus the job's CPUs here; empty: not known, the VMs run unpinned
 * @param source how they were learned, for the log
 */
public record JobCpus(CpuList cpus, String source) {

  /** The root of the node's cgroup file systems. */
  public static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

  /** A cpuset file holds a short list; more is not a cpuset file. */
  static final int MAX_FILE = CpuList.MAX_TEXT;

  private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /** Unpinned, and why. */
  public static JobCpus unknown(String why) {
    return new JobCpus(CpuList.of(List.of()), why);
  }

  public boolean known() {
    return !cpus.isEmpty();
  }

  /**
   * Slurm's job cpuset files, cgroup v1 ({@code cpuset/slurm/uid_U/job_J/cpuset.cpus}; with
   * several slurmd per host {@code slurm_<node>}) and v2 ({@code
   * system.slice/slurmstepd.scope/job_J/cpuset.cpus.effective}): src/plugins/cgroup/v1 and v2.
   */
  public static List<Path> slurmCgroupFiles(Path root, int uid, String jobId, String node) {
    String job = "job_" + checked(jobId);
    String u = "uid_" + uid;
    return List.of(
        root.resolve("cpuset").resolve("slurm").resolve(u).resolve(job).resolve("cpuset.cpus"),
        root.resolve("cpuset").resolve("slurm_" + checked(node)).resolve(u).resolve(job).resolve("cpuset.cpus"),
        root.resolve("system.slice").resolve("slurmstepd.scope").resolve(job).resolve("cpuset.cpus.effective"));
  }

  /**
   * The MOM's job cpuset: Torque's ({@code cpuset/torque/<id>/cpuset.cpus}) and PBS Pro's cgroup
   * hook's ({@code cpuset/pbs_jobs.service/jobid/<id>/cpuset.cpus}, v2 {@code
   * pbs_jobs.service/jobid/<id>/cpuset.cpus.effective}).
   */
  public static List<Path> pbsCgroupFiles(Path root, String jobId) {
    String job = checked(jobId);
    return List.of(
        root.resolve("cpuset").resolve("torque").resolve(job).resolve("cpuset.cpus"),
        root.resolve("cpuset").resolve("pbs_jobs.service").resolve("jobid").resolve(job).resolve("cpuset.cpus"),
        root.resolve("pbs_jobs.service").resolve("jobid").resolve(job).resolve("cpuset.cpus.effective"));
  }

  /**
   * The first of {@code files} that exists, read and checked against the node's online CPUs.
   *
   * @param onCgroupFs require the file to be on a cgroup file system (off only in tests)
   * @throws IllegalStateException when one exists but is not a cpuset file of this node's CPUs: a
   *     link, not a regular file, not on a cgroup file system, too long, not a CPU list, empty, or
   *     naming a CPU that is not online here
   */
  public static Optional<JobCpus> fromCgroup(List<Path> files, CpuList online, boolean onCgroupFs) {
    for (Path f : files) {
      if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      CpuList cpus;
      try {
        cpus = CpuList.parse(BoundedFile.read(f, MAX_FILE, onCgroupFs));
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalStateException("the job's cpuset " + f + ": " + e.getMessage(), e);
      }
      return Optional.of(checkedAgainst(cpus, online, "the job's cpuset " + f));
    }
    return Optional.empty();
  }

  /**
   * The kernel's numbers of Slurm's abstract CPU_IDs {@code cpuIds} for this node.
   *
   * @throws IllegalStateException when they are not a CPU list of this node
   */
  public static JobCpus fromSlurmIds(String cpuIds, CpuTopology topology) {
    try {
      CpuList abstractIds = CpuList.parse(cpuIds);
      CpuList machine = topology.machineIds(abstractIds);
      return checkedAgainst(machine, topology.online(), "the controller's CPU_IDs=" + abstractIds);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("the controller's CPU_IDs for this node: " + e.getMessage(), e);
    }
  }

  private static JobCpus checkedAgainst(CpuList cpus, CpuList online, String source) {
    if (cpus.isEmpty()) {
      throw new IllegalStateException(source + " names no CPU");
    }
    if (!online.containsAll(cpus)) {
      throw new IllegalStateException(source + " names CPUs " + cpus + ", not all online here (" + online + ")");
    }
    return new JobCpus(cpus, source);
  }

  /**
   * A Slurm job's CPUs on {@code node}: its cgroup's cpuset where slurmd has made it, else this
   * node's CPU_IDs in the controller's record turned into the kernel's numbers.
   *
   * @param cpuIds this node's CPU_IDs in the record, if it has them
   * @throws IllegalStateException when neither says, or what they say is not a set of this node's
   *     CPUs: the node's fault (docs/hooks.md, "The job's CPUs and memory")
   */
  public static JobCpus forSlurm(Path cgroupRoot, CpuTopology topology, int uid, String jobId, String node,
      Optional<String> cpuIds) {
    return fromCgroup(slurmCgroupFiles(cgroupRoot, uid, jobId, node), topology.online(), true)
        .orElseGet(() -> fromSlurmIds(cpuIds.orElseThrow(() -> new IllegalStateException(
            "the controller's record of the job names no CPU_IDs for node " + node)), topology));
  }

  /**
   * A PBS job's CPUs: its MOM's cpuset where there is one; else unknown (PBS without cpusets gives
   * a job no CPUs of its own, only a count).
   */
  public static JobCpus forPbs(Path cgroupRoot, CpuList online, String jobId) {
    return fromCgroup(pbsCgroupFiles(cgroupRoot, jobId), online, true)
        .orElseGet(() -> unknown("the MOM made no cpuset for the job (no Torque or PBS cgroup)"));
  }

  /** A job id or node name that goes into a path: one plain name, never a path of its own. */
  private static String checked(String name) {
    if (!JOB_ID.matcher(name).matches() || name.contains("..")) {
      throw new IllegalArgumentException("'" + org.virtualservices.core.log.Shown.value(name)
          + "' cannot name a cgroup");
    }
    return name;
  }
}
