package org.virtualservices.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DomainTest {

  static Domain of(String type, int overheadMiB, int tcgCacheMiB) {
    return new Domain(type, "pc", null, "x86_64", false, null, null, null, Domain.CpuPinning.job, overheadMiB, true,
        tcgCacheMiB);
  }

  /** Under TCG the code cache QEMU is given counts in the hard limit, so a busy guest's QEMU is not killed for it. */
  @Test
  void theHardLimitHoldsTheVmQemuAndUnderTcgItsCodeCache() {
    assertEquals(384 + 256 + 128, of("qemu", 256, 128).hardLimitMiB(384));
    assertEquals(384 + 256, of("kvm", 256, 128).hardLimitMiB(384), "KVM translates nothing");
    assertEquals(384 + 256, of("qemu", 256, 0).hardLimitMiB(384), "0: QEMU's default, not bounded, not counted");
    assertEquals(384, of("qemu", 0, 0).hardLimitMiB(384));
    assertEquals(0, of("kvm", 256, 128).tcgCache());
  }

  @Test
  void theDefaultsBoundTheCacheUnderTcg() {
    Domain d = SiteConfigLoader.parse("domain: {type: qemu}", "f").domain();
    assertEquals(128, d.tcgCache());
    assertEquals(384 + 256 + 128, d.hardLimitMiB(384));
  }
}
