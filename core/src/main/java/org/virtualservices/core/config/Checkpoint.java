package org.virtualservices.core.config;

import java.nio.file.Path;

/**
 * Where and how a job's virtual cluster is checkpointed (docs/hooks.md, "Checkpoints"): each VM's
 * memory state and disk overlay, saved by the epilog of a job that asked for it
 * ({@code checkpoint=on-timeout}) when Slurm requeues it, restored by its prolog when it runs again,
 * or taken while it runs by its user's {@code vcluster checkpoint} (kept after the job for {@code keepDays}).
 */
public record Checkpoint(
    @Doc(value = "root's folder of checkpoints, one folder per job (0700, root's); a shared file system that root"
        + " may write (no root squash) lets a requeued job resume on other nodes", defaultValue
        = "/var/lib/vcluster/checkpoints") Path dir,
    @Doc(value = "complete checkpoints kept per job and node (the newest is current; 2 or more keep one that all"
        + " the job's nodes have when a checkpoint fails on one of them); at least 1",
        defaultValue = "2") int keep,
    @Doc(value = "MiB left free on the checkpoints' file system beyond the checkpoint's own size; less, and no"
        + " checkpoint is begun", defaultValue = "1024") long spareMiB,
    @Doc(value = "the most checkpoints a user may keep per job and node with `vcluster checkpoint --keep N`",
        defaultValue = "3") int maxKeep,
    @Doc(value = "days the checkpoints of a job that took one with `vcluster checkpoint` are kept after it ended;"
        + " the sweep removes them later", defaultValue = "7") int keepDays) {
}
