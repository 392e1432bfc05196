package org.virtualservices.core.rm;

import java.util.Map;

/**
 * Reads a PBS job's variable list (its {@code Variable_List} attribute, filled by {@code qsub -v} and
 * {@code qsub -V}). A Torque prologue cannot read it from its environment, which is empty (Torque
 * Administrator Guide, Appendix G "Script environment":
 * https://docs.adaptivecomputing.com/torque/4-0-2/Content/topics/12-appendices/scriptEnvironment.htm),
 * so it has to be asked of the server.
 */
public interface PbsVariableList {

  /** The job's variables by name; empty when the job has none. */
  Map<String, String> read(String jobId);

  /**
   * A value that tells this job from an earlier one with the same id, for its keys (docs/hooks.md,
   * "Keys without communication"): qstat's {@code ctime}, the job's creation time; empty when the
   * source has none.
   */
  default String instance(String jobId) {
    return "";
  }
}
