package org.virtualservices.prolog;

import java.util.Optional;
import org.virtualservices.core.fabric.NetworkClashException;
import org.virtualservices.core.report.ReportRefusedException;
import org.virtualservices.core.report.UserCopy;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.runtime.Fault;

/**
 * How the prolog answers a failure of its work once something may have been made (docs/hooks.md,
 * "When the prolog fails", "Exit codes"): the one place a failure is classified. Every failure is
 * rolled back the same way; they differ in what the log and the user read, what the resource
 * manager is told, whether the node keeps evidence, and where the user's copy of the ERROR goes.
 *
 * @param code the outcome line's error code (docs/hooks.md, "The outcome line")
 * @param message the error line, for the log and the user's ERROR
 * @param outcome what the resource manager is told
 * @param keepEvidence the node's own fault: its XML and consoles are kept for the admin
 * @param copy where the user's copy of the ERROR goes, if anywhere
 */
record Failure(String code, String message, Outcome outcome, boolean keepEvidence, Optional<UserCopy.Target> copy) {

  /**
   * @param step the step that was running, named in a node's fault
   * @param copy the report's copy target looked at before anything was made
   */
  static Failure of(Throwable e, JobContext job, String step, Optional<UserCopy.Target> copy) {
    String no = "no virtual cluster: ";
    if (e instanceof Prolog.OtherNodesFailedException o) {
      return new Failure("sisters", no + Prolog.message(e), o.outcome(), false, copy);
    }
    if (e instanceof BootWait.PeersNotReadyException) {
      return new Failure("peers-not-ready", no + Prolog.message(e), Outcome.PEER_FAULT, false, copy);
    }
    if (e instanceof NetworkClashException) {
      // another job's network under this one's VNI, names or subnet: found before anything was
      // made, and the rollback removes only what carries this job's mark. The node is fine.
      return new Failure("clash", no + "refused on node " + job.thisNode() + ": " + Prolog.message(e), Outcome.PEER_FAULT,
          false, Prolog.copyTargetOrNone(job));
    }
    if (e instanceof ReportRefusedException) {
      return new Failure("report-refused", no + Prolog.message(e), Outcome.USER_ERROR, false, Optional.empty()); // the copy failed
    }
    // the user's (a report folder they made unusable, say) rolls back and tells them; anything
    // else is the node's and drains it
    if (Fault.of(e) == Fault.USER) {
      return new Failure("request", no + Prolog.message(e), Outcome.USER_ERROR, false, copy);
    }
    return new Failure("step", "prolog failed on node " + job.thisNode() + " at step '" + step + "': " + Prolog.message(e),
        Outcome.NODE_FAULT, true, copy);
  }
}
