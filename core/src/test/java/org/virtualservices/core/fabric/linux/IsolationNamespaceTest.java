package org.virtualservices.core.fabric.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.fabric.Endpoint;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.NetworkId;
import org.virtualservices.core.fabric.NetworkClashException;
import org.virtualservices.core.fabric.Peer;
import org.virtualservices.core.names.Names;

/**
 * The attacks of docs/hooks.md's threat model against the real fabric: a user's UDP socket on the
 * underlay (a stranger node, and a node of the job), a VM of another job routing through the batch
 * host, a VM reaching the node, a VM flooding broadcasts, a job whose VNI or subnet clashes, and a
 * look-alike another job made under the same names. Needs root; skipped otherwise.
 *
 * <pre>
 *   [a0] [b0]              [a1] [b1]                    job A (vni 4201), job B (vni 4202)
 *    |    |                 |    |
 *   node n1 (batch host)   node n2         node n3 (in neither job)
 *    | 10.77.0.1            | 10.77.0.2     | 10.77.0.3
 *   ------------------ underlay bridge "ul" -----------------
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IsolationNamespaceTest {

  private static final int MTU = 1450;
  private static final int NOBODY = 65534;
  private static final String INVENTED_MAC = "02:de:ad:be:ef:01";
  private static final int FLOOD_LIMIT = 50;

  /** ARP requests (who has TARGET, tell SENDER, from MAC) in VXLAN datagrams with VNI, from a plain UDP socket. */
  private static final String INJECT = String.join("\n",
      "import socket, struct, sys",
      "dst, vni, mac, target, sender, count = sys.argv[1:7]",
      "m = bytes.fromhex(mac.replace(':', ''))",
      "arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + m + socket.inet_aton(sender) + bytes(6)"
          + " + socket.inet_aton(target)",
      "frame = b'\\xff' * 6 + m + b'\\x08\\x06' + arp + bytes(18)",
      "vxlan = struct.pack('!B3xI', 0x08, int(vni) << 8)",
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
      "refused = 0",
      "for _ in range(int(count)):",
      "    try:",
      "        s.sendto(vxlan + frame, (dst, 4789))",
      "    except PermissionError:  # an nftables drop on output: sendto fails with EPERM",
      "        refused += 1",
      "print('refused', refused)");

  /** COUNT broadcast ARP requests from the VM's own MAC and IP, as fast as a raw socket sends them. */
  private static final String FLOOD = String.join("\n",
      "import socket, struct, sys",
      "mac, ip, target, count = sys.argv[1:5]",
      "m = bytes.fromhex(mac.replace(':', ''))",
      "arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + m + socket.inet_aton(ip) + bytes(6) + socket.inet_aton(target)",
      "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
      "s.bind(('eth0', 0))",
      "for _ in range(int(count)):",
      "    s.send(b'\\xff' * 6 + m + b'\\x08\\x06' + arp + bytes(18))");

  private record Vm(String ns, String node, String tap, String mac, String ip) {
  }

  private final Namespaces net = new Namespaces();
  private final ProcessCommandRunner real = new ProcessCommandRunner();
  private String n1;
  private String n2;
  private String n3;
  private LinuxFabric fabric1;
  private LinuxFabric fabric2;
  private Vm a0;
  private Vm a1;
  private Vm b0;
  private FabricSpec a1Spec;
  private FabricSpec a2Spec;
  private FabricSpec b1Spec;

  @BeforeAll
  void makeThreeNodesAndTwoJobs() {
    assumeTrue(Namespaces.available(), "needs root, nft and busybox: the fabric makes real devices");
    assumeTrue(real.run(org.virtualservices.core.command.Command.of("/usr/bin/python3", "-c", "pass")).ok(),
        "needs /usr/bin/python3 for the attacker's socket");
    String u = net.add("u");
    net.in(u, "ip", "link", "add", "ul", "type", "bridge");
    net.in(u, "ip", "link", "set", "ul", "up");
    n1 = node(u, "n1", "10.77.0.1");
    n2 = node(u, "n2", "10.77.0.2");
    n3 = node(u, "n3", "10.77.0.3");
    fabric1 = new LinuxFabric(new NetnsRunner(n1, real));
    fabric2 = new LinuxFabric(new NetnsRunner(n2, real));
    a0 = new Vm(net.add("a0"), n1, Names.tap(4201, 0), "52:54:00:42:01:00", "10.201.0.1");
    a1 = new Vm(net.add("a1"), n2, Names.tap(4201, 0), "52:54:00:42:01:01", "10.201.0.2");
    b0 = new Vm(net.add("b0"), n1, Names.tap(4202, 0), "52:54:00:42:02:00", "10.202.0.1");
    a1Spec = spec("A", 4201, "10.201.0", 4242, "10.77.0.1", List.of(new Peer("n2", "10.77.0.2", List.of(a1.mac()), List.of(a1.ip()))),
        "10.201.0.254/24", a0);
    a2Spec = spec("A", 4201, "10.201.0", 4242, "10.77.0.2", List.of(new Peer("n1", "10.77.0.1", List.of(a0.mac()), List.of(a0.ip()))),
        null, a1);
    b1Spec = spec("B", 4202, "10.202.0", 4343, "10.77.0.1", List.of(), "10.202.0.254/24", b0);
    fabric1.setUp(a1Spec);
    fabric2.setUp(a2Spec);
    fabric1.setUp(b1Spec);
    plugIn(a0, Names.bridge(4201));
    plugIn(a1, Names.bridge(4201));
    plugIn(b0, Names.bridge(4202));
    for (Vm vm : List.of(a0, a1, b0)) {
      String gateway = vm == a1 ? "10.201.0.254" : vm.ip().replaceAll("\\.1$", ".254");
      net.in(vm.ns(), "ip", "route", "add", "default", "via", gateway);
    }
    // what a0 receives from the invented MAC, and broadcast ARP requests as a1's (a1's own unicast
    // probes of its entry for a0 are not the attack), counted at its own interface before anything else
    net.tryIn(a0.ns(), "table netdev probe {\n chain in {\n  type filter hook ingress device \"eth0\" priority 0;\n"
        + "  ether saddr " + INVENTED_MAC + " counter\n  ether saddr " + a1.mac()
        + " ether daddr ff:ff:ff:ff:ff:ff arp operation request arp daddr ip "
        + a0.ip() + " arp saddr ip " + a1.ip() + " counter\n"
        + " }\n}\n", "nft", "-f", "-").orThrow();
    // what a1 receives of broadcast ARP requests from a0 for a1 (a neighbour's unicast probes are
    // not a flood, and the gateway's address is ARPed for as usual)
    net.tryIn(a1.ns(), "table netdev probe {\n chain in {\n  type filter hook ingress device \"eth0\" priority 0;\n"
        + "  ether daddr ff:ff:ff:ff:ff:ff arp operation request arp saddr ip 10.201.0.1 arp daddr ip 10.201.0.2 counter\n"
        + " }\n}\n", "nft", "-f", "-").orThrow();
    ping(a0, a1.ip()); // the job's own traffic flows
  }

  @AfterAll
  void removeEverything() {
    net.close();
    assertEquals(List.of(), net.remaining(), "namespaces of this run left behind");
  }

  @Test
  @Order(1)
  void aUserSocketOnANodeOutsideTheJobCannotPutFramesOnItsNetwork() {
    long before = counter(n1, "inet", 4201, FabricScripts.UNDERLAY_FORGED_COUNTER);
    assertEquals(0, inject(n3, NOBODY, INVENTED_MAC, "10.201.0.99", 20), "n3 has no rule of job A: all sent");
    inject(n3, NOBODY, a1.mac(), a1.ip(), 20); // claiming to be the job's other VM
    assertEquals(40, counter(n1, "inet", 4201, FabricScripts.UNDERLAY_FORGED_COUNTER) - before, "drops counted");
    assertEquals(List.of(0L, 0L), probe(a0), "frames a0 received from the invented MAC / as a1's ARP requests");
    assertFalse(learned(n1, 4201, INVENTED_MAC), "the bridge learned the invented MAC");
    // root of node n3 is no better placed: n3 is not a peer, whoever sends
    inject(n3, 0, INVENTED_MAC, "10.201.0.99", 5);
    assertEquals(List.of(0L, 0L), probe(a0), "root's datagrams from a stranger node got in");
  }

  @Test
  @Order(2)
  void aUserSocketOnANodeOfTheJobCannotEitherButTheKernelsVxlanAndRootStillCan() {
    long before = counter(n2, "inet", 4201, FabricScripts.UNDERLAY_USER_COUNTER);
    assertEquals(20, inject(n2, NOBODY, INVENTED_MAC, "10.201.0.99", 20), "datagrams the node refused to send");
    assertEquals(20, inject(n2, 4343, a1.mac(), a1.ip(), 20), "refused for another job's owner on the shared node");
    assertEquals(40, counter(n2, "inet", 4201, FabricScripts.UNDERLAY_USER_COUNTER) - before, "drops counted");
    assertEquals(List.of(0L, 0L), probe(a0), "a user's datagrams from a peer node got in");
    ping(a1, a0.ip()); // the kernel's VXLAN traffic of the same node and VNI flows
    // positive control of the detectors: root of a peer node is trusted (DESIGN.md), and gets in
    inject(n2, 0, INVENTED_MAC, "10.201.0.99", 5);
    assertTrue(probe(a0).get(0) >= 5, "the probe did not see root's frames: it would not see an attack");
    assertTrue(learned(n1, 4201, INVENTED_MAC), "the bridge did not learn root's MAC: the detector is blind");
  }

  @Test
  @Order(3)
  void anotherJobsVmCannotRouteIntoThisJobNorAJobsVmIntoTheNode() throws Exception {
    net.in(n1, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"); // whatever the site's forwarding
    long before = isolated();
    assertFalse(pingAnswered(b0, a0.ip()), "job B's VM reached job A's VM through the batch host");
    assertFalse(pingAnswered(a0, b0.ip()), "job A's VM reached job B's VM through the batch host");
    assertTrue(isolated() >= before + 4, "isolation drops not counted"); // each job's table may drop first
    ping(b0, "10.202.0.254"); // its own gateway it does reach

    // a VM on a node where the bridge has no address, talking to the node's underlay address
    // positive control: without the job's isolation the same routed ping gets through
    net.in(n1, "nft", "flush", "chain", "inet", Names.nftTable(4201), "isolate");
    net.in(n1, "nft", "flush", "chain", "inet", Names.nftTable(4202), "isolate");
    assertTrue(pingAnswered(b0, a0.ip()), "the routed path is not what the isolation blocked");

    // a VM on a node where the bridge has no address, talking to the node's underlay address;
    // the node is made as open as a careless site's would be (no rp_filter, a way back)
    String bridge = Names.bridge(4201);
    net.in(n2, "sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf." + bridge + ".rp_filter=0");
    net.in(n2, "ip", "route", "add", a1.ip() + "/32", "dev", bridge);
    net.in(n2, "ip", "neigh", "replace", a1.ip(), "lladdr", a1.mac(), "dev", bridge);
    String bridgeMac = net.in(n2, "cat", "/sys/class/net/" + bridge + "/address").stdout().strip();
    net.in(a1.ns(), "ip", "neigh", "replace", "10.77.0.2", "lladdr", bridgeMac, "dev", "eth0");
    net.in(a1.ns(), "ip", "route", "replace", "10.77.0.2/32", "dev", "eth0");
    net.background(n2, 30, "busybox", "nc", "-ll", "-p", "7005", "-e", "busybox", "echo", "node-n2");
    Thread.sleep(300); // the listener starting: bounded by the connect's own timeout below
    CommandResult r = net.tryIn(a1.ns(), "x\n", "busybox", "nc", "-w", "2", "10.77.0.2", "7005");
    assertFalse(r.stdout().contains("node-n2"), "a VM reached the node's own service: " + r);
    assertTrue(net.in(n2, "ip", "-6", "address", "show", "dev", bridge).stdout().isBlank(),
        "the bridge has an IPv6 address the node's users could reach the VMs by");
    // positive control: without the rule the VM does reach it
    net.in(n2, "nft", "flush", "chain", "inet", Names.nftTable(4201), "underlay_in");
    r = net.tryIn(a1.ns(), "x\n", "busybox", "nc", "-w", "2", "10.77.0.2", "7005");
    assertTrue(r.stdout().contains("node-n2"), "the path to the node is not what the rule blocked: " + r);
  }

  @Test
  @Order(4)
  void aVmsBroadcastsBeyondItsRateAreDroppedBeforeTheyAreReplicated() {
    long before = counter(n1, "bridge", 4201, FabricScripts.FLOOD_COUNTER);
    long seenBefore = arpRequestsSeen(a1);
    net.in(a0.ns(), "/usr/bin/python3", "-c", FLOOD, a0.mac(), a0.ip(), "10.201.0.77", "500");
    long dropped = counter(n1, "bridge", 4201, FabricScripts.FLOOD_COUNTER) - before;
    long arrived = arpRequestsSeen(a1) - seenBefore;
    assertTrue(dropped >= 300, "only " + dropped + " of 500 broadcasts dropped");
    assertTrue(arrived >= FLOOD_LIMIT / 2 && arrived <= 3 * FLOOD_LIMIT, arrived + " of 500 broadcasts reached a1");
  }

  @Test
  @Order(5)
  void arpForARemoteVmIsAnsweredOnTheNodeAndNeverCrossesTheUnderlay() {
    long before = probe(a1).get(0);
    net.in(a0.ns(), "ip", "neigh", "flush", "all");
    ping(a0, a1.ip());
    assertTrue(net.in(a0.ns(), "ip", "neigh", "show", a1.ip()).stdout().contains(a1.mac()), "a0 did not resolve a1");
    assertEquals(before, probe(a1).get(0), "a0's ARP request for a1 was flooded to a1's node");
    // positive control: without the neighbour entry the request is flooded, and a1 sees it
    net.in(n1, "ip", "neigh", "del", a1.ip(), "dev", Names.bridge(4201));
    net.in(a0.ns(), "ip", "neigh", "flush", "all");
    ping(a0, a1.ip());
    assertTrue(probe(a1).get(0) > before, "the probe does not see ARP requests: it would not see a flood");
  }

  @Test
  @Order(6)
  void aJobWhoseVniOrSubnetIsTakenIsRefusedBeforeAnythingIsMadeAndTheOtherIsUntouched() {
    FabricSpec sameVni = spec("C", 4201, "10.203.0", 4444, "10.77.0.1", List.of(), "10.203.0.254/24", b0);
    NetworkClashException e = assertThrows(NetworkClashException.class, () -> fabric1.setUp(sameVni));
    assertTrue(e.getMessage().contains("link vcbr4201 is already there (job A)"), e.getMessage());
    FabricSpec sameSubnet = spec("D", 4205, "10.201.0", 4444, "10.77.0.1", List.of(), "10.201.0.253/24", b0);
    e = assertThrows(NetworkClashException.class, () -> fabric1.setUp(sameSubnet));
    assertTrue(e.getMessage().contains("inside subnet 10.201.0.0/24 (job A)"), e.getMessage());
    assertEquals(List.of(), fabric1.leftovers(NetworkId.anyJob(4205)), "the refused job made something");
    // its rollback removes nothing of job A's
    assertEquals(List.of(), fabric1.tearDown(sameVni.id()));
    assertEquals(List.of(), fabric1.leftovers(new NetworkId("C", 4201)));
    assertFalse(fabric1.leftovers(new NetworkId("A", 4201)).isEmpty());
    ping(a0, a1.ip());
  }

  @Test
  @Order(7)
  void teardownLeavesALookAlikeByNameAndRemovesOnlyItsOwn() {
    // another job's network under the same names (made by hand, marked as job X's)
    net.in(n3, "ip", "link", "add", "name", Names.bridge(4209), "type", "bridge");
    net.in(n3, "ip", "link", "set", "dev", Names.bridge(4209), "alias", NetworkId.mark("X"));
    net.tryIn(n3, "create table inet vc4209 { comment \"" + NetworkId.mark("X") + "\"; }\n", "nft", "-f", "-")
        .orThrow();
    LinuxFabric fabric3 = new LinuxFabric(new NetnsRunner(n3, real));
    assertEquals(List.of(), fabric3.tearDown(new NetworkId("Y", 4209)), "job Y had nothing there");
    assertEquals(List.of("link vcbr4209", "nftables table inet vc4209"), fabric3.leftovers(NetworkId.anyJob(4209)),
        "job Y's teardown removed job X's look-alike");
    assertEquals(List.of(), fabric3.tearDown(new NetworkId("X", 4209)));
    assertEquals(List.of(), fabric3.leftovers(NetworkId.anyJob(4209)), "job X's own teardown removes it");
  }

  @Test
  @Order(8)
  void teardownLeavesNothing() {
    assertEquals(List.of(), fabric1.tearDown(a1Spec.id()));
    assertEquals(List.of(), fabric2.tearDown(a2Spec.id()));
    assertEquals(List.of(), fabric1.tearDown(b1Spec.id()));
    for (String node : List.of(n1, n2, n3)) {
      assertEquals("", net.in(node, "nft", "list", "ruleset").stdout().strip(), "rules left on " + node);
    }
  }

  // ---- the topology

  private String node(String underlay, String role, String address) {
    String ns = net.add(role);
    net.in(ns, "ip", "link", "add", "ul0", "type", "veth", "peer", "name", role, "netns", underlay);
    net.in(underlay, "ip", "link", "set", role, "master", "ul", "up");
    net.in(ns, "ip", "address", "add", address + "/24", "dev", "ul0");
    net.in(ns, "ip", "link", "set", "ul0", "up");
    return ns;
  }

  private static FabricSpec spec(String job, int vni, String net24, int owner, String local, List<Peer> peers,
      String gateway, Vm vm) {
    return new FabricSpec(job, vni, Names.bridge(vni), Names.vxlan(vni), 4789, MTU, local, "ul0", peers, null,
        gateway, net24 + ".0/24", owner, List.of(new Endpoint(vm.tap(), vm.mac(), vm.ip())), false, FLOOD_LIMIT);
  }

  private void plugIn(Vm vm, String bridge) {
    net.in(vm.node(), "ip", "link", "add", vm.tap(), "mtu", String.valueOf(MTU), "type", "veth",
        "peer", "name", "eth0", "netns", vm.ns());
    net.in(vm.node(), "ip", "link", "set", vm.tap(), "master", bridge, "up");
    net.in(vm.ns(), "ip", "link", "set", "eth0", "address", vm.mac(), "mtu", String.valueOf(MTU), "up");
    net.in(vm.ns(), "ip", "address", "add", vm.ip() + "/24", "dev", "eth0");
  }

  // ---- attacks and probes

  /**
   * Sends COUNT datagrams with job A's VNI to n1 as UID from NODE, from a plain UDP socket; says
   * how many the node refused to send.
   */
  private int inject(String node, int uid, String mac, String sender, int count) {
    return Integer.parseInt(net.in(node, "setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "/usr/bin/python3", "-c", INJECT,
        "10.77.0.1", "4201", mac, a0.ip(), sender, String.valueOf(count)).stdout().strip().replace("refused ", ""));
  }

  /** a0's ingress counters: frames from the invented MAC, ARP requests claiming to be a1. */
  private List<Long> probe(Vm vm) {
    String out = net.in(vm.ns(), "nft", "list", "table", "netdev", "probe").stdout();
    Matcher m = Pattern.compile("packets (\\d+)").matcher(out);
    List<Long> counts = new java.util.ArrayList<>();
    while (m.find()) {
      counts.add(Long.parseLong(m.group(1)));
    }
    return counts;
  }

  private long isolated() {
    return counter(n1, "inet", 4201, FabricScripts.ISOLATED_COUNTER) + counter(n1, "inet", 4202,
        FabricScripts.ISOLATED_COUNTER);
  }

  private long arpRequestsSeen(Vm vm) {
    String out = net.in(vm.ns(), "cat", "/sys/class/net/eth0/statistics/rx_packets").stdout();
    return Long.parseLong(out.strip());
  }

  private boolean learned(String node, int vni, String mac) {
    return net.in(node, "bridge", "fdb", "show", "br", Names.bridge(vni)).stdout().contains(mac + " ");
  }

  private long counter(String node, String family, int vni, String name) {
    String out = net.in(node, "nft", "list", "counter", family, Names.nftTable(vni), name).stdout();
    Matcher m = Pattern.compile("packets (\\d+)").matcher(out);
    assertTrue(m.find(), "no counter in:\n" + out);
    return Long.parseLong(m.group(1));
  }

  private void ping(Vm from, String to) {
    CommandResult r = net.tryIn(from.ns(), null, "busybox", "ping", "-c", "2", "-w", "5", to);
    assertTrue(r.ok(), "ping " + from.ip() + " -> " + to + ":\n" + r.stdout() + r.stderr());
  }

  private boolean pingAnswered(Vm from, String to) {
    return net.tryIn(from.ns(), null, "busybox", "ping", "-c", "2", "-W", "1", "-w", "3", to).ok();
  }
}
