package org.virtualservices.core.fabric.linux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.virtualservices.core.fabric.FabricException;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.NetworkId;
import org.virtualservices.core.net.Cidr;
import org.virtualservices.core.names.Names;

/**
 * What on this node stands in the way of a job's network before anything of it is made: a link
 * under one of its names, a VXLAN device with its VNI and port whatever its name, an nftables
 * table under its name, and on the batch host a route or an address inside its subnet. Each would
 * either make the set-up fail half-way (and a rollback by name would then remove the other job's
 * network) or, for a subnet, make the job's VMs unreachable and the readiness probes reach another
 * job's VMs. Pure functions over what {@link Leftovers} reads; see docs/fabric.md, "No two jobs
 * share a network".
 */
final class Clashes {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Clashes() {
  }

  /** One line per clash; empty when the job's network can be made here. */
  static List<String> find(FabricSpec s, List<Leftovers.Link> links, List<String> tableFamilies, String routesJson) {
    List<String> found = new ArrayList<>();
    for (Leftovers.Link l : links) {
      if (Leftovers.belongsTo(l.name(), s.vni())) {
        found.add("link " + l.name() + " is already there" + owner(l));
      } else if ("vxlan".equals(l.kind()) && l.vni() == s.vni() && (l.port() == 0 || l.port() == s.udpPort())) {
        found.add("VXLAN device " + l.name() + " already carries VNI " + s.vni() + owner(l));
      }
    }
    for (String family : tableFamilies) {
      found.add("nftables table " + family + " " + Names.nftTable(s.vni()) + " is already there");
    }
    if (s.isBatchHost() && !SpecCheck.isIpv6(s.subnet())) {
      Cidr subnet = Cidr.parse(s.subnet());
      for (Leftovers.Link l : links) {
        for (String a : l.addresses()) {
          if (!SpecCheck.isIpv6(a) && overlaps(subnet, a)) {
            found.add("address " + a + " on " + l.name() + " is inside subnet " + s.subnet() + owner(l));
          }
        }
      }
      for (String route : routes(routesJson)) {
        String dst = route.split(" ")[0];
        if (!dst.equals("default") && overlaps(subnet, dst)) {
          found.add("route " + route + " overlaps subnet " + s.subnet());
        }
      }
    }
    return found;
  }

  /** Whether two IPv4 networks (or an address, as a /32) share any address. */
  static boolean overlaps(Cidr subnet, String cidrOrAddress) {
    Cidr other;
    try {
      other = Cidr.parse(cidrOrAddress.contains("/") ? cidrOrAddress : cidrOrAddress + "/32");
    } catch (IllegalArgumentException e) {
      // an address with host bits set, as on an interface: its network is what counts
      String[] p = cidrOrAddress.split("/");
      int len = Integer.parseInt(p[1]);
      long base = Cidr.parseAddress(p[0]) & (len == 0 ? 0 : (0xFFFFFFFFL << (32 - len)) & 0xFFFFFFFFL);
      other = new Cidr(base, len);
    }
    int len = Math.min(subnet.prefixLength(), other.prefixLength());
    long mask = len == 0 ? 0 : (0xFFFFFFFFL << (32 - len)) & 0xFFFFFFFFL;
    return (subnet.base() & mask) == (other.base() & mask);
  }

  /** "DST dev DEV" for each IPv4 route of {@code ip -json route show}. */
  static List<String> routes(String json) {
    List<String> out = new ArrayList<>();
    if (json == null || json.isBlank()) {
      return out;
    }
    try {
      for (JsonNode r : JSON.readTree(json)) {
        String dst = r.path("dst").asText("");
        if (!dst.isEmpty() && !dst.contains(":")) {
          out.add(dst + (r.has("dev") ? " dev " + r.get("dev").asText() : ""));
        }
      }
    } catch (IOException e) {
      throw new FabricException("cannot read the output of ip -json route show: " + e.getMessage(), e);
    }
    return out;
  }

  private static String owner(Leftovers.Link l) {
    return l.alias() != null && l.alias().startsWith(NetworkId.mark("")) ? " (job "
        + l.alias().substring(NetworkId.mark("").length()) + ")" : "";
  }
}
