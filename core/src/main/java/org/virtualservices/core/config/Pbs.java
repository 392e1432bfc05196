package org.virtualservices.core.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the PBS/Torque hooks find what PBS does not pass them (their environment is empty), and how
 * the mother superior reaches its sister nodes: PBS runs the prologue and epilogue on the mother
 * superior only, which runs the per-node part on every sister over SSH (docs/hooks.md, "PBS").
 */
public record Pbs(
    @Doc(value = "PBS_HOME of the MOM; the job's node file is aux/<jobid> below it", defaultValue = "/var/spool/torque")
    Path home,
    @Doc(value = "qstat, to read the job's variable list (qsub -v VC_IMAGE=...)", defaultValue = "/usr/bin/qstat")
    String qstat,
    @Doc(value = "getent, to resolve the job owner's uid and group's gid (PBS), and domain.qemuUser's ids",
        defaultValue = "/usr/bin/getent")
    String getent,
    @Doc(value = "private key (OpenSSH format, root only) the mother superior logs in to the sister nodes with",
        defaultValue = "/etc/vcluster/ssh/id_ed25519")
    Path sshIdentity,
    @Doc(value = "the sister nodes' host keys, the only ones accepted (an unknown or changed key is refused)",
        defaultValue = "/etc/vcluster/ssh/known_hosts")
    Path sshKnownHosts,
    @Doc(value = "the login on the sister nodes (the hooks run as root there too)", defaultValue = "root")
    String sshUser,
    @Doc(value = "sshd's port on the sister nodes", defaultValue = "22") int sshPort,
    @Doc(value = "node name -> address to connect to, for nodes whose name is not what SSH should dial;"
        + " others are dialled by name (known_hosts lists what is dialled)", defaultValue = "{}")
    Map<String, String> sshAddresses,
    @Doc(value = "seconds to wait for an SSH connection to a sister", defaultValue = "10")
    int sshConnectTimeoutSeconds,
    @Doc(value = "seconds a sister's prologue or epilogue may take before it is given up (more than"
        + " boot.timeoutSeconds: the sister waits that long for its VMs)", defaultValue = "300")
    int sisterTimeoutSeconds,
    @Doc(value = "at most this many sisters are reached at once", defaultValue = "32") int maxParallel,
    @Doc(value = "the prolog program on the sister nodes, run as 'PROGRAM --pbs-sister ...'",
        defaultValue = "/opt/vcluster/bin/vcluster-prolog")
    String sisterProlog,
    @Doc(value = "the epilog program on the sister nodes, run as 'PROGRAM --pbs-sister ...'",
        defaultValue = "/opt/vcluster/bin/vcluster-epilog")
    String sisterEpilog) {

  public Pbs {
    sshAddresses = sshAddresses == null ? Map.of() : Map.copyOf(sshAddresses);
  }

  /** What SSH dials for {@code node}. */
  public String addressOf(String node) {
    return sshAddresses.getOrDefault(node, node);
  }
}
