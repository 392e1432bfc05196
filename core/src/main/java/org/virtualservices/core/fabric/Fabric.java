package org.virtualservices.core.fabric;

import java.util.List;

/**
 * A job's private network on one node: a bridge the VMs' taps join, a VXLAN device that carries it
 * to the job's other nodes, and the rules that keep it the job's own.
 */
public interface Fabric {

  /**
   * Makes the job's network on this node. On failure, what it made is left for {@link #tearDown}.
   *
   * @throws NetworkClashException before anything is made, when something of another network is
   *     already there under this job's VNI, names or subnet: the node is fine, the job is refused
   */
  void setUp(FabricSpec spec) throws FabricException;

  /**
   * Removes everything of the job's network on this node; idempotent ("already gone" is success),
   * keeps going past failures, touches nothing of another job: only what carries the job's
   * {@linkplain NetworkId#mark() mark} is removed, never a look-alike by name alone.
   *
   * @return one line per thing that could not be removed; empty when nothing is left
   */
  List<String> tearDown(NetworkId net);

  /**
   * What of this network exists on this node now (links, addresses, rules), one line each; empty
   * when none. Only what carries the job's mark, unless {@link NetworkId#anyJob}.
   *
   * @throws FabricException when the node's devices or tables cannot be listed
   */
  List<String> leftovers(NetworkId net);

  /** The VNIs of every job network on this node (by their bridges and VXLAN devices), for the sweep. */
  java.util.Set<Integer> networks();
}
