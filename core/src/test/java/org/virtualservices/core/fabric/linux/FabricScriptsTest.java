package org.virtualservices.core.fabric.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.fabric.Endpoint;
import org.virtualservices.core.fabric.FabricException;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.Peer;

/** The batch text, line by line: what ip, bridge and nft are asked to do. */
class FabricScriptsTest {

  static final Endpoint VM0 = new Endpoint("vt42-0", "52:54:00:00:00:01", "10.42.0.1");
  static final Endpoint VM1 = new Endpoint("vt42-1", "52:54:00:00:00:02", "10.42.0.2");

  static FabricSpec batchHost() {
    return new FabricSpec("42", 42, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.1", "ib0",
        List.of(new Peer("n2", "10.77.0.2", List.of("52:54:00:00:00:03")),
            new Peer("n3", "10.77.0.3", List.of("52:54:00:00:00:04", "52:54:00:00:00:05"))),
        null, "10.42.0.254/24", "10.42.0.0/24", 4242, List.of(VM0, VM1), false);
  }

  static FabricSpec otherNode() {
    return new FabricSpec("42", 42, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.2", null,
        List.of(new Peer("n1", "10.77.0.1", List.of("52:54:00:00:00:01"))),
        null, null, "10.42.0.0/24", 4242, List.of(VM0), false);
  }

  static FabricSpec with(FabricSpec s, String group, boolean nat) {
    return new FabricSpec(s.job(), s.vni(), s.bridge(), s.vxlan(), s.udpPort(), s.guestMtu(), s.localAddress(),
        s.underlayDevice(), s.peers(), group, s.gatewayCidr(), s.subnet(), s.ownerUid(), s.endpoints(), nat);
  }

  static FabricSpec withFloodLimit(FabricSpec s, int limit) {
    return new FabricSpec(s.job(), s.vni(), s.bridge(), s.vxlan(), s.udpPort(), s.guestMtu(), s.localAddress(),
        s.underlayDevice(), s.peers(), s.multicastGroup(), s.gatewayCidr(), s.subnet(), s.ownerUid(), s.endpoints(),
        s.outboundNat(), limit);
  }

  @Test
  void ipBatchMakesBridgeAndVxlanAtTheGuestMtuAndAddressesTheBatchHostsBridge() {
    assertEquals("""
        link add name vcbr42 address %s mtu 1450 type bridge stp_state 0
        link set dev vcbr42 alias vcjob=42
        link set dev vcbr42 addrgenmode none
        link add name vcvx42 mtu 1450 type vxlan id 42 dstport 4789 local 10.77.0.1 dev ib0 nolearning
        link set dev vcvx42 alias vcjob=42
        link set dev vcvx42 addrgenmode none
        link set dev vcvx42 master vcbr42
        link set dev vcvx42 type bridge_slave neigh_suppress on
        link set dev vcvx42 up
        link set dev vcbr42 up
        address add 10.42.0.254/24 dev vcbr42
        """.formatted(FabricScripts.bridgeMac(batchHost())), FabricScripts.ipBatch(batchHost(), true));
  }

  @Test
  void eachNodesBridgeHasItsOwnFixedAddressNeverAVms() {
    String a = FabricScripts.bridgeMac(batchHost());
    String b = FabricScripts.bridgeMac(otherNode());
    assertTrue(a.matches("06(:[0-9a-f]{2}){5}"), a);
    assertFalse(a.equals(b), "two nodes of one job, one bridge address");
    assertEquals(a, FabricScripts.bridgeMac(batchHost()), "the same on every call");
  }

  @Test
  void remoteVmsWithKnownAddressesAreAnsweredByTheBridgeInsteadOfFlooded() {
    FabricSpec s = otherNode();
    FabricSpec known = new FabricSpec("42", 42, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.2", null,
        List.of(new Peer("n1", "10.77.0.1", List.of("52:54:00:00:00:01"), List.of("10.42.0.1"))),
        null, null, s.subnet(), 1, s.endpoints(), false);
    assertTrue(FabricScripts.ipBatch(known, true).endsWith(
        "neigh replace 10.42.0.1 lladdr 52:54:00:00:00:01 dev vcbr42 nud permanent\n"), FabricScripts.ipBatch(known, true));
    assertEquals("""
        fdb append 00:00:00:00:00:00 dev vcvx42 dst 10.77.0.1 self permanent
        fdb replace 52:54:00:00:00:01 dev vcvx42 dst 10.77.0.1 self permanent
        fdb replace 52:54:00:00:00:01 dev vcvx42 master static
        """, FabricScripts.fdbBatch(known));
  }

  @Test
  void withoutIpv6InTheKernelThereIsNoAddressGenerationToTurnOff() {
    assertFalse(FabricScripts.ipBatch(batchHost(), false).contains("addrgenmode"));
  }

  @Test
  void otherNodesBridgeGetsNoAddress() {
    String batch = FabricScripts.ipBatch(otherNode(), true);
    assertFalse(batch.contains("address add"), batch);
    assertTrue(batch.contains(" local 10.77.0.2 nolearning\n"), batch);
  }

  @Test
  void multicastModeNamesTheGroupAndWritesNoHeadEndReplication() {
    FabricSpec s = with(batchHost(), "239.1.1.42", false);
    assertTrue(FabricScripts.ipBatch(s, true).contains(" local 10.77.0.1 group 239.1.1.42 dev ib0 nolearning\n"));
    String fdb = FabricScripts.fdbBatch(s);
    assertFalse(fdb.contains("00:00:00:00:00:00"), fdb);
    assertTrue(fdb.contains("fdb replace 52:54:00:00:00:03 dev vcvx42 dst 10.77.0.2 self permanent\n"), fdb);
  }

  @Test
  void fdbBatchReplicatesToEveryPeerAndPinsEveryRemoteVm() {
    assertEquals("""
        fdb append 00:00:00:00:00:00 dev vcvx42 dst 10.77.0.2 self permanent
        fdb append 00:00:00:00:00:00 dev vcvx42 dst 10.77.0.3 self permanent
        fdb replace 52:54:00:00:00:03 dev vcvx42 dst 10.77.0.2 self permanent
        fdb replace 52:54:00:00:00:04 dev vcvx42 dst 10.77.0.3 self permanent
        fdb replace 52:54:00:00:00:05 dev vcvx42 dst 10.77.0.3 self permanent
        """, FabricScripts.fdbBatch(batchHost()));
  }

  @Test
  void fdbBatchNeverReplicatesToItselfNorTwiceToOneNode() {
    FabricSpec s = batchHost();
    FabricSpec odd = new FabricSpec("42", 42, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.1", null,
        List.of(new Peer("self", "10.77.0.1", List.of()), new Peer("n2", "10.77.0.2", List.of()),
            new Peer("n2again", "10.77.0.2", List.of())),
        null, null, s.subnet(), 1, List.of(), false);
    assertEquals("fdb append 00:00:00:00:00:00 dev vcvx42 dst 10.77.0.2 self permanent\n",
        FabricScripts.fdbBatch(odd));
  }

  @Test
  void oneNodeJobHasNothingToForward() {
    FabricSpec s = batchHost();
    FabricSpec alone = new FabricSpec("42", 42, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.1", null, List.of(),
        null, s.gatewayCidr(), s.subnet(), 1, s.endpoints(), false);
    assertEquals("", FabricScripts.fdbBatch(alone));
  }

  @Test
  void bridgeTableLetsEachTapSendOnlyWithItsOwnMacAndIpAndBoundsItsBroadcasts() {
    String nft = FabricScripts.nftRuleset(otherNode());
    assertTrue(nft.startsWith("""
        create table bridge vc42 { comment "vcjob=42"; }
        create table inet vc42 { comment "vcjob=42"; }
        table bridge vc42 {
          counter spoofed {
          }
          counter flooded {
          }
          chain guard {
            type filter hook prerouting priority -200; policy accept;
            iifname "vt42-0" ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 limit rate over 100/second burst 100 packets counter name flooded drop
            iifname "vt42-0" ether saddr 52:54:00:00:00:01 arp saddr ether 52:54:00:00:00:01 arp saddr ip 10.42.0.1 arp daddr ip 10.42.0.0/24 accept
            iifname "vt42-0" ether saddr 52:54:00:00:00:01 ip saddr 10.42.0.1 accept
            iifname "vt42-0" counter name spoofed drop
            iifname "vt42-*" counter name spoofed drop
            iifname "vcvx42" ether saddr { 52:54:00:00:00:01 } counter name spoofed drop
          }
        }
        """), nft);
    assertFalse(FabricScripts.nftRuleset(withFloodLimit(otherNode(), 0)).contains("limit rate"), "0: no limit");
  }

  @Test
  void everyNodeGuardsTheUnderlayAndIsolatesTheBridge() {
    String nft = FabricScripts.nftRuleset(otherNode());
    assertTrue(nft.endsWith("""
        table inet vc42 {
          counter underlay_forged {
          }
          counter underlay_user {
          }
          counter isolated {
          }
          chain underlay_in {
            type filter hook input priority -150; policy accept;
            udp dport 4789 @th,96,24 42 ip saddr != { 10.77.0.1 } counter name underlay_forged drop
            iifname "vcbr42" counter name isolated drop
          }
          chain underlay_out {
            type filter hook output priority -150; policy accept;
            udp dport 4789 @th,96,24 42 meta skuid != { 0, 4242 } counter name underlay_user drop
          }
          chain isolate {
            type filter hook forward priority -150; policy accept;
            iifname "vcbr42" oifname "vcbr42" accept
            iifname "vcbr42" counter name isolated drop
            oifname "vcbr42" counter name isolated drop
          }
        }
        """), nft);
    assertFalse(nft.contains("chain owner"), "only the batch host has the owner-only chains");
  }

  @Test
  void aOneNodeJobAcceptsItsVniFromNoOne() {
    FabricSpec s = batchHost();
    FabricSpec alone = new FabricSpec("42", 42, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.1", null, List.of(),
        null, s.gatewayCidr(), s.subnet(), 1, s.endpoints(), false);
    assertTrue(FabricScripts.nftRuleset(alone).contains(
        "    udp dport 4789 @th,96,24 42 counter name underlay_forged drop\n"));
  }

  @Test
  void batchHostAlsoGetsTheOwnerOnlyChainsAndLetsTheVmsReachTheGatewayOnly() {
    String nft = FabricScripts.nftRuleset(batchHost());
    assertTrue(nft.contains("""
            udp dport 4789 @th,96,24 42 ip saddr != { 10.77.0.2, 10.77.0.3 } counter name underlay_forged drop
            iifname "vcbr42" ip daddr 10.42.0.254 accept
            iifname "vcbr42" counter name isolated drop
        """), nft);
    assertTrue(nft.contains("""
          chain owner {
            type filter hook output priority 0; policy accept;
            ip daddr 10.42.0.0/24 ct state new jump admit
            oifname "vcbr42" ct state new jump admit
          }
          chain admit {
            meta skuid { 0, 4242 } accept
            meta l4proto tcp counter reject with tcp reset
            counter reject with icmpx admin-prohibited
          }
        }
        """), nft);
    assertFalse(nft.contains("masquerade"), "NAT is off by default");
  }

  @Test
  void outboundNatMasqueradesWhatLeavesOtherThanTheBridgeButNeverIntoAnotherJob() {
    String nft = FabricScripts.nftRuleset(with(batchHost(), null, true));
    assertTrue(nft.contains("ip saddr 10.42.0.0/24 oifname != \"vcbr42\" masquerade\n"), nft);
    assertTrue(nft.contains("""
            iifname "vcbr42" oifname "vcbr42" accept
            iifname "vcbr42" oifname != "vcbr*" ip saddr 10.42.0.0/24 accept
            iifname "vcbr42" counter name isolated drop
            oifname "vcbr42" ip daddr 10.42.0.0/24 ct state established,related accept
            oifname "vcbr42" counter name isolated drop
        """), nft);
    assertTrue(nft.contains("type nat hook postrouting priority 100;"), nft);
  }

  @Test
  void removalDeletesExactlyTheTablesListedByHandle() {
    assertEquals("delete table bridge handle 7\ndelete table inet handle 9\n", FabricScripts.nftRemoval(List.of(
        new Leftovers.Table("bridge", 7, "vcjob=42"), new Leftovers.Table("inet", 9, "vcjob=42"))));
  }

  @Test
  void specValuesThatCouldSmuggleACommandIntoBatchTextAreRefused() {
    FabricSpec s = batchHost();
    List<FabricSpec> bad = List.of(
        new FabricSpec("42", 42, "vcbr42\nlink del eth0", "vcvx42", 4789, 1450, "10.77.0.1", null, s.peers(),
            null, null, s.subnet(), 1, List.of(), false),
        new FabricSpec("42", 42, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.1 dev eth0", null, s.peers(),
            null, null, s.subnet(), 1, List.of(), false),
        new FabricSpec("42", 42, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.1", null, s.peers(),
            null, null, s.subnet(), 1, List.of(new Endpoint("vt42-0\" accept", VM0.mac(), VM0.ip())), false),
        new FabricSpec("42", 42, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.1", null,
            List.of(new Peer("n2", "node2.example", List.of())), null, null, s.subnet(), 1, List.of(), false),
        new FabricSpec("42", 1 << 24, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.1", null, s.peers(),
            null, null, s.subnet(), 1, List.of(), false),
        new FabricSpec("42", 42, "vcbr4200000000000", "vcvx42", 4789, 1450, "10.77.0.1", null, s.peers(),
            null, null, s.subnet(), 1, List.of(), false),
        new FabricSpec("42\" accept", 42, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.1", null, s.peers(),
            null, null, s.subnet(), 1, List.of(), false),
        new FabricSpec("42", 42, "vcbr42", "vcvx42", 4789, 1450, "10.77.0.1", null,
            List.of(new Peer("n2", "10.77.0.2", List.of("52:54:00:00:00:09"), List.of("10.42.0.9 dev eth0"))),
            null, null, s.subnet(), 1, List.of(), false));
    for (FabricSpec b : bad) {
      FabricException e = assertThrows(FabricException.class, () -> SpecCheck.check(b));
      assertTrue(e.getMessage().startsWith("job 42"), e.getMessage());
    }
    SpecCheck.check(batchHost());
  }
}
