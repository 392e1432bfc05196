package org.virtualservices.core.fabric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class UnderlayResolverTest {

  @Test
  void mapGivesTheConfiguredAddressAndNamesTheMissingNode() {
    UnderlayResolver r = UnderlayResolver.of(Map.of("cn001", "10.1.0.1", "cn002", "10.1.0.2"));
    assertEquals("10.1.0.2", r.resolve("cn002"));
    FabricException e = assertThrows(FabricException.class, () -> r.resolve("cn003"));
    assertTrue(e.getMessage().startsWith("underlay address of node cn003: not in the configured map"), e.getMessage());
  }

  @Test
  void literalTemplateUsesTheNodesNumberWithoutLeadingZeros() {
    UnderlayResolver r = new PatternUnderlayResolver("10.1.0.{num}", UnderlayResolver.of(Map.of()));
    assertEquals("10.1.0.7", r.resolve("cn007"));
    assertThrows(FabricException.class, () -> r.resolve("login"));
  }

  @Test
  void nameTemplateIsResolvedByTheNextResolver() {
    UnderlayResolver r = new PatternUnderlayResolver("{node}-ib", UnderlayResolver.of(Map.of("cn1-ib", "10.2.0.1")));
    assertEquals("10.2.0.1", r.resolve("cn1"));
  }

  @Test
  void aTemplateWithoutPlaceholderIsAConfigurationError() {
    assertThrows(IllegalArgumentException.class, () -> UnderlayResolver.pattern("10.1.0.1"));
  }

  @Test
  void systemResolverReadsTheSystemsTables() { // hosts file and literals only: no DNS query leaves a test
    assertEquals("127.0.0.1", UnderlayResolver.system().resolve("localhost"));
    assertEquals("10.9.8.7", UnderlayResolver.system().resolve("10.9.8.7"));
  }
}
