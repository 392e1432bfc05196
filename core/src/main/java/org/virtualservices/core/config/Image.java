package org.virtualservices.core.config;

import java.nio.file.Path;

/** An image of the catalog. Users name it; only the site says where its files are. */
public record Image(
    @Doc("base disk image the VMs' copy-on-write overlays sit on") Path disk,
    @Doc(value = "format of the base disk image", defaultValue = "qcow2") String format,
    @Doc("kernel for direct kernel boot (absent: boot from the disk)") Path kernel,
    @Doc("initrd for direct kernel boot") Path initrd,
    @Doc(value = "kernel command line for direct kernel boot", defaultValue = "console=ttyS0") String cmdline,
    @Doc(value = "how the guest gets its configuration: nocloud (seed ISO labelled cidata) or cmdline (also on"
        + " the kernel command line)", defaultValue = "nocloud") GuestConfig guestConfig,
    @Doc("user to log in as inside the guest (absent: the job's own user name)") String loginUser,
    @Doc(value = "one line shown by 'vcluster images'", defaultValue = "") String description) {

  /** How the guest reads its configuration. */
  public enum GuestConfig {
    nocloud,
    cmdline
  }
}
