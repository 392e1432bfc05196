package org.virtualservices.core.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.config.Domain;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.confine.CpuList;
import org.virtualservices.core.confine.VmPinning;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.hypervisor.DomainMetadata;
import org.virtualservices.core.hypervisor.DomainState;
import org.virtualservices.core.hypervisor.LibvirtHypervisor;
import org.virtualservices.core.hypervisor.QemuAccount;
import org.virtualservices.core.plan.VmPlan;
import org.w3c.dom.Document;

class DomainTemplateTest {

  static final Domain KVM = new Domain("kvm", "pc", null, "x86_64", true, null, null, null,
      Domain.CpuPinning.job, 256, true, 128);

  static final Domain TEST = new Domain("test", "pc", null, "x86_64", false, null, null, null, Domain.CpuPinning.job,
      256, true, 128);

  static Domain tcg(int cacheMiB) {
    return new Domain("qemu", "pc", null, "x86_64", false, null, null, null, Domain.CpuPinning.job, 256, true,
        cacheMiB);
  }

  static DomainModel model(String user, String kernel, Domain domain) {
    return model(user, kernel, domain, java.util.List.of());
  }

  static DomainModel model(String user, String kernel, Domain domain, java.util.List<DomainModel.Filesystem> fs) {
    VmPlan vm = new VmPlan("vc42-1", 1, 1, "node1", "10.111.42.3", "02:00:10:2a:00:01", "vt4138-1", 2, 1024,
        Path.of("/var/lib/vcluster/jobs/42/node1/vc42-1.qcow2"), Path.of("/var/lib/vcluster/jobs/42/node1/vc42-1-seed.iso"),
        Path.of("/var/lib/vcluster/jobs/42/node1/vc42-1.console.log"));
    Image image = new Image(Path.of("/img/base.qcow2"), "qcow2", kernel.isEmpty() ? null : Path.of(kernel),
        kernel.isEmpty() ? null : Path.of("/img/initrd.img"), "console=ttyS0 root=/dev/vda", Image.GuestConfig.nocloud,
        null, "");
    return new DomainModel(vm, "42", user, "debian12", image, domain, true, "vcbr4138", 24, 1450,
        new QemuAccount(1001, 2000, user), fs, null);
  }

  @Test
  void rendersTheExpectedDomain() throws IOException {
    String xml = model("alice", "/img/vmlinux", KVM).render(Templates.shipped());
    try (InputStream in = getClass().getResourceAsStream("/render/domain-vc42-1.xml")) {
      assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), xml);
    }
  }

  static final java.util.List<DomainModel.Filesystem> TWO_SHARES = java.util.List.of(
      new DomainModel.Filesystem("vcfs0", Path.of("/var/lib/vcluster/jobs/42/node1/vc42-1.vcfs0.sock")),
      new DomainModel.Filesystem("vcfs1", Path.of("/var/lib/vcluster/jobs/42/node1/vc42-1.vcfs1.sock")));

  /**
   * Shared folders: a virtiofs device per folder on the socket of the virtiofsd the prolog started
   * as the job's user, never one libvirt would start (as root: no {@code <binary>}, no host path),
   * and the guest's memory shared (vhost-user needs it). Without folders, neither.
   */
  @Test
  void sharedFoldersAreVirtiofsOnOurOwnSocketsWithSharedMemory() throws IOException {
    String xml = model("alice", "/img/vmlinux", KVM, TWO_SHARES).render(Templates.shipped());
    try (InputStream in = getClass().getResourceAsStream("/render/domain-vc42-1-shares.xml")) {
      assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), xml);
    }
    assertFalse(xml.contains("<binary"), "libvirt must not start virtiofsd itself (it would run as root)");
    assertFalse(xml.contains("<source dir="), "no host path for libvirt to serve");
    String plain = model("alice", "/img/vmlinux", KVM).render(Templates.shipped());
    assertFalse(plain.contains("memoryBacking"), plain);
    assertFalse(plain.contains("<filesystem"), plain);
  }

  @Test
  void theDomainWithSharedFoldersIsAcceptedByLibvirt() {
    String xml = model("alice", "/img/vmlinux", TEST,
        TWO_SHARES).render(Templates.shipped());
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      hv.define("vc42-1", xml);
      try {
        String back = hv.xml("vc42-1").orElseThrow();
        assertTrue(back.contains("vc42-1.vcfs1.sock"), back);
        assertTrue(back.contains("virtiofs"), back);
      } finally {
        assertTrue(hv.remove("vc42-1"));
      }
    }
  }

  @Test
  void everyValueIsEscaped() {
    String hostile = "a'\"<b>&</domain><x y='";
    String xml = model(hostile, "", KVM).render(Templates.shipped());
    assertFalse(xml.contains("<b>"), xml);
    assertTrue(xml.contains("user=\"a&apos;&quot;&lt;b&gt;&amp;&lt;/domain&gt;&lt;x y=&apos;\""), xml);
    assertTrue(xml.contains("<boot dev=\"hd\"/>"), "no kernel: boot from the disk");
  }

  @Test
  void theRenderedDomainIsAcceptedByLibvirtAndCarriesTheJob() {
    String xml = model("alice", "/img/vmlinux", TEST)
        .render(Templates.shipped());
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      hv.define("vc42-1", xml);
      try {
        DomainInfo info = hv.domains().stream().filter(d -> d.name().equals("vc42-1")).findFirst().orElseThrow();
        assertEquals("42", info.job());
        assertEquals("node1", info.node());
        assertEquals(DomainState.SHUTOFF, hv.state("vc42-1"));
        hv.start("vc42-1");
        assertEquals(DomainState.RUNNING, hv.state("vc42-1"));
        String back = hv.xml("vc42-1").orElseThrow();
        assertEquals("42", DomainMetadata.jobAndNode(back)[0]);
        assertTrue(back.contains("vcbr4138"), back);
      } finally {
        assertTrue(hv.remove("vc42-1"));
      }
      assertFalse(hv.remove("vc42-1"), "removing a domain that is gone is not an error");
      assertEquals(DomainState.ABSENT, hv.state("vc42-1"));
    }
  }

  /**
   * QEMU runs as the given account, and libvirt changes the owner of no file: not the overlay and the
   * seed (the user's already), not the base nor the kernel (root's, shared by every job): docs/hooks.md,
   * "QEMU as the job's user". libvirt's DAC driver labels nothing of a domain whose DAC seclabel says
   * relabel="no" (and refuses a per-disk override under it). The base is named in the domain, so no
   * backing name is read from the overlay, which is the user's to rewrite.
   */
  @Test
  void qemuRunsAsTheJobsAccountAndLibvirtRelabelsNoFile() throws Exception {
    Document d = parse(model("alice", "/img/vmlinux", KVM).render(Templates.shipped()));
    XPath x = XPathFactory.newInstance().newXPath();
    assertEquals("1", x.evaluate("count(/domain/seclabel)", d));
    assertEquals("static dac no +1001:+2000", x.evaluate("concat(/domain/seclabel/@type, ' ', /domain/seclabel/@model,"
        + " ' ', /domain/seclabel/@relabel, ' ', /domain/seclabel/label)", d));
    assertEquals("0", x.evaluate("count(//seclabel[@relabel='yes'])", d), "no override relabels a file");
    assertEquals("/img/base.qcow2 qcow2", x.evaluate("concat(//disk[target/@dev='vda']/backingStore/source/@file, ' ',"
        + " //disk[target/@dev='vda']/backingStore/format/@type)", d));
  }

  /** libvirt takes the label and the named base as they are (the real DAC driver: e2e scenario qemu-user). */
  @Test
  void libvirtKeepsTheAccountAndTheNamedBase() throws Exception {
    String xml = model("alice", "/img/vmlinux", TEST)
        .render(Templates.shipped());
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      hv.define("vc42-1", xml);
      try {
        Document back = parse(hv.xml("vc42-1").orElseThrow());
        XPath x = XPathFactory.newInstance().newXPath();
        assertEquals("static no +1001:+2000", x.evaluate("concat(/domain/seclabel[@model='dac']/@type, ' ',"
            + " /domain/seclabel[@model='dac']/@relabel, ' ', /domain/seclabel[@model='dac']/label)", back));
        assertEquals("/img/base.qcow2", x.evaluate("//disk[target/@dev='vda']/backingStore/source/@file", back));
      } finally {
        hv.remove("vc42-1");
      }
    }
  }

  /**
   * A user's image (docs/hooks.md, "Users' own images"): named with its checked format, and its
   * chain ended by an empty backing store, so neither libvirt (root) nor QEMU reads a backing name
   * from the user's header; a catalog image's chain is left as it was.
   */
  @Test
  void aUsersImageEndsItsChainWithAnEmptyBackingStore() throws Exception {
    DomainModel catalog = model("alice", "/img/vmlinux", TEST);
    Image users = new Image(Path.of("/home/alice/.vcluster/images/deb12/3.raw"), "raw", null, null, "console=ttyS0",
        Image.GuestConfig.nocloud, null, "");
    DomainModel user = new DomainModel(catalog.vm(), "42", "alice", "user:deb12", users, TEST, true, "vcbr4138", 24,
        1450, new QemuAccount(1001, 2000, "alice"), java.util.List.of(), null);
    XPath x = XPathFactory.newInstance().newXPath();
    Document mine = parse(user.render(Templates.shipped()));
    assertEquals("/home/alice/.vcluster/images/deb12/3.raw raw 1 0", x.evaluate("concat("
        + "//disk[target/@dev='vda']/backingStore/source/@file, ' ', //disk[target/@dev='vda']/backingStore/format/@type,"
        + " ' ', count(//disk[target/@dev='vda']/backingStore/backingStore), ' ',"
        + " count(//disk[target/@dev='vda']/backingStore/backingStore/*))", mine));
    assertEquals("0", x.evaluate("count(//disk[target/@dev='vda']/backingStore/backingStore)",
        parse(catalog.render(Templates.shipped()))));
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      hv.define("vc42-1", user.render(Templates.shipped()));
      try {
        Document back = parse(hv.xml("vc42-1").orElseThrow());
        assertEquals("raw 1", x.evaluate("concat(//disk[target/@dev='vda']/backingStore/format/@type, ' ',"
            + " count(//disk[target/@dev='vda']/backingStore/backingStore))", back));
      } finally {
        hv.remove("vc42-1");
      }
    }
  }

  private static Document parse(String xml) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aFailedLibvirtCallSaysWhatOnWhichUri() {
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      var e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> hv.start("vc404-0"));
      assertTrue(e.getMessage().startsWith("start domain vc404-0 on test:///default: "), e.getMessage());
    }
  }

  @Test
  void aPinnedVmHasEachVcpuOnOneOfTheJobsCpusAndItsEmulatorOnAll() {
    VmPinning pin = VmPinning.spread(CpuList.parse("2-3"), java.util.Map.of("vc42-1", 2)).get("vc42-1");
    String xml = model("alice", "/img/vmlinux", KVM).pinned(pin).render(Templates.shipped());
    assertTrue(xml.contains("<vcpu placement=\"static\" cpuset=\"2-3\">2</vcpu>"), xml);
    assertTrue(xml.contains("    <vcpupin vcpu=\"0\" cpuset=\"2\"/>\n    <vcpupin vcpu=\"1\" cpuset=\"3\"/>\n"
        + "    <emulatorpin cpuset=\"2-3\"/>\n"), xml);
    String unpinned = model("alice", "/img/vmlinux", KVM).render(Templates.shipped());
    assertFalse(unpinned.contains("cputune"), unpinned);
  }

  @Test
  void libvirtKeepsThePinning() {
    VmPinning pin = VmPinning.spread(CpuList.parse("0-1"), java.util.Map.of("vc42-1", 2)).get("vc42-1");
    String xml = model("alice", "/img/vmlinux", TEST).pinned(pin).render(Templates.shipped());
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      hv.define("vc42-1", xml);
      try {
        String back = hv.xml("vc42-1").orElseThrow();
        assertTrue(back.contains("<vcpupin vcpu='1' cpuset='1'/>"), back);
        assertTrue(back.contains("<emulatorpin cpuset='0-1'/>"), back);
      } finally {
        hv.remove("vc42-1");
      }
    }
  }

  /**
   * Under TCG the translated-code cache is bounded (QEMU 7.2's own default grows to 1 GiB); under KVM there is
   * none, and 0 leaves QEMU's default.
   */
  @Test
  void underTcgTheCodeCacheIsBoundedElseNothingIsSaid() {
    String xml = model("alice", "/img/vmlinux", tcg(128)).render(Templates.shipped());
    assertTrue(xml.contains("<features>\n    <acpi/>\n    <tcg>\n      <tb-cache unit=\"MiB\">128</tb-cache>\n"
        + "    </tcg>\n  </features>"), xml);
    assertTrue(model("alice", "/img/vmlinux", tcg(2048)).render(Templates.shipped())
        .contains("<tb-cache unit=\"MiB\">2048</tb-cache>"), "no digit grouping");
    assertFalse(model("alice", "/img/vmlinux", KVM).render(Templates.shipped()).contains("<tcg>"), "KVM: no TCG");
    assertFalse(model("alice", "/img/vmlinux", tcg(0)).render(Templates.shipped()).contains("<tcg>"), "0: QEMU's");
  }

  /** libvirt (test driver) takes the TCG cache and keeps it. */
  @Test
  void libvirtKeepsTheTcgCache() {
    // the test driver runs domains of type test only; the <tcg> feature is parsed alike for every type
    String xml = model("alice", "/img/vmlinux", tcg(128)).render(Templates.shipped())
        .replace("<domain type=\"qemu\">", "<domain type=\"test\">");
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      hv.define("vc42-1", xml);
      try {
        String back = hv.xml("vc42-1").orElseThrow();
        assertTrue(back.contains("<tb-cache unit='KiB'>131072</tb-cache>"), back);
      } finally {
        hv.remove("vc42-1");
      }
    }
  }

  @Test
  void aDomainThatCannotBeBoundedNeverRuns() {
    // libvirt's test driver cannot start a domain paused, so no limit can be set before the guest
    // runs: the start fails, saying what, and the domain is not running (the e2e suite shows the limit)
    String xml = model("alice", "/img/vmlinux", TEST).render(Templates.shipped());
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      hv.define("vc42-1", xml);
      try {
        var e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> hv.start("vc42-1", 1280));
        assertTrue(e.getMessage().startsWith(
            "start domain vc42-1 with a memory limit of 1280 MiB on test:///default: "), e.getMessage());
        assertEquals(DomainState.SHUTOFF, hv.state("vc42-1"));
      } finally {
        hv.remove("vc42-1");
      }
    }
  }
}
