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
import org.virtualservices.core.plan.Names;

/**
 * Finds what of a job's network exists on this node, by name alone (the journal may be gone):
 * links named after the VNI with their addresses, and the nftables tables named after it. The
 * parsers are pure functions, tested against captured output.
 */
final class Leftovers {

  /** Only teardown reads ip's JSON: the prolog, which makes a LinuxFabric too, builds no mapper. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  /** A network interface and its addresses in CIDR notation. */
  record Link(String name, List<String> addresses) {
  }

  private final CommandRunner runner;
  private final NetTools tools;

  Leftovers(CommandRunner runner, NetTools tools) {
    this.tools = tools;
    this.runner = runner;
  }

  /** Every link on this node, with its addresses ({@code ip -json address show}). */
  List<Link> links() {
    return parseLinks(query("list links", Command.of(tools.ip(), "-json", "address", "show")));
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

  /** What of the network with this VNI exists now, one line each; empty when nothing. */
  List<String> of(int vni) {
    List<String> left = new ArrayList<>();
    for (Link l : links()) {
      if (belongsTo(l.name(), vni)) {
        left.add("link " + l.name() + (l.addresses().isEmpty() ? "" : " with address " + String.join(", ",
            l.addresses())));
      }
    }
    for (String family : parseTables(query("list nftables tables", Command.of(tools.nft(), "list", "tables")), vni)) {
      left.add("nftables table " + family + " " + Names.nftTable(vni));
    }
    return left;
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
      for (JsonNode link : Json.MAPPER.readTree(json)) {
        List<String> addresses = new ArrayList<>();
        for (JsonNode a : link.path("addr_info")) {
          if (a.has("local")) {
            addresses.add(a.get("local").asText() + "/" + a.path("prefixlen").asInt());
          }
        }
        links.add(new Link(link.path("ifname").asText(), addresses));
      }
    } catch (IOException e) {
      throw new FabricException("cannot read the output of ip -json address show: " + e.getMessage(), e);
    }
    return links;
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
