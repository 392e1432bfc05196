package org.virtualservices.core.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pause, save, restore and resume through libvirt's test driver (the real API, no hypervisor): the
 * calls a checkpoint makes, virDomainRestoreFlags among them (bound here by JNA). The test driver
 * refuses a changed definition at restore ({@code dxml}); QEMU's takes it (the e2e checkpoint).
 */
class LibvirtSaveRestoreTest {

  private static String xml(String name) {
    return "<domain type='test'><name>" + name + "</name><memory unit='MiB'>64</memory>"
        + "<os><type arch='x86_64'>hvm</type></os></domain>";
  }

  @Test
  void aPausedDomainSavedIsShutOffAndComesBackRunning(@TempDir Path dir) throws Exception {
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      hv.define("vcsave-0", xml("vcsave-0"));
      hv.start("vcsave-0");
      hv.suspend("vcsave-0");
      assertEquals(DomainState.PAUSED, hv.state("vcsave-0"));
      Path state = dir.resolve("vcsave-0.state");
      hv.save("vcsave-0", state);
      assertTrue(Files.size(state) > 0, "the state file is written");
      assertEquals(DomainState.SHUTOFF, hv.state("vcsave-0"));
      hv.restore("vcsave-0", state, Optional.empty(), 0);
      assertEquals(DomainState.RUNNING, hv.state("vcsave-0"));
      assertTrue(hv.setGuestTime("vcsave-0", 1_700_000_000L), "the test driver answers as an agent would");
      assertFalse(hv.setGuestTime("vcnone-0", 1_700_000_000L), "no such domain: false, never an exception");
      hv.remove("vcsave-0");
    }
  }

  @Test
  void aRestoreFromAMissingFileSaysWhichAndWhere(@TempDir Path dir) {
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      HypervisorException e = assertThrows(HypervisorException.class,
          () -> hv.restore("vcnone-0", dir.resolve("none.state"), Optional.empty(), 0));
      assertTrue(e.getMessage().startsWith("restore domain vcnone-0 from " + dir.resolve("none.state")
          + " on test:///default: "), e.getMessage());
      assertThrows(HypervisorException.class, () -> hv.suspend("vcnone-0"));
    }
  }
}
