package org.virtualservices.core.fabric;

import java.util.List;

/** No network at all: for sites and tests that boot VMs without a private network. */
public final class NoFabric implements Fabric {
  @Override
  public void setUp(FabricSpec spec) {
  }

  @Override
  public List<String> tearDown(NetworkId net) {
    return List.of();
  }

  @Override
  public List<String> leftovers(NetworkId net) {
    return List.of();
  }

  @Override
  public java.util.Set<Integer> networks() {
    return java.util.Set.of();
  }
}
