package org.virtualservices.core.config;

/** External programs, by absolute path: hooks run with no PATH. */
public record Tools(
    @Doc(value = "qemu-img, makes the overlay disks", defaultValue = "/usr/bin/qemu-img") String qemuImg,
    @Doc(value = "genisoimage or xorriso's mkisofs, makes the seeds", defaultValue = "/usr/bin/genisoimage")
    String mkisofs,
    @Doc(value = "iproute2's ip", defaultValue = "/usr/bin/ip") String ip,
    @Doc(value = "iproute2's bridge", defaultValue = "/usr/sbin/bridge") String bridge,
    @Doc(value = "nftables' nft", defaultValue = "/usr/sbin/nft") String nft,
    @Doc(value = "Slurm's squeue, asked by the admin's sweep (never by a hook)", defaultValue = "/usr/bin/squeue")
    String squeue,
    @Doc(value = "util-linux setpriv: what the hooks write or remove in a user's folder runs as that user",
        defaultValue = "/usr/bin/setpriv") String setpriv,
    @Doc(value = "GNU tar, which writes the report's copy into the job's working folder as the job's user",
        defaultValue = "/usr/bin/tar") String tar,
    @Doc(value = "rm, which removes that copy as the job's user", defaultValue = "/usr/bin/rm") String rm,
    @Doc(value = "Slurm's scontrol: the prolog reads the job's record once per node (its memory and submit time,"
        + " which Slurm 22.05 does not give the Prolog)", defaultValue = "/usr/bin/scontrol") String scontrol) {
}
