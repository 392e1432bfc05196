package org.virtualservices.launcher;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.virtualservices.core.remote.RemoteShell;

/**
 * {@code vcluster ssh [--job ID] [VM] [-- CMD [ARG...]]}: enters a VM of the job (the head unless
 * named). Without a command it is an interactive login through the system's OpenSSH client with
 * the job's generated config ({@code ssh -F ssh_config VM}) on the user's own terminal: a login
 * needs the local terminal in raw mode, window-size changes passed on, and ssh's escape keys, none
 * of which a JVM can do without native code, while the config already pins the key and
 * known_hosts. With a command it runs it over jsch like {@code exec} on one VM, output unprefixed,
 * and returns its exit status (255 when the VM could not run it).
 */
final class SshCommand {

  static final String NAME = "vcluster ssh";
  static final String USAGE = "usage: " + NAME + " [--job ID] [VM] [-- CMD [ARG...]]";

  private final PrintStream out;
  private final PrintStream err;
  private final Tools tools;

  SshCommand(PrintStream out, PrintStream err, Tools tools) {
    this.out = out;
    this.err = err;
    this.tools = tools;
  }

  int run(List<String> args) {
    try {
      Options o = new Options().addOption(ClusterArgs.job()).addOption(ClusterArgs.timeout()).addOption(ClusterArgs.help());
      ClusterArgs.Split split = ClusterArgs.split(args);
      CommandLine cmd = ClusterArgs.parse(o, split.own(), false, USAGE);
      if (cmd.hasOption("help")) {
        out.println(USAGE);
        return 0;
      }
      if (cmd.getArgList().size() > 1) {
        throw new LauncherException(2, "one VM at most, then -- and the command (" + USAGE + ")");
      }
      if (split.dashes() && split.command().isEmpty()) {
        throw new LauncherException(2, "no command after -- (" + USAGE + ")");
      }
      Duration timeout = ClusterArgs.timeout(cmd, USAGE);
      VirtualCluster c = new ClusterLocator(tools).locate(ClusterArgs.job(cmd));
      // a login needs a terminal on the batch host too
      Optional<Integer> there = InJob.elsewhere(tools, c, "ssh", args, !split.dashes());
      if (there.isPresent()) {
        return there.get();
      }
      VirtualCluster.Vm vm = cmd.getArgList().isEmpty() ? c.head()
          : ExecCommand.targets(c, List.of(cmd.getArgList().get(0))).get(0);
      if (!split.dashes()) {
        return tools.terminal().run(List.of("ssh", "-F", c.files().sshConfig().toString(), vm.name()));
      }
      try (RemoteShell shell = tools.shells().open(c)) {
        return FanOut.one(shell, vm.host(c.login()), split.command(), timeout, NAME, out, err);
      }
    } catch (LauncherException e) {
      err.println(NAME + ": " + e.getMessage());
      return e.exitCode();
    }
  }
}
