package org.virtualservices.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.runtime.NodeChecks;

class SiteConfigLoaderTest {

  @Test
  void anEmptyFileGivesEveryDefault() {
    SiteConfig c = SiteConfigLoader.parse("", "empty");
    assertEquals("qemu:///system", c.libvirtUri());
    assertEquals(Path.of("/var/lib/vcluster"), c.stateDir());
    assertEquals(4789, c.network().vxlanPort());
    assertEquals(1450, c.network().guestMtu());
    assertEquals(List.of(Boot.Probe.running, Boot.Probe.marker), c.boot().readiness());
    assertEquals(Limits.AllocationRule.cpus, c.limits().allocationRule());
    assertEquals("/usr/bin/qemu-img", c.tools().qemuImg());
    assertTrue(c.images().isEmpty());
  }

  @Test
  void theShippedExampleIsValid() throws Exception {
    SiteConfig c = SiteConfigLoader.load(Path.of("../site-config/site.yaml"));
    assertEquals("test:///default", c.libvirtUri());
    assertTrue(c.images().containsKey("debian12"));
  }

  @Test
  void everyErrorIsReportedWithItsKeyPath() {
    String yaml = String.join("\n",
        "libvirtUri: nonsense",
        "stateDir: relative/dir",
        "images:",
        "  good: {disk: /img/a.qcow2}",
        "  '../evil': {disk: /img/b.qcow2}",
        "  nodisk: {format: vmdk}",
        "limits:",
        "  maxVmsPerNode: lots",
        "  cpuOvercommit: 0",
        "network:",
        "  vniMin: 100",
        "  vniMax: 50",
        "  subnetPool: 10.0.0.1/16",
        "  mtu: 9000",
        "  underlay: dns",
        "boot:",
        "  timeoutSeconds: -5",
        "  readiness: [running, telepathy]",
        "tools:",
        "  ip: ip");
    ConfigException e = assertThrows(ConfigException.class, () -> SiteConfigLoader.parse(yaml, "site.yaml"));
    List<String> expected = List.of(
        "libvirtUri: not a libvirt URI",
        "stateDir: must be an absolute path",
        "images.../evil: image names are",
        "images.nodisk.disk: required",
        "images.nodisk.format: qcow2 or raw",
        "limits.maxVmsPerNode: expected a whole number, got 'lots'",
        "limits.cpuOvercommit: must be above 0",
        "network.vniMin: 100 is above network.vniMax 50",
        "network.subnetPool: 10.0.0.1/16 has host bits set",
        "network.mtu: unknown key",
        "network.underlay: expected one of resolver, map, pattern, got 'dns'",
        "boot.timeoutSeconds: must be between 1 and 86400, got -5",
        "boot.readiness[1]: expected one of running, marker, port, got 'telepathy'",
        "tools.ip: must be an absolute path");
    for (String x : expected) {
      assertTrue(e.errors().stream().anyMatch(err -> err.startsWith(x)), "missing '" + x + "' in " + e.errors());
    }
    assertEquals(expected.size(), e.errors().size(), "one error per mistake: " + e.errors());
    assertTrue(e.getMessage().startsWith("site.yaml: 14 errors"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "limits: [1, 2]                      | limits: expected a mapping of keys, got a list",
      "network: {vxlanPort: 70000}         | network.vxlanPort: must be between 1 and 65535, got 70000",
      "network: {vxlanPort: 4789.5}        | network.vxlanPort: expected a whole number, got '4789.5'",
      "network: {outboundNat: yes please}  | network.outboundNat: expected true or false, got 'yes please'",
      "network: {subnetPrefix: 8}          | network.subnetPrefix: must be between the pool's prefix 11 and 29",
      "network: {underlay: map}            | network.underlayMap: must list the nodes",
      "network: {multicastGroup: 10.1.1.1} | network.multicastGroup: not an IPv4 multicast address",
      "network: {underlayMtu: 1000}        | network.underlayMtu: must be between 1330 and 65535",
      "defaults: {vcpus: 99}               | defaults.vcpus: must be between 1 and 16, got 99",
      "domain: {tcgCacheMiB: 2049}         | domain.tcgCacheMiB: must be between 0 and 2048, got 2049",
      "domain: {tcgCacheMiB: -1}           | domain.tcgCacheMiB: must be between 0 and 2048, got -1",
      "boot: {marker: 'a b'}               | boot.marker: letters, digits",
      "surprise: 1                         | surprise: unknown key",
      "images: {x: {disk: /a, loginUser: 'Root;'}} | images.x.loginUser: not a user name",
      "'key: [unclosed'                    | not valid YAML",
      "network: {vxlanPort: 99999999999}   | network.vxlanPort: expected a whole number, got '99999999999'",
      "network: {vxlanPort: '99999999999'} | network.vxlanPort: expected a whole number, got '99999999999'",
      "network: {underlay: 1}              | network.underlay: expected one of resolver, map, pattern, got '1'",
      "network: {underlay: Map}            | network.underlay: expected one of resolver, map, pattern, got 'Map'",
      "limits: {cpuOvercommit: lots}       | limits.cpuOvercommit: expected a number, got 'lots'",
      "limits: {cpuOvercommit: true}       | limits.cpuOvercommit: expected a number, got 'true'",
      "defaults: {memoryMiB: 1.5}          | defaults.memoryMiB: expected a whole number, got '1.5'",
  })
  void oneMistakeOneClearError(String yaml, String expected) {
    ConfigException e = assertThrows(ConfigException.class, () -> SiteConfigLoader.parse(yaml, "f"));
    assertTrue(e.errors().get(0).startsWith(expected.strip()), e.errors().toString());
  }

  @Test
  void scalarsAreTakenAsDataBindingTookThem() {
    SiteConfig c = SiteConfigLoader.parse(String.join("\n",
        "network: {vxlanPort: '4790', underlay: pattern, underlayPattern: 'n{node}'}",
        "limits: {cpuOvercommit: 2, maxMemoryMiBPerVm: 131072}",
        "defaults: {memoryMiB: '1024'}",
        "boot: {marker: 12345}", ""), "f");
    assertEquals(4790, c.network().vxlanPort(), "a whole number written as text");
    assertEquals(Network.UnderlayMode.pattern, c.network().underlay());
    assertEquals(2.0, c.limits().cpuOvercommit(), "a whole number where a number is expected");
    assertEquals(131_072L, c.limits().maxMemoryMiBPerVm());
    assertEquals(1024L, c.defaults().memoryMiB());
    assertEquals("12345", c.boot().marker(), "a number where text is expected is its text");
  }

  @Test
  void theFileIsFoundByOptionThenEnvironmentThenDefault() {
    assertEquals(Path.of("/a.yaml"), SiteConfigLoader.locate(Optional.of("/a.yaml"), Map.of("VC_CONFIG", "/b")));
    assertEquals(Path.of("/b.yaml"), SiteConfigLoader.locate(Optional.empty(), Map.of("VC_CONFIG", "/b.yaml")));
    assertEquals(SiteConfigLoader.DEFAULT_PATH, SiteConfigLoader.locate(Optional.empty(), Map.of()));
  }

  @Test
  void aMissingFileSaysHowToPointAtOne() {
    ConfigException e = assertThrows(ConfigException.class, () -> SiteConfigLoader.load(Path.of("/nonexistent.yaml")));
    assertTrue(e.getMessage().contains("VC_CONFIG"), e.getMessage());
  }

  @Test
  void everyKeyIsDescribedWithItsDefault() {
    String ref = ConfigReference.render();
    for (String line : ref.split("\n")) {
      assertTrue(line.matches("[a-zA-Z.<>]+( = .* {2}# .+|: .+)"), "undocumented: " + line);
    }
    assertTrue(ref.contains("network.vxlanPort = 4789  # "), ref);
    assertTrue(ref.contains("images.<name>.disk = (none)  # "), ref);
  }

  @Test
  void missingToolsAreNamed() throws Exception {
    SiteConfig c = SiteConfigLoader.parse("tools: {nft: /nonexistent/nft}", "f");
    assertTrue(NodeChecks.missingTools(c).contains("tools.nft: /nonexistent/nft is not an executable file"));
    assertTrue(Files.isExecutable(Path.of("/bin/sh")));
  }
}
