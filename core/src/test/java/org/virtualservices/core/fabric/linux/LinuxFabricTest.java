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

/** The fabric's commands against a fake runner: what runs, in which order, with which input. */
class LinuxFabricTest {

  @Test
  void setUpCostsThreeProcessesWhateverTheNumberOfPeers() {
    RecordingRunner r = RecordingRunner.emptyNode();
    FabricSpec s = FabricScriptsTest.batchHost();
    new LinuxFabric(r).setUp(s);
    assertEquals(List.of("ip -batch -", "bridge -batch -", "nft -f -"), r.argvs());
    assertEquals(FabricScripts.ipBatch(s), r.commands.get(0).stdin());
    assertEquals(FabricScripts.fdbBatch(s), r.commands.get(1).stdin());
    assertEquals(FabricScripts.nftRuleset(s), r.commands.get(2).stdin());
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
    assertEquals(2, r.commands.size(), "nothing runs after a failed step");
  }

  @Test
  void teardownRemovesOnlyThisVnisLinksVxlanFirstAndBothTables() throws IOException {
    String links = resource("ip-json-address-show.json"); // vcbr42, vcvx42, vt42-0 and vni 421's vcbr421, vt421-0
    RecordingRunner r = new RecordingRunner(c -> RecordingRunner.ok(c, c.argv().contains("-json") ? links : ""));
    List<String> failures = new LinuxFabric(r).tearDown(FabricScriptsTest.batchHost());
    List<String> argvs = r.argvs();
    assertEquals(List.of("ip -json address show", "ip link del dev vcvx42", "ip link del dev vt42-0",
        "ip link del dev vcbr42", "nft -f -"), argvs.subList(0, 5));
    assertEquals(FabricScripts.nftRemoval(42), r.commands.get(4).stdin());
    // the fake still lists the links, so the final check reports them: nothing was really removed
    assertTrue(failures.stream().anyMatch(f -> f.contains("still there after teardown: link vcbr42")), failures.toString());
    assertTrue(failures.stream().noneMatch(f -> f.contains("421")), failures.toString());
  }

  @Test
  void teardownOfWhatIsAlreadyGoneIsSuccess() {
    RecordingRunner r = new RecordingRunner(c -> c.argv().contains("del")
        ? RecordingRunner.fail(c, "Cannot find device \"vcvx42\"")
        : RecordingRunner.ok(c, c.argv().contains("-json") ? "[]" : ""));
    assertEquals(List.of(), new LinuxFabric(r).tearDown(FabricScriptsTest.batchHost()));
  }

  @Test
  void teardownKeepsGoingAndReportsEveryFailure() {
    RecordingRunner r = new RecordingRunner(c -> {
      if (c.argv().contains("-json")) {
        return RecordingRunner.ok(c, "[{\"ifname\":\"vcvx42\",\"addr_info\":[]},{\"ifname\":\"vcbr42\",\"addr_info\":[]}]");
      }
      if (c.argv().contains("del") || c.program().equals("nft") && c.stdin() != null) {
        return RecordingRunner.fail(c, "Operation not permitted");
      }
      return RecordingRunner.ok(c, "");
    });
    List<String> failures = new LinuxFabric(r).tearDown(FabricScriptsTest.batchHost());
    assertTrue(failures.get(0).startsWith("job 42: remove link vcvx42: command failed"), failures.toString());
    assertTrue(failures.get(1).startsWith("job 42: remove link vcbr42: "), failures.toString());
    assertTrue(failures.get(2).startsWith("job 42: remove nftables tables vc42: "), failures.toString());
    assertTrue(r.argvs().contains("nft list tables"), "the final check ran after the failures");
  }

  @Test
  void leftoversListsLinksWithAddressesAndTablesOfThisVniOnly() throws IOException {
    String links = resource("ip-json-address-show.json");
    String tables = resource("nft-list-tables.txt");
    RecordingRunner r = new RecordingRunner(c -> RecordingRunner.ok(c,
        c.argv().contains("-json") ? links : c.argv().equals(List.of("nft", "list", "tables")) ? tables : ""));
    assertEquals(List.of(
        "link vcbr42 with address 10.42.0.254/24, fe80::743b:2ff:fe7b:2c48/64",
        "link vcvx42 with address fe80::743b:2ff:fe7b:2c48/64",
        "link vt42-0",
        "nftables table bridge vc42",
        "nftables table inet vc42"), new LinuxFabric(r).leftovers(42));
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
    FabricException e = assertThrows(FabricException.class, () -> new LinuxFabric(r).leftovers(42));
    assertTrue(e.getMessage().contains("Cannot open netlink socket"), e.getMessage());
    // teardown still tries the spec's names and the tables, and says it could not check
    List<String> failures = new LinuxFabric(r).tearDown(FabricScriptsTest.batchHost());
    assertTrue(r.argvs().contains("ip link del dev vcvx42") && r.argvs().contains("ip link del dev vcbr42"));
    assertTrue(failures.size() == 2 && failures.get(0).contains("list links"), failures.toString());
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = LinuxFabricTest.class.getResourceAsStream("/fabric/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
