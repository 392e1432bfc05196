package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.hypervisor.DomainState;

/**
 * A 3-node job: each node's prolog, then each node's epilog, called as slurmd calls them, against
 * test:///default. Afterwards nothing named after the job remains; and the same holds when the
 * prolog fails, or dies without rolling back, at any of its steps.
 */
class HookSimulationTest extends OnSimulatedCluster {

  private static final String REQUEST = "vc:image=tiny,vms=2,vcpus=1,mem=256M";
  private static final List<String> NODES = List.of("sim1", "sim2", "sim3");

  HookSimulationTest() {
    super(NODES);
  }

  @Test
  void aThreeNodeJobBootsItsVmsEverywhereAndTheEpilogLeavesNothing() throws IOException {
    for (String node : NODES) {
      assertEquals(0, cluster.prolog("4242", node, REQUEST), cluster.log());
    }
    List<DomainInfo> domains = jobDomains("4242");
    assertEquals(6, domains.size(), "2 VMs on each of 3 nodes: " + domains);
    for (DomainInfo d : domains) {
      assertEquals(DomainState.RUNNING, d.state(), d.name());
      assertEquals("4242", d.job());
      int index = Integer.parseInt(d.name().substring("vc4242-".length()));
      assertEquals(NODES.get(index / 2), d.node(), "VM " + d.name() + " runs on the node the plan gives it");
    }
    // every node made its own network; only the batch host got the gateway
    for (String node : NODES) {
      FabricSpec spec = cluster.fabrics.get(node).specs().values().iterator().next();
      assertEquals(2, spec.peers().size(), node + " peers");
      assertEquals(node.equals("sim1"), spec.gatewayCidr() != null, node + " gateway");
      assertEquals(2, spec.endpoints().size());
    }
    // the batch host wrote what the job needs, the user's own and nobody else's
    Path report = cluster.workDir.resolve("vcluster-4242");
    JsonNode json = new ObjectMapper().readTree(report.resolve("report.json").toFile());
    for (String key : List.of("job", "vni", "subnet", "gateway", "batchHost", "nodes")) {
      assertTrue(json.has(key), "report.json has " + key);
    }
    assertEquals("sim1", json.get("batchHost").asText());
    assertEquals(6, Files.readAllLines(report.resolve("hostfile")).size());
    assertEquals(6, Files.readAllLines(report.resolve("known_hosts")).size());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(report.resolve("id_ed25519"))));
    assertTrue(Files.readString(report.resolve("ssh_config")).contains("Host vc4242-5"));
    String keyBody = Files.readString(report.resolve("id_ed25519")).lines().skip(1).findFirst().orElseThrow();
    // overlays and seeds exist, private to the account QEMU runs as (the site's nobody: these jobs are
    // root's), in folders only its group passes; root's own files stay root's
    Path vm0 = cluster.stateDir.resolve("jobs/4242/sim1/vc4242-0.qcow2");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(vm0)));
    assertTrue(Files.exists(cluster.stateDir.resolve("jobs/4242/sim3/vc4242-5-seed.iso")));
    for (String f : List.of("vc4242-5-seed.iso", "vc4242-5.xml", "journal.json")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
          cluster.stateDir.resolve("jobs/4242/sim3/" + f))), f + " is its owner's only (the seed carries keys)");
    }
    int nobody = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0 ? 65534 : -1;
    if (nobody > 0) {
      for (String f : List.of("vc4242-5-seed.iso", "vc4242-5.qcow2")) {
        assertEquals(nobody, Files.getAttribute(cluster.stateDir.resolve("jobs/4242/sim3/" + f), "unix:uid"), f);
      }
      assertEquals(0, Files.getAttribute(cluster.stateDir.resolve("jobs/4242/sim3/journal.json"), "unix:uid"));
      Path nodeDir = cluster.stateDir.resolve("jobs/4242/sim3");
      assertEquals("rwx--x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(nodeDir)));
      assertEquals(nobody, Files.getAttribute(nodeDir, "unix:gid"), "nogroup, nobody's");
      assertTrue(Files.readString(nodeDir.resolve("vc4242-5.xml")).contains("<label>+65534:+65534</label>"));
    }

    for (String node : NODES) {
      assertEquals(0, cluster.epilog("4242", node, REQUEST), cluster.log());
    }
    assertNothingLeft("4242");
    // no secret in the logs: the job's private key and the VMs' host keys are in files, never logged
    String logs = cluster.log() + Files.readString(cluster.stateDir.resolve("logs/4242.log"));
    assertFalse(logs.contains("PRIVATE KEY"), "a private key in the logs");
    assertFalse(logs.contains(keyBody), "the job key's body in the logs");
    // twice is fine
    for (String node : NODES) {
      assertEquals(0, cluster.epilog("4242", node, REQUEST), cluster.log());
    }
  }

  @Test
  void aPlainJobIsNotTouched() {
    for (String node : NODES) {
      assertEquals(0, cluster.prolog("77", node, null));
      assertEquals(0, cluster.prolog("77", node, "my own comment"));
    }
    assertEquals("", cluster.log(), "a plain job logs nothing");
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs")));
    assertTrue(jobDomains("77").isEmpty());
    for (String node : NODES) {
      assertEquals(0, cluster.epilog("77", node, null));
    }
  }

  @Test
  void theEpilogWorksWithoutItsJournal() throws IOException {
    for (String node : NODES) {
      assertEquals(0, cluster.prolog("55", node, REQUEST), cluster.log());
    }
    for (String node : NODES) {
      Files.delete(cluster.stateDir.resolve("jobs/55/" + node + "/journal.json"));
    }
    for (String node : NODES) {
      assertEquals(0, cluster.epilog("55", node, REQUEST), cluster.log());
    }
    assertNothingLeft("55");
  }

  @Test
  void aRequestBeyondTheAllocationIsRefusedWithoutMakingAnything() throws IOException {
    assertEquals(0, cluster.prolog("66", "sim1", "vc:image=tiny,vms=3,vcpus=1"),
        "a user's mistake does not drain a Slurm node");
    assertTrue(cluster.log().contains("vcpus"), cluster.log());
    assertTrue(jobDomains("66").isEmpty());
    Path error = cluster.workDir.resolve("vcluster-66/ERROR");
    assertTrue(Files.readString(error).contains("3 VM(s) x 1 vCPUs"), Files.readString(error));
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/66")));
  }

  // links planted where the report goes, and every other race on the user's paths: RootHooksUnderAttackTest

  /** sbatch --mem=256M, and VMs of 2 x 256M on each node: refused on every node, nothing made anywhere. */
  @Test
  void aJobOverItsMemoryAllocationIsRefusedWithoutMakingAnything() throws IOException {
    cluster.slurmRecord("67", "MinMemoryNode=256M", null);
    for (String node : NODES) {
      assertEquals(0, cluster.prolog("67", node, REQUEST), "a user's mistake does not drain " + node);
    }
    String error = Files.readString(cluster.workDir.resolve("vcluster-67/ERROR"));
    assertTrue(error.contains("mem: 2 VM(s) x 256M = 512M on node sim1, where the job has 256M there"), error);
    assertTrue(jobDomains("67").isEmpty());
    NODES.forEach(n -> assertTrue(cluster.fabrics.get(n).networks().isEmpty(), "network on " + n));
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/67")), listing());
    assertNull(leftoverFileNamed("67"));
  }

  /** The base image is 64 MiB; a site that allows disks of 32 MiB refuses it before making anything. */
  @Test
  void anImageBeyondTheSitesDiskLimitIsRefusedWithoutMakingAnything() throws IOException {
    cluster.close();
    cluster = new SimulatedCluster(tmp.resolve("small-disks"), NODES, "limits:\n  maxDiskMiBPerVm: 32");
    assertEquals(0, cluster.prolog("70", "sim1", REQUEST), cluster.log());
    String error = Files.readString(cluster.workDir.resolve("vcluster-70/ERROR"));
    assertTrue(error.contains("image: 'tiny' has a virtual disk of 64 MiB, more than the site's limit"
        + " limits.maxDiskMiBPerVm = 32 MiB"), error);
    assertTrue(jobDomains("70").isEmpty());
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/70")), listing());
  }

  /** A base image missing on a node is that node's fault: the disk step fails on it and keeps the evidence. */
  @Test
  void aMissingBaseImageFailsAtTheDiskStepWithEvidence() throws IOException {
    Files.delete(cluster.baseImage);
    assertEquals(1, cluster.prolog("71", "sim1", REQUEST), cluster.log());
    assertTrue(cluster.log().contains("missing or unreadable on this node"), cluster.log());
    assertFalse(evidence("71").isEmpty(), "evidence kept: " + listing());
    assertTrue(jobDomains("71").isEmpty());
  }

  /** --mem-per-cpu=256M with 2 CPUs per node is 512M there: the same VMs fit, and boot. */
  @Test
  void aJobWithinItsMemoryPerCpuBoots() throws IOException {
    cluster.slurmRecord("68", "MinMemoryCPU=256M", null);
    assertEquals(0, cluster.prolog("68", "sim2", REQUEST), cluster.log());
    assertEquals(2, jobDomains("68").size(), cluster.log());
    assertEquals(0, cluster.epilog("68", "sim2", REQUEST), cluster.log());
    assertTrue(jobDomains("68").isEmpty());
  }

  /** A job name that forges the controller's memory field is refused, not believed. */
  @Test
  void aJobNameThatForgesItsRecordIsRefused() throws IOException {
    cluster.slurmRecord("69", "MinMemoryNode=256M", "x MinMemoryNode=64G");
    assertEquals(0, cluster.prolog("69", "sim1", REQUEST), cluster.log());
    String error = Files.readString(cluster.workDir.resolve("vcluster-69/ERROR"));
    assertTrue(error.contains("'MinMemoryNode=' appears more than once"), error);
    assertTrue(jobDomains("69").isEmpty());
  }

  @Test
  void theJobFindsItsReportInTheRootOwnedRunTreeAndACopyInItsWorkingFolder() throws IOException {
    assertEquals(0, cluster.prolog("89", "sim1", REQUEST), cluster.log());
    Path run = cluster.runFolder("89", "sim1");
    assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(run)),
        "readable by the job's group, writable by root alone");
    assertEquals(0, (Integer) Files.getAttribute(run, "unix:uid"), "root keeps the folder");
    assertTrue(Files.readString(run.resolve("ssh_config")).contains("IdentityFile " + run.resolve("id_ed25519")),
        "the run tree's ssh config names the run tree's key");
    Path copy = cluster.workDir.resolve("vcluster-89");
    assertTrue(Files.readString(copy.resolve("ssh_config")).contains("IdentityFile " + copy.resolve("id_ed25519")),
        "the copy's ssh config names the copy's key (a login node has no run tree)");
    assertEquals(Files.readString(run.resolve("id_ed25519")), Files.readString(copy.resolve("id_ed25519")));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy.resolve("id_ed25519"))));
    for (String node : NODES.subList(1, 3)) {
      assertEquals(0, cluster.prolog("89", node, REQUEST), cluster.log());
      assertTrue(Files.isDirectory(cluster.runFolder("89", node)), "every node marks the job it holds");
    }
    for (String node : NODES) {
      assertEquals(0, cluster.epilog("89", node, REQUEST), cluster.log());
    }
    assertNothingLeft("89");
  }

  @Test
  void aGuestThatNeverBecomesReadyIsGivenUpWithEvidenceAndRolledBack() throws IOException {
    Files.writeString(cluster.config, Files.readString(cluster.config)
        .replace("  readiness: [running]", "  readiness: [running, marker]")
        .replace("  timeoutSeconds: 5", "  timeoutSeconds: 1"));
    assertEquals(1, cluster.prolog("93", "sim2", REQUEST), "a node whose guests never answer is a node fault");
    String log = cluster.log();
    assertTrue(log.contains("Timed out after 1.0s on node sim2 waiting for console line 'VC-READY vc93-2' in "), log);
    assertTrue(log.contains("console line 'VC-READY vc93-3'"), "every VM not ready is named: " + log);
    assertTrue(jobDomains("93").isEmpty(), "rolled back");
    try (Stream<Path> s = Files.list(cluster.stateDir.resolve("evidence"))) {
      Path d = s.findFirst().orElseThrow();
      assertTrue(Files.exists(d.resolve("vc93-2.xml")), "the rendered XML is kept");
      assertTrue(Files.readString(d.resolve("failure.txt")).contains("at step 'ready'"), "and what failed");
    }
    int before = cluster.log().length();
    assertEquals(0, cluster.epilog("93", "sim2", REQUEST), cluster.log());
    String epilogLog = cluster.log().substring(before);
    assertTrue(epilogLog.contains("nothing was left to remove"),
        "the rollback took the network too; the epilog does not count it as removed again: " + epilogLog);
    for (String node : NODES) {
      assertEquals(0, cluster.epilog("93", node, REQUEST), cluster.log());
    }
    assertNothingLeft("93");
  }

  /**
   * The batch host waits for every VM's port over the job's network. Here the job's addresses are
   * loopback ones (127.77.0.0/16), so no probe leaves this machine; the test listens on the batch
   * host's own VMs' addresses and nobody on the other nodes'.
   */
  @Test
  @SuppressWarnings("try") // the listeners only need to exist while the prolog probes them
  void vmsOfAnotherNodeThatNeverAnswerDoNotDrainTheBatchHost() throws IOException {
    cluster.probePortsOnLoopback();
    // job 95 gets the 67th /24 of the pool and job 96 the 224th: (n * Planner.SPREAD) mod 256
    try (java.net.ServerSocket a = new java.net.ServerSocket(20222, 5, java.net.InetAddress.getByName("127.77.67.2"));
        java.net.ServerSocket b = new java.net.ServerSocket(20222, 5, java.net.InetAddress.getByName("127.77.67.3"))) {
      assertEquals(0, cluster.prolog("95", "sim1", REQUEST), "a healthy batch host is not drained: " + cluster.log());
    }
    String log = cluster.log();
    assertTrue(log.contains("waiting for TCP port 20222 of vc95-2 on sim2 (127.77.67.4)"), log);
    assertTrue(log.contains("the other nodes' own logs say why"), log);
    assertTrue(jobDomains("95").isEmpty(), "rolled back");
    assertTrue(Files.readString(cluster.workDir.resolve("vcluster-95/ERROR")).contains("vc95-2 on sim2"));
    // its own VMs not answering is its own fault
    assertEquals(1, cluster.prolog("96", "sim1", REQUEST), cluster.log());
    assertTrue(cluster.log().contains("waiting for TCP port 20222 of vc96-0 on sim1 (127.77.224.2)"), cluster.log());
    for (String job : List.of("95", "96")) {
      for (String node : NODES) {
        assertEquals(0, cluster.epilog(job, node, REQUEST), cluster.log());
      }
      Files.deleteIfExists(cluster.workDir.resolve("vcluster-" + job + "/ERROR"));
      Files.deleteIfExists(cluster.workDir.resolve("vcluster-" + job));
      assertNothingLeft(job);
    }
  }

  static Stream<String> teardownPoints() {
    return Stream.of("teardown:domain:vc34-0", "teardown:domain:vc34-1", "teardown:files", "teardown:fabric");
  }

  /** The epilog dies half-way (as kill -9 would); run again, it finishes the job. */
  @ParameterizedTest
  @MethodSource("teardownPoints")
  void anEpilogKilledHalfWayFinishesWhenRunAgain(String point) {
    for (String node : NODES) {
      assertEquals(0, cluster.prolog("34", node, REQUEST), cluster.log());
    }
    cluster.faults.put("sim1", p -> {
      if (p.equals(point)) {
        throw new Died(p);
      }
    });
    try {
      cluster.epilog("34", "sim1", REQUEST);
      org.junit.jupiter.api.Assertions.fail("the epilog should have died at " + point);
    } catch (Died expected) {
      // as the resource manager would, it runs the epilog again (or the sweep does)
    }
    cluster.faults.remove("sim1");
    for (String node : NODES) {
      assertEquals(0, cluster.epilog("34", node, REQUEST), "epilog again after dying at " + point + ": " + cluster.log());
    }
    assertNothingLeft("34");
  }

  static Stream<String> faultPoints() {
    return Stream.of("journal", "fabric", "disk:vc31-0", "seed:vc31-0", "disk:vc31-1", "seed:vc31-1",
        "define:vc31-0", "define:vc31-1", "start:vc31-0", "start:vc31-1", "ready", "report");
  }

  /** The prolog fails at this point (and rolls back), then the epilog runs: nothing is left. */
  @ParameterizedTest
  @MethodSource("faultPoints")
  void aPrologThatFailsAnywhereLeavesNothingAfterTheEpilog(String point) {
    cluster.faults.put("sim1", p -> {
      if (p.equals(point)) {
        throw new IllegalStateException("injected failure at " + p);
      }
    });
    runFaultyJob("31", point, 1);
  }

  /** The prolog dies at this point without any rollback (as kill -9 would), then the epilog runs. */
  @ParameterizedTest
  @MethodSource("faultPoints")
  void aPrologThatDiesAnywhereLeavesNothingAfterTheEpilog(String point) {
    cluster.faults.put("sim1", p -> {
      if (p.equals(point)) {
        throw new Died(p);
      }
    });
    runFaultyJob("31", point, -1);
  }

  private void runFaultyJob(String job, String point, int expected) {
    int status;
    try {
      status = cluster.prolog(job, "sim1", REQUEST);
    } catch (Died d) {
      status = -1;
    }
    assertEquals(expected, status, "prolog at " + point + ": " + cluster.log());
    if (expected == 1) {
      assertTrue(cluster.log().contains("at step"), cluster.log());
      assertTrue(jobDomains(job).isEmpty(), "the prolog rolled back its domains at " + point);
      if (point.startsWith("define") || point.startsWith("start") || point.equals("ready")
          || point.equals("report")) {
        assertTrue(evidence(job).contains("vc" + job + "-0.xml"), "rendered XML kept as evidence: " + evidence(job));
      }
    }
    for (String node : NODES.subList(1, 3)) {
      assertEquals(0, cluster.prolog(job, node, REQUEST), cluster.log());
    }
    for (String node : NODES) {
      assertEquals(0, cluster.epilog(job, node, REQUEST), "epilog after a fault at " + point + ": " + cluster.log());
    }
    if (expected == 1) {
      // the one thing a failed prolog leaves on purpose: the user's note of why the job got no cluster
      Path error = cluster.workDir.resolve("vcluster-" + job + "/ERROR");
      try {
        assertTrue(Files.readString(error).contains("at step"), "ERROR names the failed step");
        Files.delete(error);
        Files.delete(error.getParent());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("the user's error note after a fault at " + point, e);
      }
    }
    assertNothingLeft(job);
  }

  private List<DomainInfo> jobDomains(String job) {
    return cluster.keepAlive.domains().stream().filter(d -> d.name().startsWith("vc" + job + "-")).toList();
  }

  private void assertNothingLeft(String job) {
    assertTrue(jobDomains(job).isEmpty(), "domains left: " + jobDomains(job));
    for (String node : NODES) {
      assertTrue(cluster.fabrics.get(node).networks().isEmpty(), "network left on " + node);
    }
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs").resolve(job)), "state left: " + listing());
    assertFalse(Files.exists(cluster.workDir.resolve("vcluster-" + job)), "report left");
    for (String node : NODES) {
      assertFalse(Files.exists(cluster.runFolder(job, node)), "job folder left in the run tree of " + node);
    }
    assertNull(leftoverFileNamed(job), "a file named after the job: " + leftoverFileNamed(job));
  }

  private String leftoverFileNamed(String job) {
    try (Stream<Path> s = Files.walk(cluster.root)) {
      // evidence of a failed prolog and the job's log are kept on purpose, for the admin
      return s.filter(p -> !p.startsWith(cluster.stateDir.resolve("evidence"))
              && !p.startsWith(cluster.stateDir.resolve("logs")))
          .filter(p -> p.getFileName().toString().contains("vc" + job + "-")).map(Path::toString)
          .findFirst().orElse(null);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private List<String> evidence(String job) {
    try (Stream<Path> s = Files.walk(cluster.stateDir.resolve("evidence"))) {
      return s.filter(p -> p.getParent().getFileName().toString().startsWith(job + "-sim1-"))
          .map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private String listing() {
    List<String> all = new ArrayList<>();
    try (Stream<Path> s = Files.walk(cluster.stateDir)) {
      s.forEach(p -> all.add(cluster.stateDir.relativize(p).toString()));
    } catch (IOException e) {
      return e.toString();
    }
    return all.toString();
  }

  /** Ends the prolog where it stands, as kill -9 would: no catch of ours handles an Error. */
  static final class Died extends Error {
    Died(String point) {
      super("died at " + point);
    }
  }

  /**
   * A fault point fires inside the step that makes its resource, while the other steps run: a
   * prolog killed as vc31-0's disk is made has that disk and not yet vc31-0's seed (made after it
   * in the same step); the epilog still leaves nothing.
   */
  @Test
  void aPrologKilledAtADiskDiesInTheMiddleOfTheMake() throws IOException {
    cluster.faults.put("sim1", p -> {
      if (p.equals("disk:vc31-0")) {
        throw new Died(p);
      }
    });
    try {
      cluster.prolog("31", "sim1", REQUEST);
    } catch (Died d) {
      // as kill -9
    }
    List<String> made;
    try (Stream<Path> s = Files.list(cluster.stateDir.resolve("jobs/31/sim1"))) {
      made = s.map(p -> p.getFileName().toString()).toList();
    }
    assertTrue(made.contains("vc31-0.qcow2"), "the disk of the point is made: " + made);
    assertFalse(made.contains("vc31-0-seed.iso"), "its seed, made after it in the same step, is not: " + made);
    cluster.faults.remove("sim1");
    for (String node : NODES.subList(1, 3)) {
      assertEquals(0, cluster.prolog("31", node, REQUEST), cluster.log());
    }
    for (String node : NODES) {
      assertEquals(0, cluster.epilog("31", node, REQUEST), cluster.log());
    }
    assertNothingLeft("31");
  }

  @Test
  void everyFaultPointIsReached() {
    List<String> reached = java.util.Collections.synchronizedList(new ArrayList<>());
    cluster.faults.put("sim1", reached::add);
    assertEquals(0, cluster.prolog("31", "sim1", REQUEST), cluster.log());
    // the parallel steps reach theirs in any order
    assertEquals(faultPoints().sorted().toList(), reached.stream().sorted().toList(),
        "the fault points the tests use are the ones the prolog has");
    for (String node : NODES) {
      assertEquals(0, cluster.epilog("31", node, REQUEST), cluster.log());
    }
    assertTrue(jobDomains("31").isEmpty(), cluster.log());
    assertNull(leftoverFileNamed("31"));
  }
}
