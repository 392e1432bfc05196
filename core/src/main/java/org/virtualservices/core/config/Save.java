package org.virtualservices.core.config;

/**
 * Keeping the head VM's disk at the job's end as a new revision of one of the user's images
 * ({@code save=NAME}, {@code vcluster save NAME}; docs/hooks.md, "Saving a VM's disk"). Needs the
 * user images to be on; the work on the user's repository runs as the job's user.
 */
public record Save(
    @Doc(value = "seconds the epilog waits for the head VM's guest to power off after the power button (ACPI)",
        defaultValue = "30") int shutdownTimeoutSeconds,
    @Doc(value = "save the disk even when its guest did not power off in time (it is stopped hard first, and its"
        + " file systems may be inconsistent); false: such a save is refused and said so", defaultValue = "false")
    boolean uncleanDisk,
    @Doc(value = "seconds qemu-img may take to write the new revision; a save that takes longer is stopped and"
        + " removed", defaultValue = "1800") int convertTimeoutSeconds,
    @Doc(value = "GNU dd, run as the job's user: reads the in-job request (no link, bounded) and claims the new"
        + " revision's name (O_EXCL)", defaultValue = "/usr/bin/dd") String dd,
    @Doc(value = "mkdir, run as the job's user: makes the image's folder when it is the first revision",
        defaultValue = "/usr/bin/mkdir") String mkdir,
    @Doc(value = "ln, run as the job's user: publishes the revision by a hard link, which never replaces a file",
        defaultValue = "/usr/bin/ln") String ln) {
}
