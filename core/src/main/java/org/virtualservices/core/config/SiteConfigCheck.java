package org.virtualservices.core.config;

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
import java.util.regex.Pattern;
import org.virtualservices.core.net.Cidr;
import org.virtualservices.core.net.VxlanMtu;

/** Checks of the configuration that types alone do not catch, each naming its key path. */
public final class SiteConfigCheck {

  /** Catalog names: what users may type, nothing path-like. */
  public static final Pattern IMAGE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern LOGIN = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
  private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9._-]{1,15}");

  private SiteConfigCheck() {
  }

  static List<String> semantic(SiteConfig c) {
    List<String> e = new ArrayList<>();
    if (c.libvirtUri() == null || !c.libvirtUri().matches("[a-z+]+://.*")) {
      e.add("libvirtUri: not a libvirt URI: '" + c.libvirtUri() + "'");
    }
    absolute(e, "stateDir", c.stateDir());
    absolute(e, "runDir", c.runDir());
    absolute(e, "secretFile", c.secretFile());
    if (c.templatesDir() != null) {
      absolute(e, "templatesDir", c.templatesDir());
    }
    c.images().forEach((name, img) -> image(e, "images." + name, name, img));
    Limits l = c.limits();
    positive(e, "limits.maxVmsPerNode", l.maxVmsPerNode(), 100_000);
    positive(e, "limits.maxVcpusPerVm", l.maxVcpusPerVm(), 4096);
    positive(e, "limits.maxMemoryMiBPerVm", l.maxMemoryMiBPerVm(), 64L << 20);
    positive(e, "limits.minMemoryMiBPerVm", l.minMemoryMiBPerVm(), 64L << 20);
    if (l.minMemoryMiBPerVm() > l.maxMemoryMiBPerVm()) {
      e.add("limits.minMemoryMiBPerVm: " + l.minMemoryMiBPerVm() + " is above limits.maxMemoryMiBPerVm "
          + l.maxMemoryMiBPerVm());
    }
    positive(e, "limits.memoryPerCpuMiB", l.memoryPerCpuMiB(), 64L << 20);
    positive(e, "limits.maxDiskMiBPerVm", l.maxDiskMiBPerVm(), 1L << 40);
    positive(e, "limits.maxConsoleLogMiB", l.maxConsoleLogMiB(), 1L << 20);
    if (!(l.cpuOvercommit() > 0 && l.cpuOvercommit() <= 64)) {
      e.add("limits.cpuOvercommit: must be above 0 and at most 64, got " + l.cpuOvercommit());
    }
    Defaults d = c.defaults();
    within(e, "defaults.vcpus", d.vcpus(), 1, l.maxVcpusPerVm());
    within(e, "defaults.memoryMiB", d.memoryMiB(), l.minMemoryMiBPerVm(), l.maxMemoryMiBPerVm());
    within(e, "defaults.vmsPerNode", d.vmsPerNode(), 1, l.maxVmsPerNode());
    network(e, c.network());
    Boot b = c.boot();
    within(e, "boot.timeoutSeconds", b.timeoutSeconds(), 1, 86_400);
    within(e, "boot.pollMillis", b.pollMillis(), 10, 60_000);
    within(e, "boot.port", b.port(), 1, 65_535);
    if (b.readiness().isEmpty()) {
      e.add("boot.readiness: needs at least one probe (running, marker, port)");
    }
    if (b.marker() == null || !b.marker().matches("[A-Za-z0-9_.-]{1,64}")) {
      e.add("boot.marker: letters, digits, '.', '_' and '-' only, got '" + b.marker() + "'");
    }
    pbs(e, c.pbs());
    Submit s = c.submit();
    within(e, "submit.pollSeconds", s.pollSeconds(), 1, 3600);
    within(e, "submit.commandTimeoutSeconds", s.commandTimeoutSeconds(), 1, 3600);
    Tools t = c.tools();
    for (Map.Entry<String, String> tool : tools(t).entrySet()) {
      if (tool.getValue() == null || !tool.getValue().startsWith("/")) {
        e.add("tools." + tool.getKey() + ": must be an absolute path (hooks run with no PATH), got '"
            + tool.getValue() + "'");
      }
    }
    return e;
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
    needed.forEach((k, v) -> {
      if (v == null || !Files.isExecutable(Path.of(v))) {
        missing.add("tools." + k + ": " + v + " is not an executable file");
      }
    });
    return missing;
  }

  /** The least the site secret holds, as the key derivation requires. */
  public static final int MIN_SECRET_BYTES = 32;

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

  private static void pbs(List<String> e, Pbs p) {
    absolute(e, "pbs.home", p.home());
    absolute(e, "pbs.sshIdentity", p.sshIdentity());
    absolute(e, "pbs.sshKnownHosts", p.sshKnownHosts());
    if (p.sshUser() == null || !LOGIN.matcher(p.sshUser()).matches()) {
      e.add("pbs.sshUser: not a user name: '" + p.sshUser() + "'");
    }
    within(e, "pbs.sshPort", p.sshPort(), 1, 65_535);
    within(e, "pbs.sshConnectTimeoutSeconds", p.sshConnectTimeoutSeconds(), 1, 600);
    within(e, "pbs.sisterTimeoutSeconds", p.sisterTimeoutSeconds(), 1, 86_400);
    within(e, "pbs.maxParallel", p.maxParallel(), 1, 1024);
    for (String key : List.of("sisterProlog", "sisterEpilog")) {
      String v = key.equals("sisterProlog") ? p.sisterProlog() : p.sisterEpilog();
      if (v == null || !v.startsWith("/")) {
        e.add("pbs." + key + ": must be an absolute path (the sister's login shell has its own PATH), got '" + v + "'");
      }
    }
    p.sshAddresses().forEach((node, address) -> {
      if (address == null || address.isBlank() || !address.matches("[A-Za-z0-9.:_-]+")) {
        e.add("pbs.sshAddresses." + node + ": not a host name or address: '" + address + "'");
      }
    });
  }

  private static Map<String, String> tools(Tools t) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("qemuImg", t.qemuImg());
    m.put("mkisofs", t.mkisofs());
    m.put("ip", t.ip());
    m.put("bridge", t.bridge());
    m.put("nft", t.nft());
    m.put("setpriv", t.setpriv());
    m.put("tar", t.tar());
    m.put("rm", t.rm());
    m.put("scontrol", t.scontrol());
    return m;
  }

  private static void image(List<String> e, String key, String name, Image img) {
    if (!IMAGE_NAME.matcher(name).matches()) {
      e.add(key + ": image names are letters, digits, '.', '_' and '-' (at most 64, no leading '.' or '-')");
    }
    if (img == null) {
      return;
    }
    if (img.disk() == null) {
      e.add(key + ".disk: required");
    } else {
      absolute(e, key + ".disk", img.disk());
    }
    if (img.format() == null || !img.format().matches("qcow2|raw")) {
      e.add(key + ".format: qcow2 or raw, got '" + img.format() + "'");
    }
    if (img.kernel() != null) {
      absolute(e, key + ".kernel", img.kernel());
    }
    if (img.initrd() != null) {
      absolute(e, key + ".initrd", img.initrd());
      if (img.kernel() == null) {
        e.add(key + ".initrd: given without " + key + ".kernel");
      }
    }
    if (img.loginUser() != null && !LOGIN.matcher(img.loginUser()).matches()) {
      e.add(key + ".loginUser: not a user name: '" + img.loginUser() + "'");
    }
  }

  private static void network(List<String> e, Network n) {
    within(e, "network.vxlanPort", n.vxlanPort(), 1, 65_535);
    within(e, "network.vniMin", n.vniMin(), 1, 16_777_215);
    within(e, "network.vniMax", n.vniMax(), 1, 16_777_215);
    if (n.vniMin() > n.vniMax()) {
      e.add("network.vniMin: " + n.vniMin() + " is above network.vniMax " + n.vniMax());
    }
    Cidr pool = null;
    try {
      pool = Cidr.parse(n.subnetPool());
    } catch (IllegalArgumentException ex) {
      e.add("network.subnetPool: " + ex.getMessage());
    }
    if (pool != null && (n.subnetPrefix() < pool.prefixLength() || n.subnetPrefix() > 29)) {
      e.add("network.subnetPrefix: must be between the pool's prefix " + pool.prefixLength() + " and 29, got "
          + n.subnetPrefix());
    }
    within(e, "network.underlayMtu", n.underlayMtu(), 1280 + VxlanMtu.VXLAN_OVERHEAD_IPV4, 65_535);
    within(e, "network.floodLimit", n.floodLimit(), 0, 1_000_000);
    if (n.underlayDevice() != null && !IFNAME.matcher(n.underlayDevice()).matches()) {
      e.add("network.underlayDevice: not an interface name: '" + n.underlayDevice() + "'");
    }
    if (n.multicastGroup() != null) {
      try {
        Cidr g = Cidr.parse(n.multicastGroup() + "/32");
        if ((g.base() >>> 28) != 0xE) {
          e.add("network.multicastGroup: not an IPv4 multicast address: '" + n.multicastGroup() + "'");
        }
      } catch (IllegalArgumentException ex) {
        e.add("network.multicastGroup: " + ex.getMessage());
      }
    }
    if (n.underlay() == Network.UnderlayMode.map && n.underlayMap().isEmpty()) {
      e.add("network.underlayMap: must list the nodes when network.underlay is map");
    }
    if (n.underlay() == Network.UnderlayMode.pattern && !n.underlayPattern().contains("{node}")) {
      e.add("network.underlayPattern: must contain {node}, got '" + n.underlayPattern() + "'");
    }
  }

  private static void absolute(List<String> e, String key, Path p) {
    if (p == null || !p.isAbsolute()) {
      e.add(key + ": must be an absolute path, got '" + p + "'");
    }
  }

  private static void positive(List<String> e, String key, long v, long max) {
    within(e, key, v, 1, max);
  }

  private static void within(List<String> e, String key, long v, long min, long max) {
    if (v < min || v > max) {
      e.add(key + ": must be between " + min + " and " + max + ", got " + v);
    }
  }
}
