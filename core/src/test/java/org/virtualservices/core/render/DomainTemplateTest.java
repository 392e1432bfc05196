package org.virtualservices.core.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.hypervisor.DomainMetadata;
import org.virtualservices.core.hypervisor.DomainState;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.LibvirtHypervisor;
import org.virtualservices.core.plan.VmPlan;

class DomainTemplateTest {

  static Map<String, Object> model(String user, String kernel) {
    VmPlan vm = new VmPlan("vc42-1", 1, 1, "node1", "10.111.42.3", "02:00:10:2a:00:01", "vt4138-1", 2, 1024,
        Path.of("/var/lib/vcluster/jobs/42/node1/vc42-1.qcow2"), Path.of("/var/lib/vcluster/jobs/42/node1/vc42-1-seed.iso"),
        Path.of("/var/lib/vcluster/jobs/42/node1/vc42-1.console.log"));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("vm", Models.vm(vm));
    m.put("job", "42");
    m.put("user", user);
    m.put("imageName", "debian12");
    m.put("metadataNs", Hypervisor.METADATA_NS);
    m.put("image", Map.of("kernel", kernel, "initrd", kernel.isEmpty() ? "" : "/img/initrd.img"));
    m.put("cmdline", "console=ttyS0 root=/dev/vda");
    m.put("domain", Map.of("type", "kvm", "machine", "pc", "arch", "x86_64", "emulator", "",
        "cleanTrafficFilter", true));
    m.put("network", true);
    m.put("bridge", "vcbr4138");
    m.put("mtu", 1450);
    return m;
  }

  @Test
  void rendersTheExpectedDomain() throws IOException {
    String xml = Templates.shipped().render("domain.ftlx", model("alice", "/img/vmlinux"));
    try (InputStream in = getClass().getResourceAsStream("/render/domain-vc42-1.xml")) {
      assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), xml);
    }
  }

  @Test
  void everyValueIsEscaped() {
    String hostile = "a'\"<b>&</domain><x y='";
    String xml = Templates.shipped().render("domain.ftlx", model(hostile, ""));
    assertFalse(xml.contains("<b>"), xml);
    assertTrue(xml.contains("user=\"a&apos;&quot;&lt;b&gt;&amp;&lt;/domain&gt;&lt;x y=&apos;\""), xml);
    assertTrue(xml.contains("<boot dev=\"hd\"/>"), "no kernel: boot from the disk");
  }

  @Test
  void theRenderedDomainIsAcceptedByLibvirtAndCarriesTheJob() {
    Map<String, Object> m = model("alice", "/img/vmlinux");
    m.put("domain", Map.of("type", "test", "machine", "pc", "arch", "x86_64", "emulator", "",
        "cleanTrafficFilter", false));
    String xml = Templates.shipped().render("domain.ftlx", m);
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

  @Test
  void aFailedLibvirtCallSaysWhatOnWhichUri() {
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      var e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> hv.start("vc404-0"));
      assertTrue(e.getMessage().startsWith("start domain vc404-0 on test:///default: "), e.getMessage());
    }
  }
}
