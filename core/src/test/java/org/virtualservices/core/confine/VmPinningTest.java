package org.virtualservices.core.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VmPinningTest {

  private static Map<String, Integer> vms(int... vcpus) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < vcpus.length; i++) {
      m.put("vc7-" + i, vcpus[i]);
    }
    return m;
  }

  @Test
  void eachVcpuGetsACpuOfItsOwnWhileThereAreEnough() {
    Map<String, VmPinning> p = VmPinning.spread(CpuList.parse("4-7"), vms(2, 1, 1));
    assertEquals(List.of(4, 5), p.get("vc7-0").vcpus());
    assertEquals(List.of(6), p.get("vc7-1").vcpus());
    assertEquals(List.of(7), p.get("vc7-2").vcpus());
    p.values().forEach(v -> assertEquals("4-7", v.all().toString()));
  }

  @Test
  void moreVcpusThanCpusGoRoundThemEvenly() {
    Map<String, VmPinning> p = VmPinning.spread(CpuList.parse("1,3"), vms(3, 2));
    assertEquals(List.of(1, 3, 1), p.get("vc7-0").vcpus());
    assertEquals(List.of(3, 1), p.get("vc7-1").vcpus());
  }

  @Test
  void noCpuNoPinning() {
    assertThrows(IllegalArgumentException.class, () -> VmPinning.spread(CpuList.of(List.of()), vms(1)));
  }
}
