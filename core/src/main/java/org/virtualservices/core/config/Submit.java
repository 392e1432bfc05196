package org.virtualservices.core.config;

/**
 * What {@code vcluster submit}, {@code status} and {@code cancel} use on the submit host: which
 * resource manager, how the request travels, and its client commands. These run as the user, with
 * the user's PATH, so the commands may be bare names.
 */
public record Submit(
    @Doc(value = "resource manager of vcluster submit/status/cancel: auto (Slurm when sbatch is on the PATH, else PBS"
        + " when qsub is), slurm or pbs", defaultValue = "auto") Scheduler scheduler,
    @Doc(value = "how a Slurm job carries its request: auto (the --vc-* options when sbatch --help lists them, that"
        + " is, where the SPANK plugin is installed; else the job comment), options, or comment",
        defaultValue = "auto") SlurmRequest slurmRequest,
    @Doc(value = "seconds between two status queries while vcluster submit --wait waits", defaultValue = "2")
    int pollSeconds,
    @Doc(value = "seconds any one scheduler command may take before it is killed", defaultValue = "60")
    int commandTimeoutSeconds,
    @Doc(value = "Slurm's sbatch", defaultValue = "sbatch") String sbatch,
    @Doc(value = "Slurm's squeue", defaultValue = "squeue") String squeue,
    @Doc(value = "Slurm's sacct, asked for jobs squeue has forgotten (needs accounting)", defaultValue = "sacct")
    String sacct,
    @Doc(value = "Slurm's scancel", defaultValue = "scancel") String scancel,
    @Doc(value = "PBS's qsub", defaultValue = "qsub") String qsub,
    @Doc(value = "PBS's qstat", defaultValue = "qstat") String qstat,
    @Doc(value = "PBS's qdel", defaultValue = "qdel") String qdel) {

  /** Which resource manager. */
  public enum Scheduler {
    auto,
    slurm,
    pbs
  }

  /** How a Slurm job carries its request. */
  public enum SlurmRequest {
    auto,
    options,
    comment
  }
}
