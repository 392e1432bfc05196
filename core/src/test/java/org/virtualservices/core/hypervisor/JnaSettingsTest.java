package org.virtualservices.core.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JnaSettingsTest {

  @Test
  void anInstallationWithJnasNativePartAndLibvirtInTheSystemFoldersSparesBoth(@TempDir Path tmp) throws IOException {
    Path home = tmp.resolve("vcluster");
    Files.createDirectories(home.resolve("lib/jna/linux-x86-64"));
    Files.createFile(home.resolve("lib/jna/linux-x86-64/libjnidispatch.so"));
    Path root = tmp.resolve("root");
    Files.createDirectories(root.resolve("usr/lib/x86_64-linux-gnu"));
    Files.createDirectories(root.resolve("lib/x86_64-linux-gnu"));
    Files.createDirectories(root.resolve("usr/lib"));
    Files.createFile(root.resolve("usr/lib/x86_64-linux-gnu/libvirt.so.0"));

    Map<String, String> s = JnaSettings.of(home, "Linux", "amd64", root);

    assertEquals(home.resolve("lib/jna/linux-x86-64").toString(), s.get(JnaSettings.BOOT_PATH));
    // JNA's order, only the folders that exist
    assertEquals(root.resolve("usr/lib/x86_64-linux-gnu") + ":" + root.resolve("lib/x86_64-linux-gnu") + ":"
        + root.resolve("usr/lib") + ":" + root.resolve("lib"), s.get(JnaSettings.PLATFORM_PATH));
  }

  @Test
  void whatIsMissingIsLeftToJnasOwnWay(@TempDir Path tmp) throws IOException {
    Path root = tmp.resolve("root");
    Files.createDirectories(root.resolve("usr/lib/aarch64-linux-gnu"));
    // libvirt elsewhere (a folder only ldconfig knows): JNA must still ask ldconfig
    assertEquals(Map.of(), JnaSettings.of(tmp.resolve("no-install"), "Linux", "aarch64", root));
    assertEquals(Map.of(), JnaSettings.of(null, "Linux", "aarch64", root));
    // another architecture's native part only: not named for this one
    Files.createDirectories(tmp.resolve("vcluster/lib/jna/linux-x86-64"));
    Files.createFile(tmp.resolve("vcluster/lib/jna/linux-x86-64/libjnidispatch.so"));
    assertEquals(Map.of(), JnaSettings.of(tmp.resolve("vcluster"), "Linux", "aarch64", root));
    assertEquals(Map.of(), JnaSettings.of(tmp.resolve("vcluster"), "Linux", "riscv64", root));
    assertEquals(Map.of(), JnaSettings.of(tmp.resolve("vcluster"), "Mac OS X", "x86_64", root));
  }

  @Test
  void theFoldersNamedAreOnesWhereJnaFindsThisMachinesLibvirt() {
    Map<String, String> s = JnaSettings.of(null, System.getProperty("os.name"), System.getProperty("os.arch"),
        Path.of("/"));
    if (s.containsKey(JnaSettings.PLATFORM_PATH)) {
      assertTrue(java.util.Arrays.stream(s.get(JnaSettings.PLATFORM_PATH).split(":"))
          .anyMatch(d -> Files.exists(Path.of(d, JnaSettings.LIBVIRT))), s.toString());
    }
    // and the connection opens with them (the JVM running this test has them set)
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      assertTrue(hv.domains().stream().anyMatch(d -> d.name().equals("test")), "the test driver's own domain");
    }
  }
}
