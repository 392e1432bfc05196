package org.virtualservices.core.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  /** A path the guest's init takes from the seed (GuestSeed, docs/appliance.md). */
  private static final java.util.regex.Pattern PLAIN_PATH = java.util.regex.Pattern.compile("(/[A-Za-z0-9._+@-]+)+");

  private static void mounts(List<String> e, Mounts m) {
    for (int i = 0; i < m.site().size(); i++) {
      Mounts.SiteMount s = m.site().get(i);
      String at = "mounts.site[" + i + "]";
      if (s.source() == null || !s.source().isAbsolute()) {
        e.add(at + ".source: an absolute path is needed, got '" + s.source() + "'");
      }
      Path target = s.target() != null ? s.target() : s.source();
      if (target != null && (!PLAIN_PATH.matcher(target.toString()).matches() || !target.equals(target.normalize()))) {
        e.add(at + ".target: '" + target + "' is not a plain absolute path (letters, digits, . _ + @ - between"
            + " slashes; no . or ..): the guest could not be told it");
      }
    }
    for (int i = 0; i < m.userRoots().size(); i++) {
      Path r = m.userRoots().get(i);
      if (!r.isAbsolute() || !r.equals(r.normalize()) || r.getNameCount() == 0) {
        e.add("mounts.userRoots[" + i + "]: '" + r + "' is not an absolute normalized path below /");
      }
    }
  }

  /** Users' images: a repository template that makes an absolute path, raw and qcow2 only, a known bootLike. */
  private static void userImages(List<String> e, UserImagePolicy u, Map<String, Image> catalog) {
    try {
      org.virtualservices.core.images.UserImages.forUser(u.repository(), "user", 1000);
    } catch (IllegalArgumentException | NullPointerException x) {
      e.add("userImages.repository: " + x.getMessage());
    }
    positive(e, "userImages.maxVirtualMiB", u.maxVirtualMiB(), 1L << 40);
    if (u.formats().isEmpty()) {
      e.add("userImages.formats: needs raw, qcow2 or both");
    }
    for (String f : u.formats()) {
      if (org.virtualservices.core.images.UserImages.Format.of(f).isEmpty()) {
        e.add("userImages.formats: '" + f + "' is not allowed (only raw and qcow2: the prolog checks no other)");
      }
    }
    if (u.bootLike() != null && !catalog.containsKey(u.bootLike())) {
      e.add("userImages.bootLike: '" + u.bootLike() + "' is not in the catalog (images)");
    }
    if (u.find() == null || !u.find().startsWith("/")) {
      e.add("userImages.find: must be an absolute path (hooks run with no PATH), got '" + u.find() + "'");
    }
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
    within(e, "domain.memoryOverheadMiB", c.domain().memoryOverheadMiB(), 0, 1 << 20);
    // QEMU's bound on x86-64 hosts (MAX_CODE_GEN_BUFFER_SIZE, 2 GiB)
    within(e, "domain.tcgCacheMiB", c.domain().tcgCacheMiB(), 0, 2048);
    mounts(e, c.mounts());
    userImages(e, c.userImages(), c.images());
    if (c.userImages().enabled() && c.domain() != null && c.domain().qemuUser() != null) {
      e.add("userImages.enabled: users' images need QEMU to run as each job's user (domain.qemuUser absent), who"
          + " alone may read them");
    }
    absolute(e, "checkpoint.dir", c.checkpoint().dir());
    within(e, "checkpoint.keep", c.checkpoint().keep(), 1, 100);
    within(e, "checkpoint.spareMiB", c.checkpoint().spareMiB(), 0, 1L << 30);
    within(e, "checkpoint.maxKeep", c.checkpoint().maxKeep(), 1, 100);
    within(e, "checkpoint.keepDays", c.checkpoint().keepDays(), 1, 3650);
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
    qemuUser(e, c.domain() == null ? null : c.domain().qemuUser());
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

  /** A fixed QEMU user is a plain login name, and never root (its uid is checked on the node: NodeChecks). */
  private static void qemuUser(List<String> e, String user) {
    if (user == null) {
      return;
    }
    if (!LOGIN.matcher(user).matches()) {
      e.add("domain.qemuUser: not a user name: '" + user + "'");
    } else if (user.equals("root")) {
      e.add("domain.qemuUser: QEMU must not run as root; leave the key out (each job's own user) or name an"
          + " unprivileged user");
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
