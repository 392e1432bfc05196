package org.virtualservices.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The site key {@code mounts} (docs/hooks.md, "Host folders"). */
class MountsConfigTest {

  @Test
  void offByDefaultWithTheWorkingFolderOnceOn() {
    Mounts m = SiteConfigLoader.parse("", "empty").mounts();
    assertFalse(m.enabled());
    assertTrue(m.workDir());
    assertEquals(List.of(), m.site());
    assertEquals(List.of(), m.userRoots());
    assertEquals("/usr/lib/qemu/virtiofsd", m.virtiofsd());
  }

  @Test
  void siteFoldersAndUserRootsAreRead() {
    Mounts m = SiteConfigLoader.parse(String.join("\n", "mounts:", "  enabled: true",
        "  site:", "    - {source: /home}", "    - {source: /sw, target: /opt/sw, readOnly: true}",
        "  userRoots: [/scratch, /data]"), "site.yaml").mounts();
    assertTrue(m.enabled());
    assertEquals(List.of(new Mounts.SiteMount(Path.of("/home"), null, false),
        new Mounts.SiteMount(Path.of("/sw"), Path.of("/opt/sw"), true)), m.site());
    assertEquals(List.of(Path.of("/scratch"), Path.of("/data")), m.userRoots());
  }

  @Test
  void aTargetTheGuestCannotBeToldAndARelativeRootAreRefusedWithTheirKeys() {
    ConfigException e = assertThrows(ConfigException.class, () -> SiteConfigLoader.parse(String.join("\n",
        "mounts:", "  site:", "    - {source: /home, target: '/my home'}", "    - {source: rel}",
        "  userRoots: [scratch, /a/../b]"), "site.yaml"));
    String all = String.join("\n", e.errors());
    assertTrue(all.contains("mounts.site[0].target: '/my home' is not a plain absolute path"), all);
    assertTrue(all.contains("mounts.site[1].source: an absolute path is needed"), all);
    assertTrue(all.contains("mounts.userRoots[0]: 'scratch' is not an absolute"), all);
    assertTrue(all.contains("mounts.userRoots[1]: '/a/../b' is not an absolute"), all);
  }
}
