package org.virtualservices.core.fabric.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
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
import org.virtualservices.core.fabric.Peer;
import org.virtualservices.core.names.Names;

/**
 * The real fabric between two "nodes" (network namespaces joined by veths to an underlay bridge in a
 * third), with two jobs at once and "VMs" that are namespaces whose veth ends are named and enslaved
 * as libvirt's taps would be. Needs root; skipped otherwise.
 *
 * <pre>
 *   [a0] [b0]            [a1] [b1]        VMs: job A (vni 4201), job B (vni 42010)
 *    |    |               |    |
 *   node n1 (batch host)  node n2         bridges vcbr4201 and vcbr42010, vxlan vcvx4201 and vcvx42010
 *    | ul0 10.77.0.1      | ul0 10.77.0.2
 *   ------- underlay bridge "ul" in namespace u -------
 * </pre>
 *
 * Job B's VNI starts with job A's digits on purpose: removing 4201 must not touch vcbr42010.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxFabricNamespaceTest {

  private static final int MTU = 1450;
  private static final int PORT = 4789;
  private static final String FORGED_MAC = "02:00:00:66:66:66";
  private static final String FORGED_IP_A = "10.201.0.99";

  /** One simulated VM: its namespace, its node, and what the plan gave it. */
  private record Vm(String ns, String node, String tap, String mac, String ip) {
  }

  private final Namespaces net = new Namespaces();
  private final ProcessCommandRunner real = new ProcessCommandRunner();
  private String n1;
  private String n2;
  private LinuxFabric fabric1;
  private LinuxFabric fabric2;
  private Vm a0;
  private Vm a1;
  private Vm b0;
  private Vm b1;
  private final List<FabricSpec> specs1 = new ArrayList<>();
  private final List<FabricSpec> specs2 = new ArrayList<>();

  @BeforeAll
  void makeTwoNodesAndTwoJobs() throws Exception {
    assumeTrue(Namespaces.available(), "needs root, nft and busybox: the fabric makes real devices");
    String u = net.add("u");
    net.in(u, "ip", "link", "add", "ul", "type", "bridge");
    net.in(u, "ip", "link", "set", "ul", "up");
    n1 = node(u, "n1", "10.77.0.1");
    n2 = node(u, "n2", "10.77.0.2");
    fabric1 = new LinuxFabric(new NetnsRunner(n1, real));
    fabric2 = new LinuxFabric(new NetnsRunner(n2, real));

    a0 = new Vm(net.add("a0"), n1, Names.tap(4201, 0), "52:54:00:42:01:00", "10.201.0.1");
    a1 = new Vm(net.add("a1"), n2, Names.tap(4201, 0), "52:54:00:42:01:01", "10.201.0.2");
    b0 = new Vm(net.add("b0"), n1, Names.tap(42010, 0), "52:54:00:42:10:00", "10.210.0.1");
    b1 = new Vm(net.add("b1"), n2, Names.tap(42010, 0), "52:54:00:42:10:01", "10.210.0.2");

    jobOnBothNodes("A", 4201, "10.201.0", 4242, a0, a1);
    jobOnBothNodes("B", 42010, "10.210.0", 4343, b0, b1);
    // libvirt makes the taps after the fabric is up: so do we
    for (Vm vm : List.of(a0, a1)) {
      plugIn(vm, Names.bridge(4201));
    }
    for (Vm vm : List.of(b0, b1)) {
      plugIn(vm, Names.bridge(42010));
    }
  }

  @AfterAll
  void removeEverything() {
    net.close();
    assertEquals(List.of(), net.remaining(), "namespaces of this run left behind");
  }

  @Test
  @Order(1)
  void aJobsEndpointsReachEachOtherAcrossNodes() throws Exception {
    ping(a0, a1.ip());
    ping(b0, b1.ip());
    net.background(a1.ns(), 60, "busybox", "nc", "-ll", "-p", "7001", "-e", "busybox", "echo", "hello-from-a1");
    awaitListening(a1, 7001);
    CommandResult tcp = net.tryIn(a0.ns(), "x\n", "busybox", "nc", "-w", "3", a1.ip(), "7001");
    assertTrue(tcp.ok() && tcp.stdout().contains("hello-from-a1"), "TCP a0 -> a1: " + tcp);
  }

  @Test
  @Order(2)
  void theOtherJobGetsNoPacketOfIt() {
    long b0Before = rxPackets(b0);
    long b1Before = rxPackets(b1);
    long a1Before = rxPackets(a1);
    // fresh ARP broadcasts, ICMP from both sides and from the batch host, all within job A
    net.in(a0.ns(), "ip", "neigh", "flush", "all");
    net.in(a1.ns(), "ip", "neigh", "flush", "all");
    ping(a0, a1.ip());
    ping(a1, a0.ip());
    assertTrue(net.tryIn(n1, null, "busybox", "ping", "-c", "2", "-w", "5", a1.ip()).ok(), "batch host -> a1");
    assertEquals(0, rxPackets(b0) - b0Before, "packets job B's VM on n1 received during job A's traffic");
    assertEquals(0, rxPackets(b1) - b1Before, "packets job B's VM on n2 received during job A's traffic");
    assertTrue(rxPackets(a1) - a1Before >= 6, "job A's own VM did receive packets (the counter works)");
  }

  @Test
  @Order(3)
  void aFrameWithAForgedSourceIsDropped() {
    // What a1 receives is counted at its own interface, before anything of the fabric could hide it.
    net.tryIn(a1.ns(), "table netdev probe {\n chain in {\n  type filter hook ingress device \"eth0\" priority 0;\n"
        + "  ip saddr " + FORGED_IP_A + " counter\n  ether saddr " + FORGED_MAC + " counter\n }\n}\n",
        "nft", "-f", "-").orThrow();
    long dropsBefore = spoofDrops(n1, 4201);

    net.in(a0.ns(), "ip", "address", "add", FORGED_IP_A + "/32", "dev", "eth0");
    assertFalse(pingAnswered(a0, "-I", FORGED_IP_A, a1.ip()), "a ping from a forged IP got an answer");
    net.in(a0.ns(), "ip", "address", "del", FORGED_IP_A + "/32", "dev", "eth0");
    long afterIp = spoofDrops(n1, 4201);
    assertTrue(afterIp > dropsBefore, "drop counter did not move for the forged IP: " + dropsBefore);

    net.in(a0.ns(), "ip", "link", "set", "eth0", "address", FORGED_MAC);
    net.in(a0.ns(), "ip", "neigh", "flush", "all");
    assertFalse(pingAnswered(a0, a1.ip()), "a ping from a forged MAC got an answer");
    assertTrue(spoofDrops(n1, 4201) > afterIp, "drop counter did not move for the forged MAC");
    String seen = net.in(a1.ns(), "nft", "list", "table", "netdev", "probe").stdout();
    assertEquals(2, count(seen, "packets 0 "), "a1 received forged frames:\n" + seen);

    // the same VM with its own MAC back is heard again: it was the filter, not a broken link
    net.in(a0.ns(), "ip", "link", "set", "eth0", "address", a0.mac());
    ping(a0, a1.ip());
  }

  @Test
  @Order(4)
  void onlyTheOwnerAndRootConnectFromTheBatchHost() throws Exception {
    net.background(a0.ns(), 60, "busybox", "nc", "-ll", "-p", "7002", "-e", "busybox", "echo", "hello-a0");
    net.background(a1.ns(), 60, "busybox", "nc", "-ll", "-p", "7002", "-e", "busybox", "echo", "hello-a1");
    net.background(b1.ns(), 60, "busybox", "nc", "-ll", "-p", "7002", "-e", "busybox", "echo", "hello-b1");
    awaitListening(a0, 7002);
    awaitListening(a1, 7002);
    awaitListening(b1, 7002);
    for (Vm vm : List.of(a0, a1)) {
      assertTrue(connect(4242, vm).contains("hello"), "owner of job A to " + vm.ip());
      assertTrue(connect(0, vm).contains("hello"), "root to " + vm.ip());
      assertEquals("refused", connect(4343, vm), "owner of job B to job A's " + vm.ip());
    }
    assertTrue(connect(4343, b1).contains("hello"), "owner of job B to its own VM");
    assertEquals("refused", connect(4242, b1), "owner of job A to job B's VM");
  }

  @Test
  @Order(5)
  void teardownLeavesNothingAndSparesTheOtherJob() {
    assertEquals(List.of(), fabric1.tearDown(specs1.get(0).id()), "teardown of job A on n1");
    assertEquals(List.of(), fabric2.tearDown(specs2.get(0).id()), "teardown of job A on n2");
    for (String node : List.of(n1, n2)) {
      LinuxFabric f = node.equals(n1) ? fabric1 : fabric2;
      assertEquals(List.of(), f.leftovers(NetworkId.anyJob(4201)), "job A on " + node);
      assertNothingOf(node, 4201, "10.201.0.254");
      assertFalse(f.leftovers(NetworkId.anyJob(42010)).isEmpty(), "job B must still be there on " + node);
    }
    ping(b0, b1.ip()); // job B untouched
    // idempotent: a second epilog finds nothing to do and reports nothing
    assertEquals(List.of(), fabric1.tearDown(specs1.get(0).id()));

    assertEquals(List.of(), fabric1.tearDown(specs1.get(1).id()), "teardown of job B on n1");
    assertEquals(List.of(), fabric2.tearDown(specs2.get(1).id()), "teardown of job B on n2");
    for (String node : List.of(n1, n2)) {
      assertNothingOf(node, 42010, "10.210.0.254");
      assertEquals("", net.in(node, "nft", "list", "ruleset").stdout().strip(), "rules left on " + node);
      assertFalse(net.in(node, "bridge", "fdb", "show").stdout().contains("dst 10.77.0."),
          "head-end replication entries left on " + node);
    }
  }

  @Test
  @Order(6)
  void multicastModeAndOutboundNatAreAcceptedByTheKernelAndRemovedCompletely() {
    FabricSpec s = new FabricSpec("C", 4203, Names.bridge(4203), Names.vxlan(4203), PORT, MTU, "10.77.0.1", "ul0",
        List.of(new Peer("n2", "10.77.0.2", List.of("52:54:00:42:03:01"))), "239.1.66.3", "10.203.0.254/24",
        "10.203.0.0/24", 4242, List.of(new Endpoint(Names.tap(4203, 0), "52:54:00:42:03:00", "10.203.0.1")), true);
    fabric1.setUp(s);
    String vxlan = net.in(n1, "ip", "-d", "link", "show", Names.vxlan(4203)).stdout();
    assertTrue(vxlan.contains("group 239.1.66.3") && vxlan.contains("nolearning") && vxlan.contains("mtu 1450"), vxlan);
    String rules = net.in(n1, "nft", "list", "table", "inet", Names.nftTable(4203)).stdout();
    assertTrue(rules.contains("masquerade") && rules.contains("hook forward"), rules);
    assertEquals(List.of(), fabric1.tearDown(s.id()));
    assertNothingOf(n1, 4203, "10.203.0.254");
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

  private void jobOnBothNodes(String job, int vni, String net24, int owner, Vm onN1, Vm onN2) {
    FabricSpec s1 = spec(job, vni, net24, owner, "10.77.0.1", new Peer("n2", "10.77.0.2", List.of(onN2.mac())),
        net24 + ".254/24", onN1);
    FabricSpec s2 = spec(job, vni, net24, owner, "10.77.0.2", new Peer("n1", "10.77.0.1", List.of(onN1.mac())),
        null, onN2);
    fabric1.setUp(s1);
    fabric2.setUp(s2);
    specs1.add(s1);
    specs2.add(s2);
  }

  private static FabricSpec spec(String job, int vni, String net24, int owner, String local, Peer peer,
      String gateway, Vm vm) {
    return new FabricSpec(job, vni, Names.bridge(vni), Names.vxlan(vni), PORT, MTU, local, "ul0", List.of(peer),
        null, gateway, net24 + ".0/24", owner, List.of(new Endpoint(vm.tap(), vm.mac(), vm.ip())), false);
  }

  /** What libvirt does for a guest: a tap on the job's bridge at the bridge's MTU; here a veth. */
  private void plugIn(Vm vm, String bridge) {
    net.in(vm.node(), "ip", "link", "add", vm.tap(), "mtu", String.valueOf(MTU), "type", "veth",
        "peer", "name", "eth0", "netns", vm.ns());
    net.in(vm.node(), "ip", "link", "set", vm.tap(), "master", bridge, "up");
    net.in(vm.ns(), "ip", "link", "set", "eth0", "address", vm.mac(), "mtu", String.valueOf(MTU), "up");
    net.in(vm.ns(), "ip", "address", "add", vm.ip() + "/24", "dev", "eth0");
  }

  // ---- probes

  private void ping(Vm from, String to) {
    CommandResult r = net.tryIn(from.ns(), null, "busybox", "ping", "-c", "2", "-w", "5", to);
    assertTrue(r.ok(), "ping " + from.ip() + " -> " + to + ":\n" + r.stdout() + r.stderr());
  }

  /** A ping expected to go unanswered: busybox waits 10 s for a first reply unless told (-W). */
  private boolean pingAnswered(Vm from, String... args) {
    List<String> argv = new ArrayList<>(List.of("busybox", "ping", "-c", "2", "-W", "1", "-w", "3"));
    argv.addAll(List.of(args));
    return net.tryIn(from.ns(), null, argv.toArray(String[]::new)).ok();
  }

  /** Connects from the batch host as a uid: the listener's greeting, or "refused". */
  private String connect(int uid, Vm vm) {
    CommandResult r = net.tryIn(n1, "x\n", "setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
        "busybox", "nc", "-w", "3", vm.ip(), "7002");
    return r.ok() ? r.stdout() : "refused";
  }

  private void awaitListening(Vm vm, int port) throws InterruptedException {
    for (int i = 0; i < 50; i++) {
      if (!net.in(vm.ns(), "ss", "-ltnH", "sport = :" + port).stdout().isBlank()) {
        return;
      }
      Thread.sleep(100); // a real process starting: bounded at 5 s
    }
    throw new AssertionError("nothing listening on " + vm.ip() + ":" + port + " after 5 s");
  }

  private long rxPackets(Vm vm) {
    String stats = net.in(vm.ns(), "cat", "/sys/class/net/eth0/statistics/rx_packets").stdout();
    return Long.parseLong(stats.strip());
  }

  private long spoofDrops(String node, int vni) {
    String out = net.in(node, "nft", "list", "counter", "bridge", Names.nftTable(vni),
        FabricScripts.SPOOF_COUNTER).stdout();
    Matcher m = Pattern.compile("packets (\\d+)").matcher(out);
    assertTrue(m.find(), "no counter in:\n" + out);
    return Long.parseLong(m.group(1));
  }

  private void assertNothingOf(String node, int vni, String gateway) {
    String links = net.in(node, "ip", "-o", "link", "show").stdout();
    assertFalse(links.contains(" " + Names.bridge(vni) + ":") || links.contains(" " + Names.vxlan(vni) + ":")
        || links.contains(" " + Names.TAP_PREFIX + vni + "-"), "links of vni " + vni + " left:\n" + links);
    String addresses = net.in(node, "ip", "-o", "address", "show").stdout();
    assertFalse(addresses.contains(" " + gateway + "/"), "gateway address left:\n" + addresses);
    assertFalse(net.in(node, "bridge", "fdb", "show").stdout().contains(Names.vxlan(vni) + " "),
        "forwarding entries of vni " + vni + " left");
    assertFalse(net.in(node, "nft", "list", "tables").stdout().contains(" " + Names.nftTable(vni) + "\n"),
        "nftables table of vni " + vni + " left");
  }

  private static int count(String text, String word) {
    int n = 0;
    for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
      n++;
    }
    return n;
  }
}
