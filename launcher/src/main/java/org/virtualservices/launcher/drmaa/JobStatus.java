package org.virtualservices.launcher.drmaa;

import java.util.Objects;
import org.ggf.drmaa.Session;

/**
 * One job as the scheduler's status command showed it: its native state and the DRMAA state the
 * session's table maps it to, plus what the job's end left (exit code or signal) when known.
 *
 * @param id the scheduler's job id
 * @param nativeState the scheduler's own word (PENDING, R, ...)
 * @param drmaaState one of the {@link Session} state constants
 * @param reason why it is in that state, when the scheduler says (Slurm's Reason), else ""
 * @param exitCode the script's exit code once it ended by itself, else null
 * @param signal the signal that ended it, else null
 * @param user the job's owner, else ""
 * @param workDir the job's working folder (where vcluster-JOB/ goes), else ""
 */
public record JobStatus(String id, String nativeState, int drmaaState, String reason, Integer exitCode,
    Integer signal, String user, String workDir) {

  public JobStatus {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(nativeState, "nativeState");
    reason = reason == null ? "" : reason;
    user = user == null ? "" : user;
    workDir = workDir == null ? "" : workDir;
  }

  /** Whether the job has ended for good: DRMAA's DONE or FAILED. */
  public boolean finished() {
    return drmaaState == Session.DONE || drmaaState == Session.FAILED;
  }

  /** The state as the user sees it: the scheduler's word, and DRMAA's when it says more. */
  public String describe() {
    String drmaa = DrmaaStates.name(drmaaState);
    String s = nativeState.equals(drmaa) ? nativeState : nativeState + " (" + drmaa + ")";
    return reason.isEmpty() || reason.equals("None") ? s : s + ", reason " + reason;
  }
}
