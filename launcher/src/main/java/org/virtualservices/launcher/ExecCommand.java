package org.virtualservices.launcher;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.virtualservices.core.remote.RemoteShell;

/**
 * {@code vcluster exec [--job ID] [--vm NAME[,NAME]... | --all] [--timeout S] -- CMD [ARG...]}: runs
 * a command on the job's VMs (all of them unless {@code --vm} names some) in parallel over SSH, each
 * output line prefixed with its VM's name as pdsh does ({@code vc42-1: ...}). Exit code: 0 when it
 * succeeded everywhere, else the first non-zero exit status in the cluster's order, or 255 when
 * the failed VMs could not run it at all; the failed VMs are named on stderr with why. The words
 * of CMD reach the remote program as they are (quoted for the remote shell, never interpreted):
 * for pipes and redirections, give {@code sh -c '...'}.
 */
final class ExecCommand {

  static final String NAME = "vcluster exec";
  static final String USAGE = "usage: " + NAME + " [--job ID] [--vm NAME[,NAME...] | --all] [--timeout S] -- CMD [ARG...]";

  private final PrintStream out;
  private final PrintStream err;
  private final Tools tools;

  ExecCommand(PrintStream out, PrintStream err, Tools tools) {
    this.out = out;
    this.err = err;
    this.tools = tools;
  }

  int run(List<String> args) {
    try {
      Options o = new Options().addOption(ClusterArgs.job()).addOption(ClusterArgs.timeout())
          .addOption(Option.builder().longOpt("vm").hasArg().argName("NAME").desc("a VM to run on (repeatable)").get())
          .addOption(Option.builder().longOpt("all").desc("every VM of the cluster (the default)").get())
          .addOption(ClusterArgs.help());
      ClusterArgs.Split split = ClusterArgs.split(args);
      CommandLine cmd = ClusterArgs.parse(o, split.own(), !split.dashes(), USAGE);
      if (cmd.hasOption("help")) {
        out.println(USAGE);
        return 0;
      }
      List<String> command = split.dashes() ? split.command() : cmd.getArgList();
      if (split.dashes() && !cmd.getArgList().isEmpty()) {
        throw new LauncherException(2, "unexpected '" + cmd.getArgList().get(0) + "' before -- (" + USAGE + ")");
      }
      if (command.isEmpty()) {
        throw new LauncherException(2, "no command to run (" + USAGE + ")");
      }
      List<String> names = ClusterArgs.values(cmd, "vm");
      if (cmd.hasOption("all") && !names.isEmpty()) {
        throw new LauncherException(2, "--vm and --all exclude each other (" + USAGE + ")");
      }
      Duration timeout = ClusterArgs.timeout(cmd, USAGE);
      VirtualCluster c = new ClusterLocator(tools).locate(ClusterArgs.job(cmd));
      Optional<Integer> there = InJob.elsewhere(tools, c, "exec", args, false);
      if (there.isPresent()) {
        return there.get();
      }
      List<VirtualCluster.Vm> targets = targets(c, names);
      try (RemoteShell shell = tools.shells().open(c)) {
        List<FanOut.Outcome> outcomes = FanOut.exec(shell, c.login(), targets, command, timeout, out, err);
        out.flush();
        return FanOut.summarize(NAME, outcomes, err);
      }
    } catch (LauncherException e) {
      err.println(NAME + ": " + e.getMessage());
      return e.exitCode();
    }
  }

  /** The VMs named, in the cluster's order, or all of them; an unknown name is a usage error. */
  static List<VirtualCluster.Vm> targets(VirtualCluster c, List<String> names) {
    if (names.isEmpty()) {
      return c.vms();
    }
    for (String n : names) {
      if (c.vm(n).isEmpty()) {
        throw new LauncherException(2, "no VM '" + n + "' in the cluster of job " + c.job() + " ("
            + String.join(", ", c.names()) + ")");
      }
    }
    List<VirtualCluster.Vm> chosen = new ArrayList<>();
    for (VirtualCluster.Vm vm : c.vms()) {
      if (names.contains(vm.name())) {
        chosen.add(vm);
      }
    }
    return chosen;
  }
}
