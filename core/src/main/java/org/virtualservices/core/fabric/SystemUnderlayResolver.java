package org.virtualservices.core.fabric;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Resolves a node name the way the system does ({@code /etc/hosts}, then DNS, per nsswitch.conf).
 * An IPv4 address is preferred when the name has both, because every node of a job must use the
 * same family for VXLAN and IPv4 underlays are the common case on clusters.
 */
public final class SystemUnderlayResolver implements UnderlayResolver {

  @Override
  public String resolve(String node) {
    try {
      InetAddress[] all = InetAddress.getAllByName(node);
      for (InetAddress a : all) {
        if (a instanceof Inet4Address) {
          return a.getHostAddress();
        }
      }
      return all[0].getHostAddress();
    } catch (UnknownHostException e) {
      throw new FabricException("underlay address of node " + node + ": the name does not resolve", e);
    }
  }
}
