package org.virtualservices.core.fabric;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FabricSpecsTest {

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
