package org.virtualservices.core.fabric;

import java.util.Map;

/**
 * Finds a node's underlay address, the one its VXLAN endpoint uses, from the resource manager's
 * node name alone: hooks never ask the scheduler (no Slurm command is run from a prolog or epilog).
 * Sites pick one of three: the system resolver ({@code /etc/hosts}, DNS), an explicit map, or a
 * pattern such as {@code {node}-ib} or {@code 10.1.0.{num}}.
 */
public interface UnderlayResolver {

  /**
   * The literal IP address of the node's underlay.
   *
   * @throws FabricException when the node has no such address; the message names the node
   */
  String resolve(String node) throws FabricException;

  static UnderlayResolver system() {
    return new SystemUnderlayResolver();
  }

  static UnderlayResolver of(Map<String, String> addresses) {
    return new MapUnderlayResolver(addresses);
  }

  static UnderlayResolver pattern(String template) {
    return new PatternUnderlayResolver(template, system());
  }
}
