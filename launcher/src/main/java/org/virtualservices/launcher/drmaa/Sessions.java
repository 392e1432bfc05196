package org.virtualservices.launcher.drmaa;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.config.Submit;
import org.virtualservices.core.ready.Sleeper;

/**
 * Opens the session of the site's resource manager: the one {@code submit.scheduler} names, or on
 * {@code auto} Slurm when sbatch is on the PATH, else PBS when qsub is.
 */
public final class Sessions {

  private Sessions() {
  }

  /** The scheduler to talk to; IllegalStateException when auto finds neither. */
  public static Submit.Scheduler pick(Submit conf, Map<String, String> env) {
    if (conf.scheduler() != Submit.Scheduler.auto) {
      return conf.scheduler();
    }
    if (installed(conf.sbatch(), env)) {
      return Submit.Scheduler.slurm;
    }
    if (installed(conf.qsub(), env)) {
      return Submit.Scheduler.pbs;
    }
    throw new IllegalStateException("neither " + conf.sbatch() + " (Slurm) nor " + conf.qsub()
        + " (PBS) is on the PATH; set submit.scheduler and the commands' paths in the site configuration");
  }

  /** A session, not yet initialised. */
  public static GridSession create(Submit conf, Map<String, String> env, CommandRunner runner, Clock clock,
      Sleeper sleeper) {
    Duration poll = Duration.ofSeconds(conf.pollSeconds());
    Duration timeout = Duration.ofSeconds(conf.commandTimeoutSeconds());
    String user = user(env);
    return switch (pick(conf, env)) {
      case slurm -> new SlurmSession(runner, clock, sleeper, poll, timeout, conf.sbatch(), conf.squeue(),
          conf.sacct(), conf.scancel(), user);
      case pbs -> new PbsSession(runner, clock, sleeper, poll, timeout, conf.qsub(), conf.qstat(), conf.qdel(), user);
      case auto -> throw new IllegalStateException("pick never answers auto");
    };
  }

  /** The user the commands run as: USER, else LOGNAME, else the JVM's. */
  public static String user(Map<String, String> env) {
    for (String name : new String[] {"USER", "LOGNAME"}) {
      String v = env.get(name);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return System.getProperty("user.name", "");
  }

  /** Whether a command (a path, or a bare name looked up in PATH) is an executable file here. */
  static boolean installed(String command, Map<String, String> env) {
    if (command.contains("/")) {
      return Files.isExecutable(Path.of(command));
    }
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command)) && !Files.isDirectory(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }
}
