package org.virtualservices.core.report;

/**
 * The report folder in the job's working directory cannot be used safely (a link, a file, or a
 * folder of another user where ours should be). Something the user controls, not a node fault:
 * a Slurm node must not be drained for it.
 */
public class ReportRefusedException extends RuntimeException {
  public ReportRefusedException(String message) {
    super(message);
  }
}
