package org.virtualservices.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Running something on a node of the job as its user, through Slurm: {@code srun --jobid=<job>
 * --overlap -w <node> -N1 -n1}. Slurm lets only the job's owner (and root) start a step in it, so
 * the owner check is Slurm's own; {@code --overlap} shares the job's resources with the steps that
 * hold them (the batch script, an salloc shell's), so the step starts at once
 * (https://slurm.schedmd.com/srun.html).
 *
 * <p>Also the way from a login node to the VMs: they are reachable only from the batch host, which
 * holds the job network's gateway. An salloc shell runs where salloc was typed, so {@code exec},
 * {@code ssh} and {@code mpirun} run themselves again on the batch host when they are elsewhere.
 */
final class InJob {

  /** Set in the step started on the batch host, so that it never starts another. */
  static final String HOPPED = "VC_ON_BATCH_HOST";

  private InJob() {
  }

  /** {@code srun} starting one task of {@code job} on {@code node}, before the program's words. */
  static List<String> srun(String job, String node, boolean pty) {
    List<String> argv = new ArrayList<>(List.of("srun", "--jobid=" + job, "--overlap", "-w", node, "-N1", "-n1",
        "--quiet", "--quit-on-interrupt"));
    if (pty) {
      argv.add("--pty");
    }
    return argv;
  }

  /**
   * When this runs under Slurm off the job's batch host (no {@code SLURMD_NODENAME}, or another
   * node's), runs {@code vcluster <sub> <args>} again there on the user's terminal and returns its
   * exit code; empty when this is the place (or the job is PBS's, or the report names no batch host).
   */
  static Optional<Integer> elsewhere(Tools tools, VirtualCluster c, String sub, List<String> args, boolean pty) {
    String here = tools.env().getOrDefault("SLURMD_NODENAME", "");
    if (tools.scheduler() != Tools.Scheduler.SLURM || c.batchHost().isEmpty() || here.equals(c.batchHost())
        || tools.env().containsKey(HOPPED)) {
      return Optional.empty();
    }
    List<String> argv = srun(c.job(), c.batchHost(), pty);
    argv.add("--export=ALL," + HOPPED + "=1");
    argv.add(self());
    argv.add(sub);
    if (!args.contains("--job")) {
      argv.addAll(List.of("--job", c.job()));
    }
    argv.addAll(args);
    return Optional.of(tools.terminal().run(argv));
  }

  /** This command's own path on the nodes (bin/vcluster of the installation it runs from). */
  static String self() {
    String home = System.getProperty("vcluster.home");
    return home == null ? "vcluster" : Path.of(home, "bin", "vcluster").toString();
  }
}
