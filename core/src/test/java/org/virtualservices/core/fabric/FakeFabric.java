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

  public void failOnSetUp(boolean fail) {
    this.failOnSetUp = fail;
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
  public List<String> tearDown(FabricSpec spec) {
    // only the job's own network, as the real one goes by the job's mark
    networks.computeIfPresent(spec.vni(), (vni, there) -> owns(spec.job(), there) ? null : there);
    return List.of();
  }

  @Override
  public List<String> leftovers(int vni, String job) {
    FabricSpec s = networks.get(vni);
    return s != null && owns(job, s) ? leftovers(vni) : List.of();
  }

  private static boolean owns(String job, FabricSpec there) {
    return FabricSpec.ANY_JOB.equals(job) || there.job().equals(job);
  }

  @Override
  public List<String> leftovers(int vni) {
    FabricSpec s = networks.get(vni);
    List<String> left = new ArrayList<>();
    if (s != null) {
      left.add("bridge " + s.bridge());
      left.add("vxlan " + s.vxlan());
    }
    return left;
  }

  @Override
  public java.util.Set<Integer> networks() {
    return java.util.Set.copyOf(networks.keySet());
  }

  /** The networks made on this node, with what they were made from. */
  public Map<Integer, FabricSpec> specs() {
    return Map.copyOf(networks);
  }
}
