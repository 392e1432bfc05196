package org.virtualservices.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.names.Names;
import org.virtualservices.core.net.Cidr;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

class PlannerTest {

  static final SiteConfig SITE = SiteConfigLoader.parse(String.join("\n",
      "images: {deb: {disk: /img/deb.qcow2}}",
      "limits: {maxVmsPerNode: 8}"), "test");

  static JobContext job(String id, List<String> nodes, String self, int cpus) {
    return new JobContext(ResourceManager.SLURM, id, "alice", 1000, 1000, nodes, self, Path.of("/home/alice"),
        nodes.stream().map(n -> cpus).toList(), null);
  }

  static VcRequest request(Integer vms, Integer vcpus) {
    return new VcRequest("deb", vcpus, null, vms, "--comment");
  }

  @Test
  void everyNodeComputesTheSamePlan() {
    List<String> nodes = List.of("n3", "n1", "n2");
    Plan a = Planner.plan(job("4242", nodes, "n1", 4), request(2, 2), SITE);
    Plan b = Planner.plan(job("4242", nodes, "n2", 4), request(2, 2), SITE);
    assertEquals(a, b);
    assertEquals("n3", a.batchHost(), "the first node of the allocation runs the batch script");
    assertEquals(List.of("vc4242-0", "vc4242-1"), a.nodes().get(0).vms().stream().map(VmPlan::name).toList());
    assertEquals("n3", a.vms().get(1).node());
    // 4242 * 679,535,557,021 mod 8,192 = 2,954: the 2,954th /24 of 10.96.0.0/11
    assertEquals("10.107.138.0/24", a.subnet());
    assertEquals("10.107.138.1", a.gateway());
    assertEquals("10.107.138.2", a.vms().get(0).ip());
    assertEquals(4096 + 7_859_082, a.vni(), "4096 + 4242 * 679,535,557,021 mod (16,777,215 - 4,096 + 1)");
    assertEquals("02:77:fb:8a:00:05", a.vms().get(5).mac());
    assertEquals("vt7863178-1", a.vms().get(5).tap());
    assertEquals(Path.of("/var/lib/vcluster/jobs/4242/n2/vc4242-5.qcow2"), a.vms().get(5).disk());
  }

  @Test
  void jobsWhoseNumbersTheOldRuleMappedTogetherGetDifferentSubnetsAndVnis() {
    // the old rule: n mod 256 for the subnet (1000 and 1256 both got 10.111.232.0/24) and
    // vniMin + n mod 4096 with a range of 4096 VNIs (5000 and 9096 both got VNI 5000)
    assertNotEquals(Planner.plan(job("1000", List.of("n1"), "n1", 4), request(1, 1), SITE).subnet(),
        Planner.plan(job("1256", List.of("n1"), "n1", 4), request(1, 1), SITE).subnet());
    SiteConfig small = SiteConfigLoader.parse("images: {deb: {disk: /d}}\nnetwork: {vniMin: 4096, vniMax: 8191}",
        "small");
    // a range of R VNIs repeats every R job numbers whatever the derivation: there, the check on
    // each node refuses the second job (docs/fabric.md); the default range repeats every 16.7 million
    assertEquals(Planner.vni("5000", small.network()), Planner.vni("9096", small.network()));
    assertNotEquals(Planner.vni("5000", SITE.network()), Planner.vni("9096", SITE.network()));
  }

  @Test
  void anyRangeOfConsecutiveJobNumbersAsLongAsThePoolGetsDistinctSubnetsAndNeighboursLandApart() {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int n = 700_000; n < 700_000 + 8192; n++) {
      assertTrue(seen.add(Planner.plan(job(String.valueOf(n), List.of("n1"), "n1", 4), request(1, 1), SITE).subnet()),
          "job " + n + " got a subnet an earlier one of the 8,192 has");
    }
    long a = Planner.spread(700_000, 8192);
    long b = Planner.spread(700_001, 8192);
    assertTrue(Math.abs(a - b) > 16, "neighbours " + a + " and " + b + " are next to each other");
  }

  @Test
  void macsIpsAndNamesAreUniqueWithinAJobAndInterfaceNamesFit() {
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      nodes.add("node" + i);
    }
    SiteConfig big = SiteConfigLoader.parse("images: {deb: {disk: /d}}\nnetwork: {subnetPool: 10.0.0.0/8, "
        + "subnetPrefix: 20, vniMin: 16777000}\nlimits: {maxVmsPerNode: 8}", "big");
    Plan p = Planner.plan(job("99999999", nodes, "node0", 64), request(8, 1), big);
    assertEquals(2000, p.vms().size());
    Set<String> macs = new HashSet<>();
    Set<String> ips = new HashSet<>();
    for (VmPlan v : p.vms()) {
      assertTrue(macs.add(v.mac()), "duplicate MAC " + v.mac());
      assertTrue(ips.add(v.ip()), "duplicate IP " + v.ip());
      assertTrue(v.tap().length() <= 15, v.tap());
    }
    assertTrue(p.bridge().length() <= 15 && p.vxlan().length() <= 15);
  }

  @Test
  void jobsRunningAtTheSameTimeNeverShareAVniOrSubnet() {
    // sequential job ids within a window smaller than the pool's 256 subnets
    Random r = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      long start = 1 + r.nextInt(5_000_000);
      Set<Integer> vnis = new HashSet<>();
      Set<String> subnets = new HashSet<>();
      for (long id = start; id < start + 256; id++) {
        Plan p = Planner.plan(job(String.valueOf(id), List.of("a", "b"), "a", 2), request(1, 1), SITE);
        assertTrue(vnis.add(p.vni()), "VNI clash at job " + id);
        assertTrue(subnets.add(p.subnet()), "subnet clash at job " + id);
        assertTrue(Cidr.parse(p.subnet()).contains(p.gateway()));
      }
    }
  }

  @Test
  void theRequestMustFitTheAllocationAndTheLimits() {
    RequestException e = assertThrows(RequestException.class,
        () -> Planner.plan(job("1", List.of("a"), "a", 2), request(3, 1), SITE));
    assertEquals("vcpus", e.field());
    assertTrue(e.getMessage().contains("3 VM(s) x 1 vCPUs = 3 vCPUs on node a, where the job has 2 CPU(s)"));
    assertEquals("vms", assertThrows(RequestException.class,
        () -> Planner.plan(job("1", List.of("a"), "a", 64), request(9, 1), SITE)).field());
    assertEquals("vcpus", assertThrows(RequestException.class,
        () -> Planner.plan(job("1", List.of("a"), "a", 64), request(1, 17), SITE)).field());
    assertEquals("mem", assertThrows(RequestException.class, () -> Planner.plan(job("1", List.of("a"), "a", 2),
        new VcRequest("deb", 1, 64L, 1, "x"), SITE)).field());
    RequestException unknown = assertThrows(RequestException.class, () -> Planner.plan(job("1", List.of("a"), "a", 2),
        new VcRequest("nope", null, null, null, "x"), SITE));
    assertEquals("image", unknown.field());
    assertTrue(unknown.getMessage().contains("known: deb"));
  }

  @Test
  void aJobLargerThanItsSubnetIsRefused() {
    SiteConfig small = SiteConfigLoader.parse("images: {deb: {disk: /d}}\nnetwork: {subnetPrefix: 29}", "s");
    RequestException e = assertThrows(RequestException.class,
        () -> Planner.plan(job("1", List.of("a", "b", "c", "d", "e", "f"), "a", 2), request(1, 1), small));
    assertTrue(e.getMessage().contains("more than the site's /29 subnets hold (5)"), e.getMessage());
  }

  @Test
  void pbsJobIdsBecomeHostNamesWithoutTheirServer() {
    assertEquals("vc42-3", Names.domain("42", 3));
    assertEquals("vc321-0", Names.domain("321.head.example.org", 0));
    assertEquals("vc321a4-1", Names.domain("321[4].head", 1));
    assertEquals("vc321-", Names.domainPrefix("321[].head"));
    assertThrows(IllegalArgumentException.class, () -> Names.domain("x/../y", 0));
    Plan p = Planner.plan(job("321.head", List.of("a"), "a", 2), request(1, 1), SITE);
    assertEquals("vc321-0", p.vms().get(0).name());
    assertEquals(Path.of("/var/lib/vcluster/jobs/321.head/a/vc321-0.qcow2"), p.vms().get(0).disk());
  }

  @Test
  void jobNumbersComeFromTheLeadingDigits() {
    assertEquals(123, Planner.jobNumber("123"));
    assertEquals(123, Planner.jobNumber("123.pbs-server"));
    assertThrows(RequestException.class, () -> Planner.jobNumber("abc"));
    assertThrows(RequestException.class, () -> Planner.jobNumber("12x"));
    assertNotEquals(Planner.plan(job("5", List.of("a"), "a", 2), request(1, 1), SITE).vni(),
        Planner.plan(job("6", List.of("a"), "a", 2), request(1, 1), SITE).vni());
  }
}
