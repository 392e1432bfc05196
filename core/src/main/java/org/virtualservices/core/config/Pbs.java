package org.virtualservices.core.config;

import java.nio.file.Path;

/** Where the PBS/Torque hooks find what PBS does not pass them (their environment is empty). */
public record Pbs(
    @Doc(value = "PBS_HOME of the MOM; the job's node file is aux/<jobid> below it", defaultValue = "/var/spool/torque")
    Path home,
    @Doc(value = "qstat, to read the job's variable list (qsub -v VC_IMAGE=...)", defaultValue = "/usr/bin/qstat")
    String qstat,
    @Doc(value = "getent, to resolve the job owner's uid and group's gid", defaultValue = "/usr/bin/getent")
    String getent) {
}
