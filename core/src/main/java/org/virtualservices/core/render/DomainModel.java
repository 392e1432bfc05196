package org.virtualservices.core.render;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.virtualservices.core.config.Domain;
import org.virtualservices.core.confine.VmPinning;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.config.Network;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.QemuAccount;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.VmPlan;

/**
 * What {@code domain.ftlx} sees of one VM (docs/hooks.md, "The prolog, step by step"): the VM, its job and user, the
 * image's boot files, the site's domain settings and the job's network.
 *
 * @param network whether the VM has a NIC on the job's bridge (vxlan mode)
 * @param prefixLength and {@code mtu}: the guest's address and MTU, on the kernel command line
 *     when the image reads its configuration there
 * @param qemu the account QEMU runs as: the domain's DAC label (docs/hooks.md, "QEMU as the job's user")
 * @param filesystems the host folders shared into the VM (virtiofs), none when the site shares none
 * @param pinning where the VM's threads may run (the job's CPUs here), or null: anywhere
 */
public record DomainModel(VmPlan vm, String job, String user, String imageName, Image image, Domain domain,
    boolean network, String bridge, int prefixLength, int mtu, QemuAccount qemu, List<Filesystem> filesystems,
    VmPinning pinning) {

  /**
   * A shared folder as the domain sees it: a virtiofs device on the socket of a virtiofsd we
   * started as the job's user (docs/hooks.md, "Host folders").
   */
  public record Filesystem(String tag, Path socket) {
  }

  public DomainModel(VmPlan vm, String job, String user, String imageName, Image image, Domain domain,
      boolean network, String bridge, int prefixLength, int mtu, QemuAccount qemu) {
    this(vm, job, user, imageName, image, domain, network, bridge, prefixLength, mtu, qemu, List.of(), null);
  }

  /** This VM with its threads pinned ({@code <vcpu cpuset>}, {@code <cputune>}); null: unpinned. */
  public DomainModel pinned(VmPinning pin) {
    return new DomainModel(vm, job, user, imageName, image, domain, network, bridge, prefixLength, mtu, qemu,
        filesystems, pin);
  }

  /** One VM of a plan, as the site configures its domains, without shared folders. */
  public static DomainModel of(SiteConfig cfg, Plan plan, VmPlan vm, Image image, String user, QemuAccount qemu) {
    return of(cfg, plan, vm, image, user, qemu, List.of());
  }

  /** One VM of a plan with its shared folders. */
  public static DomainModel of(SiteConfig cfg, Plan plan, VmPlan vm, Image image, String user, QemuAccount qemu,
      List<Filesystem> filesystems) {
    return new DomainModel(vm, plan.job(), user, plan.image(), image, cfg.domain(),
        cfg.network().mode() == Network.Mode.vxlan, plan.bridge(), plan.prefixLength(), plan.guestMtu(), qemu,
        List.copyOf(filesystems), null);
  }

  /** The domain's XML. */
  public String render(Templates templates) {
    return templates.render("domain.ftlx", toMap());
  }

  /** The template's model: plain maps of strings and numbers (see {@link Models}). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("vm", Models.vm(vm));
    m.put("job", job);
    m.put("user", user);
    m.put("imageName", imageName);
    m.put("metadataNs", Hypervisor.METADATA_NS);
    Map<String, Object> img = new LinkedHashMap<>();
    // the base disk is named in the domain itself, so libvirt reads no backing name from the overlay
    // (which is the user's) and relabels none of the chain
    img.put("disk", image.disk().toString());
    img.put("format", image.format());
    img.put("kernel", image.kernel() == null ? "" : image.kernel().toString());
    img.put("initrd", image.initrd() == null ? "" : image.initrd().toString());
    m.put("image", img);
    String cmdline = image.cmdline();
    if (image.guestConfig() == Image.GuestConfig.cmdline) {
      cmdline += " vc.hostname=" + vm.name() + " vc.ip=" + vm.ip() + "/" + prefixLength + " vc.mac=" + vm.mac()
          + " vc.mtu=" + mtu;
    }
    m.put("cmdline", cmdline);
    Map<String, Object> dom = new LinkedHashMap<>();
    dom.put("type", domain.type());
    dom.put("machine", domain.machine());
    dom.put("arch", domain.arch());
    dom.put("emulator", domain.emulator() == null ? "" : domain.emulator());
    dom.put("cleanTrafficFilter", domain.cleanTrafficFilter());
    dom.put("tcgCacheMiB", domain.tcgCache());
    m.put("domain", dom);
    m.put("network", network);
    m.put("bridge", bridge);
    m.put("mtu", mtu);
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("label", qemu.label());
    q.put("uid", qemu.uid());
    q.put("gid", qemu.gid());
    m.put("qemu", q);
    if (pinning != null) {
      m.put("pin", Map.of("all", pinning.all().toString(),
          "vcpus", pinning.vcpus().stream().map(String::valueOf).toList()));
    }
    List<Map<String, Object>> fs = new ArrayList<>();
    for (Filesystem f : filesystems) {
      fs.add(Map.of("tag", f.tag(), "socket", f.socket().toString()));
    }
    m.put("filesystems", fs);
    return m;
  }
}
