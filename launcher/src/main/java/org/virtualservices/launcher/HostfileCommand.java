package org.virtualservices.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * {@code vcluster hostfile [--job ID]}: prints the job's MPI hostfile ({@code vcNN-i slots=N}, one
 * line per VM, the head first), for scripts that start mpirun themselves.
 */
final class HostfileCommand {

  static final String NAME = "vcluster hostfile";
  static final String USAGE = "usage: " + NAME + " [--job ID]";

  private final PrintStream out;
  private final PrintStream err;
  private final Tools tools;

  HostfileCommand(PrintStream out, PrintStream err, Tools tools) {
    this.out = out;
    this.err = err;
    this.tools = tools;
  }

  int run(List<String> args) {
    try {
      Options o = new Options().addOption(ClusterArgs.job()).addOption(ClusterArgs.help());
      CommandLine cmd = ClusterArgs.parse(o, args, false, USAGE);
      if (cmd.hasOption("help")) {
        out.println(USAGE);
        return 0;
      }
      if (!cmd.getArgList().isEmpty()) {
        throw new LauncherException(2, "unexpected argument '" + cmd.getArgList().get(0) + "' (" + USAGE + ")");
      }
      VirtualCluster c = new ClusterLocator(tools).locate(ClusterArgs.job(cmd));
      try {
        out.print(Files.readString(c.files().hostfile()));
        out.flush();
      } catch (IOException e) {
        throw new LauncherException(1, "cannot read " + c.files().hostfile() + ": " + e.getMessage());
      }
      return 0;
    } catch (LauncherException e) {
      err.println(NAME + ": " + e.getMessage());
      return e.exitCode();
    }
  }
}
