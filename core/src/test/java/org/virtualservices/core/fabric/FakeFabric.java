package org.virtualservices.core.fabric;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory fabric for hook simulations: one instance per simulated node, remembering the
 * networks made on it. {@link #failOnSetUp} makes the next set-up fail after it has "made" its
 * network, as a real failure half-way would.
 */
public final class FakeFabric implements Fabric {

  private final Map<Integer, FabricSpec> networks = new ConcurrentHashMap<>();
  private volatile boolean failOnSetUp;
  private volatile boolean failListing;

  public void failOnSetUp(boolean fail) {
    this.failOnSetUp = fail;
  }

  /** Makes listing what is there fail, as a broken {@code ip} or {@code nft} would. */
  public void failListing(boolean fail) {
    this.failListing = fail;
  }

  @Override
  public void setUp(FabricSpec spec) {
    FabricSpec there = networks.get(spec.vni());
    if (there != null) {
      throw new NetworkClashException("job " + spec.job() + ": network of VNI " + spec.vni() + " not made: bridge "
          + there.bridge() + " is already there (job " + there.job() + ")");
    }
    networks.put(spec.vni(), spec);
    if (failOnSetUp) {
      throw new FabricException("fake fabric: set-up of " + spec.bridge() + " made to fail");
    }
  }

  @Override
  public List<String> tearDown(NetworkId net) {
    // only the job's own network, as the real one goes by the job's mark
    networks.computeIfPresent(net.vni(), (vni, there) -> net.owns(there.mark()) ? null : there);
    return List.of();
  }

  @Override
  public List<String> leftovers(NetworkId net) {
    if (failListing) {
      throw new FabricException("fake fabric: listing made to fail");
    }
    FabricSpec s = networks.get(net.vni());
    List<String> left = new ArrayList<>();
    if (s != null && net.owns(s.mark())) {
      left.add("bridge " + s.bridge());
      left.add("vxlan " + s.vxlan());
    }
    return left;
  }

  /** A network of this job and VNI, as a prolog of an older version or another product might leave. */
  public void plant(String job, int vni) {
    setUp(new FabricSpec(job, vni, org.virtualservices.core.names.Names.bridge(vni),
        org.virtualservices.core.names.Names.vxlan(vni), 4789, 1450, "192.0.2.1", null, List.of(), null, null,
        "10.0.0.0/24", 0, List.of(), false));
  }

  @Override
  public java.util.Set<Integer> networks() {
    if (failListing) {
      throw new FabricException("fake fabric: listing made to fail");
    }
    return java.util.Set.copyOf(networks.keySet());
  }

  /** The networks made on this node, with what they were made from. */
  public Map<Integer, FabricSpec> specs() {
    return Map.copyOf(networks);
  }
}
