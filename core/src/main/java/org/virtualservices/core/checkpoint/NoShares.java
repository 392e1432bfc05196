package org.virtualservices.core.checkpoint;

/**
 * What no checkpoint can save: a shared host folder, since QEMU cannot save a VM with a virtiofs
 * device ("non-migratable device: vhost-user-fs"; its open files live in a daemon on the host).
 * Refused alike for {@code checkpoint=on-timeout} (by the prolog, before anything is made) and for
 * {@code vcluster checkpoint} (by its helper, before anything is paused).
 */
public final class NoShares {

  private NoShares() {
  }

  /** @param asked what asked for the checkpoint, e.g. "on-timeout" */
  public static String message(String asked, int shares) {
    return asked + " cannot save VMs that share host folders (" + shares + " here, the working folder among them"
        + " unless mounts=none): virtiofs cannot be checkpointed; ask mounts=none with it, and copy files in and"
        + " out over ssh";
  }
}
