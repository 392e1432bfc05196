package org.virtualservices.core.fabric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FabricSpecsTest {

  @Test
  void guestMtuLeavesRoomForTheEncapsulation() {
    assertEquals(1450, FabricSpecs.guestMtu(1500, false));
    assertEquals(8950, FabricSpecs.guestMtu(9000, false));
    assertEquals(1430, FabricSpecs.guestMtu(1500, true));
    assertThrows(IllegalArgumentException.class, () -> FabricSpecs.guestMtu(100, false));
  }

  @Test
  void peersAreTheOtherNodesInAllocationOrder() {
    Map<String, List<String>> macs = new LinkedHashMap<>();
    macs.put("cn3", List.of("52:54:00:00:00:01"));
    macs.put("cn1", List.of("52:54:00:00:00:02", "52:54:00:00:00:03"));
    macs.put("cn2", List.of());
    List<Peer> peers = FabricSpecs.peers("cn1", macs, new PatternUnderlayResolver("10.1.0.{num}", n -> n));
    assertEquals(List.of(new Peer("cn3", "10.1.0.3", List.of("52:54:00:00:00:01")),
        new Peer("cn2", "10.1.0.2", List.of())), peers);
  }
}
