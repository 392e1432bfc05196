package org.virtualservices.core.rm;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;

/**
 * The jobs Slurm or PBS still knows, from their own commands: {@code squeue --noheader
 * --format=%A} (every job of every user that is not finished: pending, running, completing; see
 * https://slurm.schedmd.com/squeue.html) and Torque's {@code qstat} (job id in the first column
 * of each line after the header).
 */
public final class SchedulerJobs {

  private SchedulerJobs() {
  }

  public static ActiveJobs slurm(CommandRunner runner, String squeue) {
    return () -> parseSqueue(ask(runner, Command.of(squeue, "--noheader", "--format=%A")));
  }

  public static ActiveJobs pbs(CommandRunner runner, String qstat) {
    return () -> parseQstat(ask(runner, Command.of(qstat)));
  }

  static Set<String> parseSqueue(String out) {
    Set<String> ids = new LinkedHashSet<>();
    for (String line : out.split("\n")) {
      String id = line.strip();
      if (!id.isEmpty()) {
        if (!id.matches("\\d+")) {
          throw new IllegalStateException("squeue printed '" + id + "' where a job id was expected");
        }
        ids.add(id);
      }
    }
    return ids;
  }

  static Set<String> parseQstat(String out) {
    Set<String> ids = new LinkedHashSet<>();
    for (String line : out.split("\n")) {
      String first = line.strip().split("\\s+")[0];
      if (first.matches("\\d+(\\[\\d*\\])?(\\..*)?")) {
        ids.add(first);
      }
    }
    return ids;
  }

  private static String ask(CommandRunner runner, Command c) {
    CommandResult r = runner.run(c.withTimeout(Duration.ofSeconds(30)));
    if (!r.ok()) {
      throw new IllegalStateException("cannot ask the resource manager which jobs it knows: "
          + new org.virtualservices.core.command.CommandFailedException(r).getMessage());
    }
    return r.stdout();
  }
}
