package org.virtualservices.core.fabric.linux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandFailedException;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.fabric.FabricException;
import org.virtualservices.core.fabric.NetworkId;
import org.virtualservices.core.names.Names;

/**
 * Finds what of a job's network exists on this node, by name alone (the journal may be gone):
 * links named after the VNI with their addresses, and the nftables tables named after it. The
 * parsers are pure functions, tested against captured output.
 */
final class Leftovers {

  /**
   * A network interface: its addresses in CIDR notation, its alias (a job's mark, or null), the
   * bridge it is a port of (or null), its kind ("bridge", "vxlan", ... or null) and, for a VXLAN
   * device, its VNI and UDP port (0 otherwise).
   */
  record Link(String name, List<String> addresses, String alias, String master, String kind, int vni, int port) {
    Link(String name, List<String> addresses) {
      this(name, addresses, null, null, null, 0, 0);
    }

  }

  private final CommandRunner runner;
  private final NetTools tools;

  Leftovers(CommandRunner runner, NetTools tools) {
    this.tools = tools;
    this.runner = runner;
  }

  /** Every link on this node, with its addresses and details ({@code ip -details -json address show}). */
  List<Link> links() {
    return parseLinks(query("list links", Command.of(tools.ip(), "-details", "-json", "address", "show")));
  }

  /** The VNIs whose bridge or VXLAN device exists on this node. */
  java.util.Set<Integer> vnis() {
    java.util.Set<Integer> vnis = new java.util.TreeSet<>();
    for (Link l : links()) {
      for (String prefix : List.of(Names.BRIDGE_PREFIX, Names.VXLAN_PREFIX)) {
        String rest = l.name().startsWith(prefix) ? l.name().substring(prefix.length()) : "";
        if (rest.matches("[1-9][0-9]{0,7}")) {
          vnis.add(Integer.parseInt(rest));
        }
      }
    }
    return vnis;
  }

  /**
   * What of the network with this VNI that the job made exists now: its marked links, the taps
   * on its marked bridge, and its marked tables. A look-alike of another job is not this job's.
   */
  List<String> of(NetworkId net) {
    List<String> left = new ArrayList<>();
    List<Link> links = links();
    for (Link l : ours(links, net)) {
      left.add("link " + l.name() + (l.addresses().isEmpty() ? "" : " with address " + String.join(", ",
          l.addresses())));
    }
    for (Table t : tables(net.vni())) {
      if (net.owns(t.comment())) {
        left.add("nftables table " + t.family() + " " + Names.nftTable(net.vni()));
      }
    }
    return left;
  }

  /**
   * The links of this VNI that the job made: its bridge and VXLAN device if they carry its mark,
   * and the taps named after the VNI that are ports of that bridge (libvirt makes the taps, which
   * carry no mark). The sweep ({@link NetworkId#anyJob}) takes every link named after the VNI.
   */
  static List<Link> ours(List<Link> links, NetworkId net) {
    int vni = net.vni();
    boolean bridgeOurs = links.stream().anyMatch(l -> l.name().equals(net.bridge()) && net.owns(l.alias()));
    List<Link> out = new ArrayList<>();
    for (Link l : links) {
      if (!belongsTo(l.name(), vni)) {
        continue;
      }
      boolean tap = l.name().startsWith(Names.TAP_PREFIX);
      if (net.claimsAll() || (tap ? bridgeOurs && net.bridge().equals(l.master()) : net.owns(l.alias()))) {
        out.add(l);
      }
    }
    return out;
  }

  /** A job's nftables table: its family, its handle (to delete exactly it) and its comment (the mark). */
  record Table(String family, long handle, String comment) {
  }

  /** The tables named after this VNI, with handle and comment ({@code nft -a list table} of each). */
  List<Table> tables(int vni) {
    List<Table> out = new ArrayList<>();
    for (String family : tableFamilies(vni)) {
      CommandResult r = runner.run(Command.of(tools.nft(), "-a", "list", "table", family, Names.nftTable(vni)));
      if (r.ok()) { // gone in between: nothing to say about it
        out.add(parseTable(family, r.stdout()));
      }
    }
    return out;
  }

  /** The families of the tables named after this VNI ({@code nft list tables}). */
  List<String> tableFamilies(int vni) {
    return parseTables(query("list nftables tables", Command.of(tools.nft(), "list", "tables")), vni);
  }

  /** Reads the handle and the comment of {@code nft -a list table FAMILY NAME}. */
  static Table parseTable(String family, String text) {
    java.util.regex.Matcher h = java.util.regex.Pattern.compile("^table \\S+ \\S+ \\{ # handle (\\d+)",
        java.util.regex.Pattern.MULTILINE).matcher(text);
    java.util.regex.Matcher c = java.util.regex.Pattern.compile("^\\s*comment \"([^\"]*)\"",
        java.util.regex.Pattern.MULTILINE).matcher(text);
    return new Table(family, h.find() ? Long.parseLong(h.group(1)) : -1, c.find() ? c.group(1) : null);
  }

  /**
   * Whether a link name is one of this VNI's: its bridge, its VXLAN device, or a tap
   * {@code vt<vni>-<n>}. Exact, so VNI 42 never claims {@code vcbr421} or {@code vt421-0}.
   */
  static boolean belongsTo(String link, int vni) {
    return link.equals(Names.bridge(vni)) || link.equals(Names.vxlan(vni))
        || link.startsWith(Names.TAP_PREFIX + vni + "-");
  }

  /** Parses {@code ip -json address show}. */
  static List<Link> parseLinks(String json) {
    List<Link> links = new ArrayList<>();
    try {
      for (JsonNode link : new ObjectMapper().readTree(json)) {
        List<String> addresses = new ArrayList<>();
        for (JsonNode a : link.path("addr_info")) {
          if (a.has("local")) {
            addresses.add(a.get("local").asText() + "/" + a.path("prefixlen").asInt());
          }
        }
        JsonNode info = link.path("linkinfo");
        JsonNode data = info.path("info_data");
        links.add(new Link(link.path("ifname").asText(), addresses, text(link, "ifalias"), text(link, "master"),
            text(info, "info_kind"), data.path("id").asInt(0), data.path("port").asInt(0)));
      }
    } catch (IOException e) {
      throw new FabricException("cannot read the output of ip -json address show: " + e.getMessage(), e);
    }
    return links;
  }

  private static String text(JsonNode node, String field) {
    return node.hasNonNull(field) ? node.get(field).asText() : null;
  }

  /** The families of the tables named after this VNI in {@code nft list tables} ("table bridge vc42"). */
  static List<String> parseTables(String text, int vni) {
    List<String> families = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] w = line.trim().split("\\s+");
      if (w.length == 3 && w[0].equals("table") && w[2].equals(Names.nftTable(vni))) {
        families.add(w[1]);
      }
    }
    return families;
  }

  private String query(String what, Command command) {
    CommandResult r = runner.run(command);
    if (!r.ok()) {
      throw new FabricException(what + ": " + new CommandFailedException(r).getMessage());
    }
    return r.stdout();
  }
}
