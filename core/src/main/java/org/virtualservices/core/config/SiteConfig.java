package org.virtualservices.core.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * The site configuration: one YAML file, the same on every node. Every key has a default and a
 * one-line description ({@link Doc}); {@code vcluster-prolog --describe-config} prints them all.
 */
public record SiteConfig(
    @Doc(value = "libvirt URI of the node's hypervisor", defaultValue = "qemu:///system")
    String libvirtUri,
    @Doc(value = "where journals, overlay disks, seeds, console logs and evidence live (root only)",
        defaultValue = "/var/lib/vcluster")
    Path stateDir,
    @Doc(value = "root-owned tree on each node's own file system (a tmpfs) that marks the jobs with something on"
        + " the node and holds the batch host's report for the job; the epilog wrapper reads this key's line"
        + " itself: keep it one plain line", defaultValue = "/run/vcluster")
    Path runDir,
    @Doc(value = "file with the site secret (root only, the same on every node) from which job and host keys"
        + " are derived", defaultValue = "/etc/vcluster/secret")
    Path secretFile,
    @Doc(value = "folder of templates that override the shipped ones (domain.ftlx, user-data.ftl, ...)")
    Path templatesDir,
    @Doc(value = "the image catalog: name -> image; users may name only these", defaultValue = "{}")
    Map<String, Image> images,
    @Doc(value = "what a job may ask for") Limits limits,
    @Doc(value = "what a job gets when it does not say") Defaults defaults,
    @Doc(value = "the per-job private network") Network network,
    @Doc(value = "booting and readiness") Boot boot,
    @Doc(value = "the libvirt domain every VM is rendered into") Domain domain,
    @Doc(value = "paths of the external programs used; checked at start-up") Tools tools,
    @Doc(value = "PBS/Torque specifics") Pbs pbs,
    @Doc(value = "the user's side: vcluster submit, status and cancel") Submit submit,
    @Doc(value = "fault injection for the project's tests; off") Testing testing,
    @Doc(value = "host folders shared into the VMs (virtiofs, as the job's user)") Mounts mounts,
    @Doc(value = "users' own images, kept in a repository of each user's (user:NAME[@REV])")
    UserImagePolicy userImages,
    @Doc(value = "checkpoints of a job's VMs at requeue, restored when it runs again") Checkpoint checkpoint,
    @Doc(value = "saving the head VM's disk as a new revision of a user's image at the job's end") Save save) {

  public SiteConfig {
    images = images == null ? Map.of() : Map.copyOf(images);
  }
}
