package org.virtualservices.core.checkpoint;

import java.time.Duration;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandFailedException;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.rm.SlurmJobRecord;

/**
 * How many times Slurm has requeued a job: {@code Restarts=} of {@code scontrol show job --oneliner}
 * (src/api/job_info.c), raised when the job is requeued ({@code scontrol requeue}, preemption with
 * REQUEUE), before the epilog of the run that ends runs. The prolog records what it saw (from the job
 * record it has already read, {@link SlurmJobRecord#restarts}); an epilog that sees more knows the job
 * will run again. Read as {@link SlurmJobRecord#restarts} reads it.
 */
public final class Requeues {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private Requeues() {
  }

  /** The job's restart count as the controller has it. */
  public static int of(CommandRunner runner, String scontrol, String jobId) {
    CommandResult r = runner.run(Command.of(scontrol, "show", "job", "--oneliner", jobId).withTimeout(TIMEOUT));
    if (!r.ok()) {
      throw new IllegalStateException("ask the Slurm controller for job " + jobId + "'s restarts: "
          + new CommandFailedException(r).getMessage());
    }
    return parse(jobId, r.stdout());
  }

  static int parse(String jobId, String out) {
    return SlurmJobRecord.restarts(jobId, out);
  }
}
