package org.virtualservices.launcher;

import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code vcluster checkpoint [--job ID] [--stop] [--keep N]}: a checkpoint of every VM of the job,
 * taken by root's helper on each node (docs/hooks.md, "Checkpoints"), reached through Slurm: one
 * step of the job with one task per node ({@code srun --jobid=ID --overlap -N<nodes>
 * --ntasks-per-node=1 --vc-checkpoint-now=VALUE true}), whose SPANK plugin runs the helper as root
 * before the task starts. Slurm lets only the job's owner (or root) start a step in it; the
 * helper checks the step's user against the job's again. VALUE carries the moment every node
 * pauses its VMs (now + {@link #LEAD_MS}, an epoch time: the nodes' clocks are NTP-synced), so
 * that all are paused at nearly the same moment. Each node prints one line; the exit status is
 * srun's, non-zero when a node failed.
 */
final class CheckpointCommand {

  static final String NAME = "vcluster checkpoint";
  static final String USAGE = "usage: " + NAME + " [--job ID] [--stop] [--keep N]";
  /** How far ahead the pause is set: time for srun to start the step and each node's helper. */
  static final long LEAD_MS = 2000;

  private final PrintStream out;
  private final PrintStream err;
  private final Tools tools;
  private final Clock clock;

  CheckpointCommand(PrintStream out, PrintStream err, Tools tools, Clock clock) {
    this.out = out;
    this.err = err;
    this.tools = tools;
    this.clock = clock;
  }

  int run(List<String> args) {
    try {
      Options o = new Options().addOption(ClusterArgs.job()).addOption(ClusterArgs.help())
          .addOption(Option.builder().longOpt("stop").desc("leave the VMs stopped after the checkpoint").get())
          .addOption(Option.builder().longOpt("keep").hasArg().argName("N")
              .desc("complete checkpoints kept per node, the newest current (default and most: the site's)").get());
      CommandLine cmd = ClusterArgs.parse(o, args, false, USAGE);
      if (cmd.hasOption("help")) {
        out.println(USAGE);
        return 0;
      }
      if (!cmd.getArgList().isEmpty()) {
        throw new LauncherException(2, "unexpected '" + cmd.getArgList().get(0) + "' (" + USAGE + ")");
      }
      String keep = cmd.getOptionValue("keep");
      if (keep != null && !keep.matches("[1-9][0-9]?")) {
        throw new LauncherException(2, "--keep wants a number from 1 to 99 (" + USAGE + ")");
      }
      if (tools.scheduler() != Tools.Scheduler.SLURM) {
        throw new LauncherException(1, "a checkpoint is taken through srun: this needs Slurm");
      }
      VirtualCluster c = new ClusterLocator(tools).locate(ClusterArgs.job(cmd));
      List<String> nodes = c.vms().stream().map(VirtualCluster.Vm::node).distinct().toList();
      if (nodes.isEmpty() || nodes.contains("")) {
        throw new LauncherException(1, "the report of job " + c.job() + " does not name every VM's node"
            + " (a prolog older than vcluster checkpoint)");
      }
      String value = (clock.millis() + LEAD_MS) + (cmd.hasOption("stop") ? ",stop" : "")
          + (keep != null ? ",keep=" + keep : "");
      List<String> argv = new ArrayList<>(List.of("srun", "--jobid=" + c.job(), "--overlap", "-N" + nodes.size(),
          "-n" + nodes.size(), "--ntasks-per-node=1", "--quiet", "--vc-checkpoint-now=" + value, "true"));
      out.flush();
      return tools.terminal().run(argv);
    } catch (LauncherException e) {
      err.println(NAME + ": " + e.getMessage());
      return e.exitCode();
    }
  }
}
