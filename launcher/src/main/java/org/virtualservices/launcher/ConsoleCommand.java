package org.virtualservices.launcher;

import java.io.PrintStream;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code vcluster console [--job ID] [VM] [-f] [-n LINES]}: a VM's console output (the head unless
 * named), followed with {@code -f}. The log is on the VM's node, in root's state folder, readable
 * by the job's user alone (the prolog's ACL: docs/hooks.md, "The console, for the user"); it is
 * read there as the user by {@code tail} in a step of the job ({@link InJob#srun}), so only the
 * job's owner can: {@code --job} of another user's job is refused here, and Slurm refuses the step.
 * The guest's bytes go to the user's own terminal as {@code virsh console} would show them.
 */
final class ConsoleCommand {

  static final String NAME = "vcluster console";
  static final String USAGE = "usage: " + NAME + " [--job ID] [VM] [-f] [-n LINES]";

  private final PrintStream out;
  private final PrintStream err;
  private final Tools tools;

  ConsoleCommand(PrintStream out, PrintStream err, Tools tools) {
    this.out = out;
    this.err = err;
    this.tools = tools;
  }

  int run(List<String> args) {
    try {
      Options o = new Options().addOption(ClusterArgs.job()).addOption(ClusterArgs.help())
          .addOption(Option.builder("f").longOpt("follow").desc("keep showing what the guest prints").get())
          .addOption(Option.builder("n").longOpt("lines").hasArg().argName("LINES")
              .desc("only the last LINES lines (default: all)").get());
      CommandLine cmd = ClusterArgs.parse(o, args, false, USAGE);
      if (cmd.hasOption("help")) {
        out.println(USAGE);
        return 0;
      }
      if (cmd.getArgList().size() > 1) {
        throw new LauncherException(2, "one VM at most (" + USAGE + ")");
      }
      String lines = cmd.getOptionValue("lines", "+1");
      if (!lines.matches("\\+1|[1-9][0-9]{0,6}")) {
        throw new LauncherException(2, "-n wants a positive number of lines (" + USAGE + ")");
      }
      VirtualCluster c = new ClusterLocator(tools).locate(ClusterArgs.job(cmd));
      VirtualCluster.Vm vm = cmd.getArgList().isEmpty() ? c.head()
          : ExecCommand.targets(c, List.of(cmd.getArgList().get(0))).get(0);
      if (tools.scheduler() != Tools.Scheduler.SLURM) {
        throw new LauncherException(1, "the console is read through srun: this needs Slurm");
      }
      if (vm.console().isEmpty() || vm.node().isEmpty()) {
        throw new LauncherException(1, "the report of job " + c.job() + " names no console of " + vm.name()
            + " (a prolog older than vcluster console)");
      }
      List<String> argv = InJob.srun(c.job(), vm.node(), false);
      argv.addAll(List.of("tail", "-n", lines));
      if (cmd.hasOption("follow")) {
        argv.add("-F"); // by name: on after virtlogd rotates it
      }
      argv.addAll(List.of("--", vm.console()));
      out.flush();
      return tools.terminal().run(argv);
    } catch (LauncherException e) {
      err.println(NAME + ": " + e.getMessage());
      return e.exitCode();
    }
  }
}
