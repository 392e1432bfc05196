package org.virtualservices.core.fabric.linux;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.virtualservices.core.fabric.Endpoint;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.Peer;
import org.virtualservices.core.names.Names;

/**
 * The batch input that makes a job's network on one node: pure text, one function per program, so
 * that a node of a 1,000-node job costs three processes ({@code ip -batch -}, {@code bridge -batch -},
 * {@code nft -f -}) and the text can be tested without root.
 *
 * <p>Every value is checked by {@link SpecCheck} before it gets here.
 */
final class FabricScripts {

  /** The MAC of the head-end replication entries: "any destination not known", see bridge(8), fdb. */
  static final String ALL_ZEROS = "00:00:00:00:00:00";
  /** The named counter of the bridge table that counts frames dropped for a forged source. */
  static final String SPOOF_COUNTER = "spoofed";
  /** Broadcast and multicast frames a VM sent beyond its rate: see {@link FabricSpec#floodLimit}. */
  static final String FLOOD_COUNTER = "flooded";
  /** VXLAN datagrams with the job's VNI from an address that is not one of its peers. */
  static final String UNDERLAY_FORGED_COUNTER = "underlay_forged";
  /** VXLAN datagrams with the job's VNI that a user's socket tried to send from this node. */
  static final String UNDERLAY_USER_COUNTER = "underlay_user";
  /** Packets routed into or out of the job's bridge, or sent from it to the node, that were dropped. */
  static final String ISOLATED_COUNTER = "isolated";

  private FabricScripts() {
  }

  /**
   * Input for {@code ip -batch -}: the bridge and the VXLAN device (both at the guest MTU, so a
   * full-size guest frame plus the 50 bytes of VXLAN encapsulation fits the underlay), the VXLAN
   * enslaved to the bridge, both up, and on the batch host the gateway address. See ip-link(8),
   * "VXLAN Type Support".
   */
  static String ipBatch(FabricSpec s, boolean ipv6) {
    StringBuilder b = new StringBuilder();
    // An address of its own from the start: a bridge without one takes its lowest port's, and a
    // change of address flushes its neighbour entries, the permanent ones included (the ARP answers
    // below would then go, whenever a tap with a lower MAC joined).
    b.append("link add name ").append(s.bridge()).append(" address ").append(bridgeMac(s)).append(" mtu ")
        .append(s.guestMtu()).append(" type bridge stp_state 0\n");
    mark(b, s, s.bridge(), ipv6);
    b.append("link add name ").append(s.vxlan()).append(" mtu ").append(s.guestMtu())
        .append(" type vxlan id ").append(s.vni())
        .append(" dstport ").append(s.udpPort())
        .append(" local ").append(s.localAddress());
    if (s.multicastGroup() != null) {
      b.append(" group ").append(s.multicastGroup());
    }
    if (s.underlayDevice() != null) {
      b.append(" dev ").append(s.underlayDevice());
    }
    // nolearning: the forwarding table is written from the plan; a learnt entry could be poisoned
    b.append(" nolearning\n");
    mark(b, s, s.vxlan(), ipv6);
    b.append("link set dev ").append(s.vxlan()).append(" master ").append(s.bridge()).append('\n');
    // ARP for a remote VM is answered by this bridge from the neighbour entries below, and not
    // sent to the peers: the port of the VMs behind it suppresses it (bridge(8), neigh_suppress)
    b.append("link set dev ").append(s.vxlan()).append(" type bridge_slave neigh_suppress on\n");
    b.append("link set dev ").append(s.vxlan()).append(" up\n");
    b.append("link set dev ").append(s.bridge()).append(" up\n");
    if (s.gatewayCidr() != null) {
      b.append("address add ").append(s.gatewayCidr()).append(" dev ").append(s.bridge()).append('\n');
    }
    for (Peer p : s.peers()) {
      if (p.underlayAddress().equals(s.localAddress())) {
        continue;
      }
      for (int i = 0; i < p.vmIps().size(); i++) {
        b.append("neigh replace ").append(p.vmIps().get(i)).append(" lladdr ")
            .append(p.vmMacs().get(i).toLowerCase(Locale.ROOT)).append(" dev ").append(s.bridge())
            .append(" nud permanent\n");
      }
    }
    return b.toString();
  }

  /**
   * The bridge's MAC: locally administered ({@code 06:}, so never a VM's {@code 02:}), and 40 bits
   * of SHA-256 over the VNI and this node's underlay address, so the bridges of one job differ
   * from node to node (a frame from the gateway must not look like a remote bridge's own).
   */
  static String bridgeMac(FabricSpec s) {
    byte[] h;
    try {
      h = java.security.MessageDigest.getInstance("SHA-256").digest((s.vni() + "/" + s.localAddress())
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is in every JDK", e);
    }
    return String.format("06:%02x:%02x:%02x:%02x:%02x", h[0], h[1], h[2], h[3], h[4]);
  }

  /**
   * The job's mark on a device it makes (its alias: teardown removes only what carries it), and no
   * IPv6 address on it (addrgenmode none, set before the device is up): without a link-local
   * address no process of the node can reach the job's VMs through the bridge by IPv6. Skipped on
   * a kernel without IPv6, where there is nothing to turn off.
   */
  private static void mark(StringBuilder b, FabricSpec s, String dev, boolean ipv6) {
    b.append("link set dev ").append(dev).append(" alias ").append(s.mark()).append('\n');
    if (ipv6) {
      b.append("link set dev ").append(dev).append(" addrgenmode none\n");
    }
  }

  /**
   * Input for {@code bridge -batch -}: with head-end replication one all-zeros entry per peer node
   * (broadcast, unknown unicast and multicast are sent to each of them), and with either mode one
   * entry per remote VM MAC pointing at its node, so unicast goes to one node only. Empty when there
   * is nothing to write (a one-node job).
   */
  static String fdbBatch(FabricSpec s) {
    StringBuilder b = new StringBuilder();
    Set<String> seen = new LinkedHashSet<>();
    for (Peer p : s.peers()) {
      if (p.underlayAddress().equals(s.localAddress()) || !seen.add(p.underlayAddress())) {
        continue; // never replicate to ourselves, nor twice to one node
      }
      if (s.multicastGroup() == null) {
        b.append("fdb append ").append(ALL_ZEROS).append(" dev ").append(s.vxlan())
            .append(" dst ").append(p.underlayAddress()).append(" self permanent\n");
      }
    }
    for (Peer p : s.peers()) {
      if (p.underlayAddress().equals(s.localAddress())) {
        continue;
      }
      for (String mac : p.vmMacs()) {
        String m = mac.toLowerCase(Locale.ROOT);
        b.append("fdb replace ").append(m).append(" dev ").append(s.vxlan())
            .append(" dst ").append(p.underlayAddress()).append(" self permanent\n");
        if (!p.vmIps().isEmpty()) {
          // the bridge's own entry: the ARP suppression answers only for a MAC it knows the port of
          b.append("fdb replace ").append(m).append(" dev ").append(s.vxlan()).append(" master static\n");
        }
      }
    }
    return b.toString();
  }

  /**
   * Input for {@code nft -f -}: on every node the bridge-family table (anti-spoofing and the flood
   * limit) and the inet-family table (the underlay guard and the job's isolation), and on the batch
   * host the owner-only chains in the latter. Both tables carry the job's mark as their comment.
   * They are {@code create}d, which fails if a table of that name exists: the whole transaction is
   * then refused and another job's table is left as it is. See nft(8), "BRIDGE FAMILY", and
   * docs/fabric.md, "Rules".
   */
  static String nftRuleset(FabricSpec s) {
    String table = Names.nftTable(s.vni());
    StringBuilder b = new StringBuilder();
    // the comment only takes when the table is created: it is given with the create
    for (String family : List.of("bridge", "inet")) {
      b.append("create table ").append(family).append(' ').append(table).append(" { comment ").append(quote(s.mark()))
          .append("; }\n");
    }
    b.append("table bridge ").append(table).append(" {\n");
    b.append("  counter ").append(SPOOF_COUNTER).append(" {\n  }\n");
    b.append("  counter ").append(FLOOD_COUNTER).append(" {\n  }\n");
    // prerouting sees every frame that enters the bridge from a port, whether it is then forwarded
    // to another port or delivered to the host (the gateway address), so one chain guards both.
    b.append("  chain guard {\n");
    b.append("    type filter hook prerouting priority -200; policy accept;\n");
    Set<String> localMacs = new LinkedHashSet<>();
    boolean v4Subnet = s.subnet() != null && !SpecCheck.isIpv6(s.subnet());
    for (Endpoint e : s.endpoints()) {
      String tap = quote(e.tap());
      String mac = e.mac().toLowerCase(Locale.ROOT);
      localMacs.add(mac);
      // Taps are matched by name (iifname), not index: libvirt makes them after this table is loaded.
      if (s.floodLimit() > 0) {
        // One limit per rule, so per VM: broadcast and multicast (the group bit of the destination)
        // beyond the rate are dropped before head-end replication copies them to every peer.
        b.append("    iifname ").append(tap).append(" ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 limit rate over ")
            .append(s.floodLimit()).append("/second burst ").append(s.floodLimit()).append(" packets counter name ")
            .append(FLOOD_COUNTER).append(" drop\n");
      }
      if (!SpecCheck.isIpv6(e.ip())) {
        b.append("    iifname ").append(tap).append(" ether saddr ").append(mac)
            .append(" arp saddr ether ").append(mac).append(" arp saddr ip ").append(e.ip());
        if (v4Subnet) {
          // ARP for the job's own addresses only: not for the node's underlay addresses, which the
          // node would otherwise answer on the bridge as on any interface
          b.append(" arp daddr ip ").append(s.subnet());
        }
        b.append(" accept\n");
      }
      b.append("    iifname ").append(tap).append(" ether saddr ").append(mac).append(' ')
          .append(SpecCheck.isIpv6(e.ip()) ? "ip6" : "ip").append(" saddr ").append(e.ip()).append(" accept\n");
      b.append("    iifname ").append(tap).append(" counter name ").append(SPOOF_COUNTER).append(" drop\n");
    }
    // Any other tap of this job (a VM the plan does not place here, or a name that is not an
    // endpoint's) may send nothing at all.
    b.append("    iifname \"").append(Names.TAP_PREFIX).append(s.vni()).append("-*\" counter name ")
        .append(SPOOF_COUNTER).append(" drop\n");
    if (!localMacs.isEmpty()) {
      // A remote node must not claim a MAC of a VM that lives here.
      b.append("    iifname ").append(quote(s.vxlan())).append(" ether saddr { ")
          .append(String.join(", ", localMacs)).append(" } counter name ").append(SPOOF_COUNTER).append(" drop\n");
    }
    b.append("  }\n}\n");
    appendInetTable(b, s, table);
    return b.toString();
  }

  /**
   * The inet-family table of every node: the underlay guard (VXLAN datagrams with the job's VNI
   * only from its peers, and from no user's socket), the job's isolation (nothing routed into or
   * out of its bridge but what the site allows, nothing of the node reachable from the bridge but
   * the gateway address), and on the batch host the owner-only chains.
   */
  private static void appendInetTable(StringBuilder b, FabricSpec s, String table) {
    String bridge = quote(s.bridge());
    b.append("table inet ").append(table).append(" {\n");
    for (String counter : List.of(UNDERLAY_FORGED_COUNTER, UNDERLAY_USER_COUNTER, ISOLATED_COUNTER)) {
      b.append("  counter ").append(counter).append(" {\n  }\n");
    }
    // The VNI is matched inside the VXLAN header (RFC 7348: UDP header 8 bytes, then flags 1 and
    // reserved 3, then the 24-bit VNI), so a rule of this job never touches another job's datagrams.
    String vxlanOfJob = "udp dport " + s.udpPort() + " @th,96,24 " + s.vni();
    b.append("  chain underlay_in {\n");
    b.append("    type filter hook input priority -150; policy accept;\n");
    List<String> peers = peerAddresses(s);
    b.append("    ").append(vxlanOfJob);
    if (!peers.isEmpty()) {
      b.append(' ').append(SpecCheck.isIpv6(s.localAddress()) ? "ip6" : "ip").append(" saddr != { ")
          .append(String.join(", ", peers)).append(" }");
    }
    b.append(" counter name ").append(UNDERLAY_FORGED_COUNTER).append(" drop\n");
    // From the bridge the node offers the VMs nothing but the gateway address (batch host), and
    // on other nodes nothing at all: the bridge has no address there, yet the node would answer.
    b.append("    iifname ").append(bridge);
    if (s.isBatchHost() && !SpecCheck.isIpv6(s.gatewayCidr())) {
      b.append(" ip daddr ").append(s.gatewayCidr(), 0, s.gatewayCidr().indexOf('/')).append(" accept\n");
      b.append("    iifname ").append(bridge);
    } else if (s.isBatchHost()) {
      b.append(" ip6 daddr ").append(s.gatewayCidr(), 0, s.gatewayCidr().indexOf('/')).append(" accept\n");
      b.append("    iifname ").append(bridge);
    }
    b.append(" counter name ").append(ISOLATED_COUNTER).append(" drop\n");
    b.append("  }\n");
    // A datagram the kernel's VXLAN device sends carries the socket of the process whose traffic
    // it encapsulates, if any (the batch host's own connections to the VMs: root's probes, the
    // owner's ssh), and none for the VMs' frames; a user's own UDP socket carries that user.
    b.append("  chain underlay_out {\n");
    b.append("    type filter hook output priority -150; policy accept;\n");
    b.append("    ").append(vxlanOfJob).append(" meta skuid != { 0, ").append(Math.max(0, s.ownerUid()))
        .append(" } counter name ").append(UNDERLAY_USER_COUNTER).append(" drop\n");
    b.append("  }\n");
    appendIsolation(b, s, bridge);
    if (s.isBatchHost()) {
      appendOwnerChains(b, s, bridge);
    }
    b.append("}\n");
  }

  /**
   * Nothing is routed into the job's bridge or out of it, whatever the site's IP forwarding, except
   * with {@code outboundNat}: the subnet's own traffic out to anything but another job's bridge,
   * and the replies. Frames between the job's own ports are bridged, not routed; with br_netfilter
   * they show here with the bridge as both interfaces, and are left alone.
   */
  private static void appendIsolation(StringBuilder b, FabricSpec s, String bridge) {
    String ip = SpecCheck.isIpv6(s.subnet()) ? "ip6" : "ip";
    b.append("  chain isolate {\n");
    b.append("    type filter hook forward priority -150; policy accept;\n");
    b.append("    iifname ").append(bridge).append(" oifname ").append(bridge).append(" accept\n");
    if (s.outboundNat()) {
      b.append("    iifname ").append(bridge).append(" oifname != \"").append(Names.BRIDGE_PREFIX).append("*\" ")
          .append(ip).append(" saddr ").append(s.subnet()).append(" accept\n");
    }
    b.append("    iifname ").append(bridge).append(" counter name ").append(ISOLATED_COUNTER).append(" drop\n");
    if (s.outboundNat()) {
      b.append("    oifname ").append(bridge).append(' ').append(ip).append(" daddr ").append(s.subnet())
          .append(" ct state established,related accept\n");
    }
    b.append("    oifname ").append(bridge).append(" counter name ").append(ISOLATED_COUNTER).append(" drop\n");
    b.append("  }\n");
  }

  private static void appendOwnerChains(StringBuilder b, FabricSpec s, String bridge) {
    String ip = SpecCheck.isIpv6(s.subnet()) ? "ip6" : "ip";
    // Only new connections are judged: replies to connections a VM opened towards the host stay
    // allowed, and packets the kernel sends without a socket (RSTs, ICMP errors) are not new. The
    // bridge is matched as well as the subnet: a route through it must not be a way round the rule.
    b.append("  chain owner {\n");
    b.append("    type filter hook output priority 0; policy accept;\n");
    b.append("    ").append(ip).append(" daddr ").append(s.subnet()).append(" ct state new jump admit\n");
    b.append("    oifname ").append(bridge).append(" ct state new jump admit\n");
    b.append("  }\n");
    b.append("  chain admit {\n");
    b.append("    meta skuid { 0, ").append(s.ownerUid()).append(" } accept\n");
    b.append("    meta l4proto tcp counter reject with tcp reset\n");
    b.append("    counter reject with icmpx admin-prohibited\n");
    b.append("  }\n");
    if (s.outboundNat()) {
      b.append("  chain outbound {\n");
      b.append("    type nat hook postrouting priority 100; policy accept;\n");
      b.append("    ").append(ip).append(" saddr ").append(s.subnet()).append(" oifname != ").append(bridge)
          .append(" masquerade\n");
      b.append("  }\n");
    }
  }

  /** The peers' underlay addresses, once each, without this node's own. */
  static List<String> peerAddresses(FabricSpec s) {
    Set<String> seen = new LinkedHashSet<>();
    for (Peer p : s.peers()) {
      if (!p.underlayAddress().equals(s.localAddress())) {
        seen.add(p.underlayAddress());
      }
    }
    return List.copyOf(seen);
  }

  /**
   * Input for {@code nft -f -} that removes exactly these tables, by handle: a table another job
   * made under the same name since they were listed has another handle, and is not touched.
   */
  static String nftRemoval(List<Leftovers.Table> tables) {
    StringBuilder b = new StringBuilder();
    for (Leftovers.Table t : tables) {
      b.append("delete table ").append(t.family()).append(" handle ").append(t.handle()).append('\n');
    }
    return b.toString();
  }

  private static String quote(String name) {
    return "\"" + name + "\"";
  }
}
