package org.virtualservices.prolog;

import org.virtualservices.core.log.OutcomeRecord;
import org.virtualservices.core.request.ResourceManager;

/** How a hook ended, and the exit status that tells the resource manager so. */
public enum Outcome {
  /** done, or nothing to do */
  OK,
  /** the user's request cannot be honoured: the job must not run, the node is fine */
  USER_ERROR,
  /** something of the node failed: the job should run elsewhere */
  NODE_FAULT,
  /**
   * another node of the job failed (its VMs never answered the batch host): that node's own prolog
   * fails and requeues the job; this node is fine and must not be drained
   */
  PEER_FAULT;

  /** The same, as the outcome line spells it. */
  public OutcomeRecord.Kind kind() {
    return OutcomeRecord.Kind.valueOf(name());
  }

  /**
   * Slurm: any non-zero prolog status drains the node and requeues the job held
   * (https://slurm.schedmd.com/prolog_epilog.html), so a user's error exits 0 and is reported to
   * the user instead. PBS/Torque: 1 aborts the job, above 1 requeues it.
   */
  public int exitStatus(ResourceManager rm) {
    return switch (this) {
      case OK -> 0;
      case USER_ERROR -> rm == ResourceManager.PBS ? 1 : 0;
      case NODE_FAULT -> rm == ResourceManager.PBS ? 2 : 1;
      case PEER_FAULT -> rm == ResourceManager.PBS ? 2 : 0;
    };
  }
}
