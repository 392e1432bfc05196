package org.virtualservices.core.request;

/** The resource managers whose hooks we run under, with their exit-code conventions. */
public enum ResourceManager {
  /**
   * Slurm: a non-zero Prolog exit drains the node and requeues the job held
   * (https://slurm.schedmd.com/prolog_epilog.html), so a non-zero exit is kept for node faults.
   */
  SLURM,
  /**
   * PBS/Torque: prologue exit 1 aborts the job, any value above 1 requeues it
   * (Torque Administrator Guide, "Prologue and epilogue scripts").
   */
  PBS
}
