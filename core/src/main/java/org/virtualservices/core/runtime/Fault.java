package org.virtualservices.core.runtime;

import org.virtualservices.core.report.ReportRefusedException;
import org.virtualservices.core.request.RequestException;

/**
 * Whose doing a failure is, which decides what a hook tells the resource manager
 * (docs/hooks.md, "Exit codes"): a Slurm prolog that exits non-zero drains its node, so only the
 * node's own faults may. A failure is the user's when it is, or was caused by, a request that
 * cannot be honoured ({@link RequestException}: syntax, policy, the job's names and folders) or a
 * report folder the user made unusable ({@link ReportRefusedException}); anything else, expected
 * or not, is the node's.
 */
public enum Fault {
  /** the user's doing: the job must not run as asked, the node is fine */
  USER,
  /** the node's (libvirt, disks, the configuration, a bug): the job should run elsewhere */
  NODE;

  public static Fault of(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof RequestException || c instanceof ReportRefusedException) {
        return USER;
      }
    }
    return NODE;
  }
}
