package org.virtualservices.core.rm;

import java.time.Duration;
import java.util.Optional;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandFailedException;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;

/**
 * Completes a Slurm job's context with what only the controller knows: the job's submit time (its
 * instance, for the keys) and its memory on each node (for the memory rule). Slurm 22.05 gives the
 * Prolog neither (src/plugins/prep/script/prep_script_slurmd.c {@code _build_env}); the SPANK
 * plugin cannot learn the memory before the Prolog runs (in the Prolog's {@code job_script} context
 * {@code spank_get_item} gives only S_JOB_UID, S_JOB_GID and S_JOB_ID: src/common/plugstack.c),
 * and the job's cgroup, where PrologFlags=Contain makes one, is made after the Prolog
 * (src/slurmd/slurmd/req.c {@code _rpc_prolog}: {@code _spawn_prolog_stepd} follows
 * {@code _run_prolog}). So each node asks once: one {@code REQUEST_JOB_INFO_SINGLE} to slurmctld
 * per node of a job with a request (a job without one never gets here); docs/hooks.md, "Limits".
 */
public final class SlurmJobRecords {

  /** coreutils' env, to run scontrol with times as epoch seconds whatever the node's time zone. */
  static final String ENV = "/usr/bin/env";
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private SlurmJobRecords() {
  }

  /**
   * The job with its instance and memory from the controller's record; PBS jobs are returned as
   * they are (their memory follows the site's per-CPU rule, their instance is empty).
   *
   * @throws RequestException when the record cannot be read safely because of the user's own text
   * @throws IllegalStateException when the controller does not answer or gives another job's record
   */
  public static JobContext complete(JobContext job, CommandRunner runner, String scontrol) {
    return read(job, runner, scontrol).map(rec -> complete(job, rec)).orElse(job);
  }

  /** The job with its instance and memory from {@code rec}, the controller's record of it. */
  public static JobContext complete(JobContext job, SlurmJobRecord rec) {
    return job.withAllocation(rec.submitTime(), rec.memoryPerNode(job.nodes().size(), job.cpusPerNode()));
  }

  /**
   * The controller's record of a Slurm job, with its CPUs on each node ({@code --details}: the same
   * one RPC); empty for a PBS job.
   *
   * @throws RequestException when the record cannot be read safely because of the user's own text
   * @throws IllegalStateException when the controller does not answer or gives another job's record
   */
  public static Optional<SlurmJobRecord> read(JobContext job, CommandRunner runner, String scontrol) {
    if (job.rm() != ResourceManager.SLURM) {
      return Optional.empty();
    }
    Command ask = Command.of(ENV, "SLURM_TIME_FORMAT=%s", scontrol, "show", "job", "--oneliner", "--details",
        job.jobId()).withTimeout(TIMEOUT);
    CommandResult r = runner.run(ask);
    if (!r.ok()) {
      throw new IllegalStateException("ask the Slurm controller for job " + job.jobId() + "'s record: "
          + new CommandFailedException(r).getMessage());
    }
    SlurmJobRecord rec = SlurmJobRecord.parse(job.jobId(), r.stdout());
    if (rec.uid() != job.uid()) {
      throw new IllegalStateException("the controller says job " + job.jobId() + " is uid " + rec.uid()
          + "'s, the Prolog's environment says uid " + job.uid());
    }
    return Optional.of(rec);
  }
}
