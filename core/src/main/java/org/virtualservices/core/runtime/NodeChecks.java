package org.virtualservices.core.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.virtualservices.core.config.Network;
import org.virtualservices.core.config.Pbs;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.hypervisor.QemuAccount;
import org.virtualservices.core.keys.KeyDeriver;
import org.virtualservices.core.rm.Accounts;

/**
 * The site configuration checked against this node's files: the tools, images, site secret and
 * PBS keys it names. Apart from {@link org.virtualservices.core.config.SiteConfigCheck}, which
 * checks the configuration itself, so that the configuration package does no I/O of its own.
 */
public final class NodeChecks {

  private NodeChecks() {
  }

  /** The configured tools that this configuration needs and that are not executable here. */
  public static List<String> missingTools(SiteConfig c) {
    List<String> missing = new ArrayList<>();
    Map<String, String> needed = new LinkedHashMap<>();
    needed.put("qemuImg", c.tools().qemuImg());
    needed.put("mkisofs", c.tools().mkisofs());
    needed.put("setpriv", c.tools().setpriv());
    needed.put("tar", c.tools().tar());
    needed.put("rm", c.tools().rm());
    if (c.network().mode() == Network.Mode.vxlan) {
      needed.put("ip", c.tools().ip());
      needed.put("bridge", c.tools().bridge());
      needed.put("nft", c.tools().nft());
    }
    Map<String, String> share = new LinkedHashMap<>();
    if (c.mounts().enabled()) {
      share.put("virtiofsd", c.mounts().virtiofsd());
      share.put("socketActivate", c.mounts().socketActivate());
      share.put("unshare", c.mounts().unshare());
      share.put("setsid", c.mounts().setsid());
      share.put("test", c.mounts().test());
      share.put("mount", c.mounts().mount());
    }
    share.forEach((k, v) -> {
      if (v == null || !Files.isExecutable(Path.of(v))) {
        missing.add("mounts." + k + ": " + v + " is not an executable file");
      }
    });
    needed.forEach((k, v) -> {
      if (v == null || !Files.isExecutable(Path.of(v))) {
        missing.add("tools." + k + ": " + v + " is not an executable file");
      }
    });
    return missing;
  }

  /** The least the site secret holds: what the key derivation requires. */
  public static final int MIN_SECRET_BYTES = KeyDeriver.MIN_SECRET_BYTES;

  /**
   * The files the configuration names, as a hook on this node would find them: every catalog
   * image's base disk (and kernel and initrd when set) a readable regular file; the site secret
   * root's, not a link, a regular file of {@value #MIN_SECRET_BYTES} bytes or more with no
   * permission for group or others (whoever reads it can log in to every VM of every job).
   * Checked by {@code --check-config}, so that what the prolog would refuse at a job's start (and
   * drain the node for) is found before.
   */
  public static List<String> files(SiteConfig c) {
    List<String> e = new ArrayList<>();
    c.images().forEach((name, img) -> {
      if (img == null) {
        return;
      }
      String key = "images." + name;
      readableFile(e, key + ".disk", img.disk(), "base image");
      readableFile(e, key + ".kernel", img.kernel(), "kernel");
      readableFile(e, key + ".initrd", img.initrd(), "initrd");
    });
    secret(e, c.secretFile());
    return e;
  }

  /**
   * The account QEMU runs as (docs/hooks.md, "QEMU as the job's user"). A fixed {@code domain.qemuUser}
   * must be known here and be neither root nor in root's group. Without it QEMU runs as each job's user,
   * so every image file must be readable by anyone (o+r) through folders anyone may pass (o+x): the
   * user's QEMU opens them, and libvirt, which changes no owner of the product's domains, will not make
   * them so.
   */
  public static List<String> qemuUser(SiteConfig c, Accounts accounts) {
    List<String> e = new ArrayList<>();
    String user = c.domain().qemuUser();
    if (user != null) {
      try {
        QemuAccount.of(user, null, accounts);
      } catch (IllegalStateException x) {
        e.add(x.getMessage());
      }
      return e;
    }
    c.images().forEach((name, img) -> {
      if (img != null) {
        openToAll(e, "images." + name + ".disk", img.disk());
        openToAll(e, "images." + name + ".kernel", img.kernel());
        openToAll(e, "images." + name + ".initrd", img.initrd());
      }
    });
    return e;
  }

  private static void openToAll(List<String> e, String key, Path p) {
    if (p == null || !p.isAbsolute() || !Files.isRegularFile(p)) {
      return; // an error of its own (files)
    }
    try {
      Path real = p.toRealPath();
      if (!Files.getPosixFilePermissions(real).contains(PosixFilePermission.OTHERS_READ)) {
        e.add(key + ": " + p + " is not readable by others (" + PosixFilePermissions.toString(
            Files.getPosixFilePermissions(real)) + "): QEMU runs as each job's user and opens it; chmod o+r it,"
            + " or set domain.qemuUser");
        return;
      }
      for (Path d = real.getParent(); d != null; d = d.getParent()) {
        if (!Files.getPosixFilePermissions(d).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          e.add(key + ": " + d + " (above " + p + ") is not searchable by others: QEMU runs as each job's user"
              + " and must pass it; chmod o+x it, or set domain.qemuUser");
          return;
        }
      }
    } catch (IOException | UnsupportedOperationException x) {
      e.add(key + ": " + p + " cannot be checked: " + x.getMessage());
    }
  }

  private static void readableFile(List<String> e, String key, Path p, String what) {
    if (p == null || !p.isAbsolute()) {
      return; // not given, or already an error of its own
    }
    if (!Files.exists(p)) {
      e.add(key + ": " + p + " (the " + what + ") does not exist");
    } else if (!Files.isRegularFile(p)) {
      e.add(key + ": " + p + " (the " + what + ") is not a regular file");
    } else if (!Files.isReadable(p)) {
      e.add(key + ": " + p + " (the " + what + ") is not readable");
    }
  }

  private static void secret(List<String> e, Path p) {
    if (p == null || !p.isAbsolute()) {
      return;
    }
    String key = "secretFile: " + p;
    try {
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        e.add(key + " does not exist (32 or more random bytes, mode 0600, root's, the same on every node)");
        return;
      }
      if (Files.isSymbolicLink(p)) {
        e.add(key + " is a symbolic link; the secret must be the file itself");
        return;
      }
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        e.add(key + " is not a regular file");
        return;
      }
      int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      if (owner != 0) {
        e.add(key + " belongs to uid " + owner + ", not root; chown root it");
      }
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      Set<PosixFilePermission> others = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);
      others.retainAll(perms);
      if (!others.isEmpty()) {
        e.add(key + " has mode " + PosixFilePermissions.toString(perms) + ", open to group or others; chmod 600 it");
      }
      long size = Files.size(p);
      if (size < MIN_SECRET_BYTES) {
        e.add(key + " holds " + size + " bytes, fewer than " + MIN_SECRET_BYTES);
      }
    } catch (IOException | UnsupportedOperationException | SecurityException x) {
      e.add(key + " cannot be checked: " + x.getMessage());
    }
  }

  /**
   * What the PBS fan-out needs on the mother superior that types alone do not catch: the key and
   * the known_hosts readable, and a sister timeout that leaves the sister time to boot. Checked by
   * {@code --check-config --pbs} and before the fan-out starts; Slurm sites have none of it.
   */
  public static List<String> pbsFanOut(SiteConfig c) {
    List<String> e = new ArrayList<>();
    Pbs p = c.pbs();
    readable(e, "pbs.sshIdentity", p.sshIdentity(), "the mother superior's key for the sister nodes");
    readable(e, "pbs.sshKnownHosts", p.sshKnownHosts(), "the sister nodes' host keys");
    if (p.sisterTimeoutSeconds() <= c.boot().timeoutSeconds()) {
      e.add("pbs.sisterTimeoutSeconds: " + p.sisterTimeoutSeconds() + " leaves a sister no time beyond"
          + " boot.timeoutSeconds " + c.boot().timeoutSeconds() + " to make and boot its VMs");
    }
    return e;
  }

  private static void readable(List<String> e, String key, Path p, String what) {
    if (p == null || !Files.isRegularFile(p) || !Files.isReadable(p)) {
      e.add(key + ": " + p + " (" + what + ") is missing or unreadable");
    }
  }
}
