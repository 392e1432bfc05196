package org.virtualservices.core.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Host folders shared into a job's VMs with virtiofs, each served by a virtiofsd that runs as the
 * job's user (docs/hooks.md, "Host folders"): the job's working folder at the same path, the
 * site's folders, and those a user adds within {@code userRoots}.
 */
public record Mounts(
    @Doc(value = "share host folders into the VMs (virtiofs); the nodes need virtiofsd, systemd-socket-activate and"
        + " unprivileged user namespaces, the images a guest that mounts what its seed lists", defaultValue = "false")
    boolean enabled,
    @Doc(value = "mount the job's working folder in every VM at the same path (a user may still say mounts=none)",
        defaultValue = "true") boolean workDir,
    @Doc(value = "folders every job gets: source (host), target (in the VMs), readOnly", defaultValue = "[]")
    List<SiteMount> site,
    @Doc(value = "folders under which a user may add more (mounts=PATH); none listed: users may add none",
        defaultValue = "[]") List<Path> userRoots,
    @Doc(value = "virtiofsd (QEMU 7.2's C daemon in Debian 12; runs as the job's user)",
        defaultValue = "/usr/lib/qemu/virtiofsd") String virtiofsd,
    @Doc(value = "systemd-socket-activate: binds each virtiofsd's socket as root in the job's state folder",
        defaultValue = "/usr/bin/systemd-socket-activate") String socketActivate,
    @Doc(value = "util-linux unshare: gives virtiofsd, as the job's user, a user namespace of its own uid and gid",
        defaultValue = "/usr/bin/unshare") String unshare,
    @Doc(value = "util-linux setsid: each virtiofsd leads a session of its own, so the end of the prolog (Slurm kills"
        + " the prolog's process group) does not end it", defaultValue = "/usr/bin/setsid") String setsid,
    @Doc(value = "coreutils test: run as the job's user, it checks that each folder is one the user can open before"
        + " anything is made", defaultValue = "/usr/bin/test") String test,
    @Doc(value = "util-linux mount: makes, as the job's user in a namespace of its own, the read-only bind mount"
        + " through which virtiofsd serves a read-only folder", defaultValue = "/usr/bin/mount") String mount) {

  public Mounts {
    site = site == null ? List.of() : List.copyOf(site);
    userRoots = userRoots == null ? List.of() : List.copyOf(userRoots);
  }

  /** A folder the site shares into every job's VMs. */
  public record SiteMount(
      @Doc("the folder on the host") Path source,
      @Doc("where it appears in the VMs (absent: the same path)") Path target,
      @Doc(value = "read-only in the VMs", defaultValue = "false") boolean readOnly) {
  }
}
