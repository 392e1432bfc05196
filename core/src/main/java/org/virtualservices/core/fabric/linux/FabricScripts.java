package org.virtualservices.core.fabric.linux;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import org.virtualservices.core.fabric.Endpoint;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.Peer;
import org.virtualservices.core.plan.Names;

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

  private FabricScripts() {
  }

  /**
   * Input for {@code ip -batch -}: the bridge and the VXLAN device (both at the guest MTU, so a
   * full-size guest frame plus the 50 bytes of VXLAN encapsulation fits the underlay), the VXLAN
   * enslaved to the bridge, both up, and on the batch host the gateway address. See ip-link(8),
   * "VXLAN Type Support".
   */
  static String ipBatch(FabricSpec s) {
    StringBuilder b = new StringBuilder();
    b.append("link add name ").append(s.bridge()).append(" mtu ").append(s.guestMtu())
        .append(" type bridge stp_state 0\n");
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
    b.append("link set dev ").append(s.vxlan()).append(" master ").append(s.bridge()).append('\n');
    b.append("link set dev ").append(s.vxlan()).append(" up\n");
    b.append("link set dev ").append(s.bridge()).append(" up\n");
    if (s.gatewayCidr() != null) {
      b.append("address add ").append(s.gatewayCidr()).append(" dev ").append(s.bridge()).append('\n');
    }
    return b.toString();
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
        b.append("fdb replace ").append(mac.toLowerCase(Locale.ROOT)).append(" dev ").append(s.vxlan())
            .append(" dst ").append(p.underlayAddress()).append(" self permanent\n");
      }
    }
    return b.toString();
  }

  /**
   * Input for {@code nft -f -}: the anti-spoofing table (bridge family) on every node and, on the
   * batch host, the owner-only table (inet family). Each table is first added and deleted in the
   * same transaction, so loading it again replaces it atomically. See nft(8), "BRIDGE FAMILY".
   */
  static String nftRuleset(FabricSpec s) {
    String table = Names.nftTable(s.vni());
    StringBuilder b = new StringBuilder();
    b.append("add table bridge ").append(table).append('\n');
    b.append("delete table bridge ").append(table).append('\n');
    b.append("table bridge ").append(table).append(" {\n");
    b.append("  counter ").append(SPOOF_COUNTER).append(" {\n  }\n");
    // prerouting sees every frame that enters the bridge from a port, whether it is then forwarded
    // to another port or delivered to the host (the gateway address), so one chain guards both.
    b.append("  chain guard {\n");
    b.append("    type filter hook prerouting priority -200; policy accept;\n");
    Set<String> localMacs = new LinkedHashSet<>();
    for (Endpoint e : s.endpoints()) {
      String tap = quote(e.tap());
      String mac = e.mac().toLowerCase(Locale.ROOT);
      localMacs.add(mac);
      // Taps are matched by name (iifname), not index: libvirt makes them after this table is loaded.
      if (!SpecCheck.isIpv6(e.ip())) {
        b.append("    iifname ").append(tap).append(" ether saddr ").append(mac)
            .append(" arp saddr ether ").append(mac).append(" arp saddr ip ").append(e.ip()).append(" accept\n");
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
    if (s.isBatchHost()) {
      appendOwnerTable(b, s, table);
    }
    return b.toString();
  }

  private static void appendOwnerTable(StringBuilder b, FabricSpec s, String table) {
    String ip = SpecCheck.isIpv6(s.subnet()) ? "ip6" : "ip";
    String bridge = quote(s.bridge());
    b.append("add table inet ").append(table).append('\n');
    b.append("delete table inet ").append(table).append('\n');
    b.append("table inet ").append(table).append(" {\n");
    // Only new connections are judged: replies to connections a VM opened towards the host stay
    // allowed, and packets the kernel sends without a socket (RSTs, ICMP errors) are not new. The
    // bridge is matched as well as the subnet: the bridge has an IPv6 link-local address, and a
    // route through it must not be a way round the rule.
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
      b.append("  chain forward {\n");
      b.append("    type filter hook forward priority 0; policy accept;\n");
      b.append("    iifname ").append(bridge).append(" oifname != ").append(bridge).append(' ').append(ip)
          .append(" saddr ").append(s.subnet()).append(" accept\n");
      b.append("    oifname ").append(bridge).append(' ').append(ip).append(" daddr ").append(s.subnet())
          .append(" ct state established,related accept\n");
      b.append("  }\n");
      b.append("  chain outbound {\n");
      b.append("    type nat hook postrouting priority 100; policy accept;\n");
      b.append("    ").append(ip).append(" saddr ").append(s.subnet()).append(" oifname != ").append(bridge)
          .append(" masquerade\n");
      b.append("  }\n");
    }
    b.append("}\n");
  }

  /** Input for {@code nft -f -} that removes both of the job's tables, present or not, in one transaction. */
  static String nftRemoval(int vni) {
    String table = Names.nftTable(vni);
    return "add table bridge " + table + "\ndelete table bridge " + table + "\n"
        + "add table inet " + table + "\ndelete table inet " + table + "\n";
  }

  private static String quote(String name) {
    return "\"" + name + "\"";
  }
}
