package org.virtualservices.core.fabric;

import java.util.Map;
import java.util.TreeMap;

/** Underlay addresses listed in the site configuration, node by node. */
public final class MapUnderlayResolver implements UnderlayResolver {

  private final Map<String, String> addresses;

  public MapUnderlayResolver(Map<String, String> addresses) {
    this.addresses = Map.copyOf(addresses);
  }

  @Override
  public String resolve(String node) {
    String a = addresses.get(node);
    if (a == null) {
      throw new FabricException("underlay address of node " + node + ": not in the configured map ("
          + addresses.size() + " nodes, e.g. " + new TreeMap<>(addresses).keySet().stream().limit(3).toList() + ")");
    }
    return a;
  }
}
