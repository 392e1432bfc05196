package org.virtualservices.core.fabric.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.fabric.FabricException;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.NetworkId;
import org.virtualservices.core.fabric.NetworkClashException;

/** The fabric's commands against a fake runner: what runs, in which order, with which input. */
class LinuxFabricTest {

  @Test
  void setUpLooksForClashesThenCostsThreeProcessesWhateverTheNumberOfPeers() {
    RecordingRunner r = RecordingRunner.emptyNode();
    FabricSpec s = FabricScriptsTest.batchHost();
    new LinuxFabric(r).setUp(s);
    List<String> argvs = r.argvs();
    // the looks run at once, and so do the forwarding table and the rules: their order is not fixed
    assertEquals(java.util.Set.of("ip -details -json address show", "nft list tables", "ip -json -4 route show"),
        java.util.Set.copyOf(argvs.subList(0, 3)));
    assertEquals("ip -batch -", argvs.get(3));
    assertEquals(java.util.Set.of("bridge -batch -", "nft -f -"), java.util.Set.copyOf(argvs.subList(4, 6)));
    assertEquals(FabricScripts.ipBatch(s, NetTools.ON_PATH.ipv6()), r.commands.get(3).stdin());
    assertEquals(FabricScripts.fdbBatch(s), stdinOf(r, "bridge"));
    assertEquals(FabricScripts.nftRuleset(s), stdinOf(r, "nft"));
  }

  @Test
  void aClashIsRefusedBeforeAnythingIsMadeAndNamesWhatClashesAndWhose() throws IOException {
    String links = resource("ip-details-json-address-show.json"); // job 42's vcbr42 with 10.42.0.254/24, ...
    RecordingRunner r = new RecordingRunner(c -> RecordingRunner.ok(c, c.argv().contains("-json")
        ? (c.argv().contains("route") ? "[{\"dst\":\"10.42.0.0/24\",\"dev\":\"vcbr42\"}]" : links) : ""));
    FabricSpec s = FabricScriptsTest.batchHost();
    // port 4790, as vcvx9's: the same VNI on another port would not clash
    FabricSpec other = new FabricSpec("7", 42, s.bridge(), s.vxlan(), 4790, 1450, s.localAddress(), null, s.peers(),
        null, s.gatewayCidr(), s.subnet(), 1, s.endpoints(), false);
    NetworkClashException e = assertThrows(NetworkClashException.class, () -> new LinuxFabric(r).setUp(other));
    assertTrue(e.getMessage().startsWith("job 7: network of VNI 42 (subnet 10.42.0.0/24) not made: "
        + "link vcbr42 is already there (job 42); link vcvx42 is already there (job 42); link vt42-0 is already there; "
        + "VXLAN device vcvx9 already carries VNI 42; address 10.42.0.254/24 on vcbr42 is inside subnet 10.42.0.0/24 (job 42); "
        + "route 10.42.0.0/24 dev vcbr42 overlaps subnet 10.42.0.0/24"), e.getMessage());
    assertTrue(r.argvs().stream().noneMatch(a -> a.contains("batch") || a.equals("nft -f -")), "nothing made: " + r.argvs());
  }

  @Test
  void subnetsOverlapWhenEitherHoldsTheOther() {
    org.virtualservices.core.net.Cidr net = org.virtualservices.core.net.Cidr.parse("10.96.8.0/24");
    assertTrue(Clashes.overlaps(net, "10.96.8.7"));
    assertTrue(Clashes.overlaps(net, "10.96.0.0/16"));
    assertTrue(Clashes.overlaps(net, "10.96.8.128/25"));
    assertTrue(Clashes.overlaps(net, "10.96.8.1/24"), "an interface's address with host bits");
    assertTrue(!Clashes.overlaps(net, "10.96.9.0/24") && !Clashes.overlaps(net, "10.66.0.0/24"));
  }

  @Test
  void teardownRemovesOnlyWhatCarriesTheJobsMarkAndSparesALookAlike() throws IOException {
    String links = resource("ip-details-json-address-show.json"); // job 42's vcbr42, vcvx42, vt42-0; job 421's
    String table = resource("nft-a-list-table.txt"); // table bridge vc42, comment "vcjob=42", handle 1
    RecordingRunner r = new RecordingRunner(c -> RecordingRunner.ok(c, c.argv().contains("-json") ? links
        : c.argv().equals(List.of("nft", "list", "tables")) ? "table bridge vc42\n"
        : c.argv().contains("-a") ? table : ""));
    FabricSpec s = FabricScriptsTest.batchHost();
    FabricSpec lookAlike = new FabricSpec("7", 42, s.bridge(), s.vxlan(), 4789, 1450, s.localAddress(), null,
        s.peers(), null, s.gatewayCidr(), s.subnet(), 1, s.endpoints(), false);
    List<String> none = new LinuxFabric(r).tearDown(lookAlike.id());
    assertTrue(r.argvs().stream().noneMatch(a -> a.startsWith("ip link del") || a.equals("nft -f -")),
        "job 7 removed job 42's network: " + r.argvs());
    assertEquals(List.of(), none, "nothing of job 7's is there, so nothing is left");
  }

  @Test
  void aFailedStepSaysWhichStepAndCarriesTheCommandAndItsOutput() {
    RecordingRunner r = new RecordingRunner(c -> c.program().equals("bridge")
        ? RecordingRunner.fail(c, "RTNETLINK answers: No buffer space available")
        : RecordingRunner.ok(c, ""));
    FabricException e = assertThrows(FabricException.class, () -> new LinuxFabric(r).setUp(FabricScriptsTest.batchHost()));
    assertTrue(e.getMessage().startsWith("job 42: write the forwarding table of vcvx42: command failed"), e.getMessage());
    assertTrue(e.getMessage().contains("command executed: bridge -batch -"), e.getMessage());
    assertTrue(e.getMessage().contains("No buffer space available"), e.getMessage());
    // 3 looks for clashes, ip, then bridge and nft at once; nothing after the failed step
    assertEquals(6, r.commands.size(), r.argvs().toString());
  }

  @Test
  void teardownRemovesOnlyThisVnisLinksVxlanFirstAndItsTablesByHandle() throws IOException {
    String links = resource("ip-details-json-address-show.json"); // vcbr42, vcvx42, vt42-0 and vni 421's vcbr421, vt421-0
    String table = resource("nft-a-list-table.txt");
    RecordingRunner r = new RecordingRunner(c -> RecordingRunner.ok(c, c.argv().contains("-json") ? links
        : c.argv().equals(List.of("nft", "list", "tables")) ? "table bridge vc42\n"
        : c.argv().contains("-a") ? table : ""));
    List<String> failures = new LinuxFabric(r).tearDown(FabricScriptsTest.batchHost().id());
    List<String> argvs = r.argvs();
    assertEquals(List.of("ip -details -json address show", "ip link del dev vcvx42", "ip link del dev vt42-0",
        "ip link del dev vcbr42", "nft list tables", "nft -a list table bridge vc42", "nft -f -"), argvs.subList(0, 7));
    assertEquals("delete table bridge handle 1\n", r.commands.get(6).stdin());
    // the fake still lists the links, so the final check reports them: nothing was really removed
    assertTrue(failures.stream().anyMatch(f -> f.contains("still there after teardown: link vcbr42")), failures.toString());
    assertTrue(failures.stream().noneMatch(f -> f.contains("421")), failures.toString());
  }

  @Test
  void teardownOfWhatIsAlreadyGoneIsSuccess() {
    RecordingRunner r = new RecordingRunner(c -> c.argv().contains("del")
        ? RecordingRunner.fail(c, "Cannot find device \"vcvx42\"")
        : RecordingRunner.ok(c, c.argv().contains("-json") ? "[]" : ""));
    assertEquals(List.of(), new LinuxFabric(r).tearDown(FabricScriptsTest.batchHost().id()));
  }

  @Test
  void teardownKeepsGoingAndReportsEveryFailure() {
    RecordingRunner r = new RecordingRunner(c -> {
      if (c.argv().contains("-json")) {
        return RecordingRunner.ok(c, "[{\"ifname\":\"vcvx42\",\"ifalias\":\"vcjob=42\",\"addr_info\":[]},"
            + "{\"ifname\":\"vcbr42\",\"ifalias\":\"vcjob=42\",\"addr_info\":[]}]");
      }
      if (c.argv().equals(List.of("nft", "list", "tables"))) {
        return RecordingRunner.ok(c, "table inet vc42\n");
      }
      if (c.argv().contains("-a")) {
        return RecordingRunner.ok(c, "table inet vc42 { # handle 3\n\tcomment \"vcjob=42\"\n}\n");
      }
      if (c.argv().contains("del") || c.program().equals("nft") && c.stdin() != null) {
        return RecordingRunner.fail(c, "Operation not permitted");
      }
      return RecordingRunner.ok(c, "");
    });
    List<String> failures = new LinuxFabric(r).tearDown(FabricScriptsTest.batchHost().id());
    assertTrue(failures.get(0).startsWith("job 42: remove link vcvx42: command failed"), failures.toString());
    assertTrue(failures.get(1).startsWith("job 42: remove link vcbr42: "), failures.toString());
    assertTrue(failures.get(2).startsWith("job 42: remove nftables tables vc42: "), failures.toString());
    assertTrue(r.argvs().contains("nft list tables"), "the final check ran after the failures");
  }

  @Test
  void leftoversListsLinksWithAddressesAndTablesOfThisVniOnly() throws IOException {
    String links = resource("ip-json-address-show.json");
    String tables = resource("nft-list-tables.txt");
    RecordingRunner r = new RecordingRunner(c -> RecordingRunner.ok(c, c.argv().contains("-json") ? links
        : c.argv().equals(List.of("nft", "list", "tables")) ? tables : c.argv().contains("-a") ? "table x y { # handle 4\n" : ""));
    assertEquals(List.of(
        "link vcbr42 with address 10.42.0.254/24, fe80::743b:2ff:fe7b:2c48/64",
        "link vcvx42 with address fe80::743b:2ff:fe7b:2c48/64",
        "link vt42-0",
        "nftables table bridge vc42",
        "nftables table inet vc42"), new LinuxFabric(r).leftovers(NetworkId.anyJob(42)));
  }

  @Test
  void belongsToIsExactSoNoVniClaimsAnothersDevices() {
    assertTrue(Leftovers.belongsTo("vcbr42", 42));
    assertTrue(Leftovers.belongsTo("vt42-17", 42));
    for (String other : List.of("vcbr421", "vcvx4", "vt421-0", "vt4-2", "eth0", "vcbr42x")) {
      assertTrue(!Leftovers.belongsTo(other, 42), other);
    }
  }

  @Test
  void aListingThatFailsIsReportedNotTakenForNothingLeft() {
    RecordingRunner r = new RecordingRunner(c -> c.argv().contains("-json")
        ? RecordingRunner.fail(c, "Cannot open netlink socket") : RecordingRunner.ok(c, ""));
    FabricException e = assertThrows(FabricException.class, () -> new LinuxFabric(r).leftovers(NetworkId.anyJob(42)));
    assertTrue(e.getMessage().contains("Cannot open netlink socket"), e.getMessage());
    // teardown cannot tell its own links from a look-alike: it removes none, and says it could not check
    List<String> failures = new LinuxFabric(r).tearDown(FabricScriptsTest.batchHost().id());
    assertTrue(r.argvs().stream().noneMatch(a -> a.startsWith("ip link del")), r.argvs().toString());
    assertTrue(failures.size() == 2 && failures.get(0).contains("list links"), failures.toString());
  }

  private static String stdinOf(RecordingRunner r, String program) {
    return r.commands.stream().filter(c -> c.program().equals(program) && c.stdin() != null).findFirst().orElseThrow()
        .stdin();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = LinuxFabricTest.class.getResourceAsStream("/fabric/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
