package org.virtualservices.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.remote.JschRemoteShell;
import org.virtualservices.core.remote.RemoteHost;
import org.virtualservices.core.remote.RemoteResult;
import org.virtualservices.core.remote.RemoteShell;

/**
 * What the cluster subcommands (hostfile, exec, ssh, mpirun) use of the outside world, in one place
 * so that tests give fakes: the environment, external programs, the caller's name, SSH to the VMs,
 * and an interactive program on the user's terminal.
 */
record Tools(Map<String, String> env, CommandRunner runner, String caller, Scheduler scheduler, String scontrol,
    String qstat, ShellFactory shells, Terminal terminal) {

  /** Which resource manager answers {@code --job ID}. */
  enum Scheduler { SLURM, PBS }

  /** Opens SSH to a cluster's VMs with its key and known_hosts. */
  @FunctionalInterface
  interface ShellFactory {
    RemoteShell open(VirtualCluster cluster);
  }

  /** Runs a program on the user's own terminal (standard streams inherited); returns its exit code. */
  @FunctionalInterface
  interface Terminal {
    int run(List<String> argv);
  }

  /** How long connecting to one VM may take before it counts as unreachable. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

  static Tools real(Map<String, String> env) {
    String path = env.getOrDefault("PATH", "/usr/bin:/bin");
    Scheduler scheduler = onPath(path, "scontrol") || !onPath(path, "qstat") ? Scheduler.SLURM : Scheduler.PBS;
    return new Tools(env, new ProcessCommandRunner(), System.getProperty("user.name"), scheduler, "scontrol", "qstat",
        Tools::jsch, Tools::inherit);
  }

  /**
   * The job's SSH, closed also when the JVM is stopped (Ctrl-C, scancel's TERM): closing sends the
   * commands still running TERM, so an interrupted exec or mpirun does not live on in the VMs.
   */
  private static RemoteShell jsch(VirtualCluster c) {
    JschRemoteShell shell;
    try {
      shell = new JschRemoteShell(c.files().identity(), c.files().knownHosts(), CONNECT_TIMEOUT);
    } catch (IllegalArgumentException e) {
      throw new LauncherException(1, "job " + c.job() + ": " + e.getMessage());
    }
    Thread onExit = new Thread(shell::close, "vcluster-ssh-close");
    Runtime.getRuntime().addShutdownHook(onExit);
    return new RemoteShell() {
      @Override
      public RemoteResult run(RemoteHost host, List<String> argv, Duration timeout, Consumer<String> out,
          Consumer<String> err) {
        return shell.run(host, argv, timeout, out, err);
      }

      @Override
      public void upload(RemoteHost host, Path local, String remotePath, Duration timeout) {
        shell.upload(host, local, remotePath, timeout);
      }

      @Override
      public void close() {
        try {
          Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
          // the JVM is already stopping: the hook closes it
        }
        shell.close();
      }
    };
  }

  private static int inherit(List<String> argv) {
    try {
      return new ProcessBuilder(argv).inheritIO().start().waitFor();
    } catch (IOException e) {
      throw new LauncherException(1, "cannot start " + argv.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }

  private static boolean onPath(String path, String program) {
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
