package org.virtualservices.core.checkpoint;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandFailedException;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;

/**
 * How many times Slurm has requeued a job: {@code Restarts=} of {@code scontrol show job --oneliner}
 * (src/api/job_info.c), raised when the job is requeued ({@code scontrol requeue}, preemption with
 * REQUEUE), before the epilog of the run that ends runs. The prolog records what it saw; an epilog
 * that sees more knows the job will run again. The word must occur once: a job's name or comment
 * holding {@code Restarts=9} makes it twice, and the record is refused rather than guessed at.
 */
public final class Requeues {

  private static final Pattern WORD = Pattern.compile("(?:^|\\s)Restarts=([0-9]{1,6})(?=\\s|$)");
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
    if (!out.strip().startsWith("JobId=" + jobId + " ")) {
      throw new IllegalStateException("scontrol gave no record of job " + jobId);
    }
    Matcher m = WORD.matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("job " + jobId + ": scontrol's record has no Restarts");
    }
    int n = Integer.parseInt(m.group(1));
    if (out.indexOf("Restarts=") != out.lastIndexOf("Restarts=")) {
      throw new IllegalStateException("job " + jobId + ": 'Restarts=' is in the record more than once (in the job's"
          + " name or comment?), so it cannot be read safely");
    }
    return n;
  }
}
