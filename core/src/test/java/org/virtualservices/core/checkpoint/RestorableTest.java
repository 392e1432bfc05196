package org.virtualservices.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

/**
 * A checkpoint is restored only into the same machines: the same job and image, the same VMs per
 * node with the same names, addresses, MACs, vCPUs and memory; the domain's UUID goes into the new
 * run's definition.
 */
class RestorableTest {

  static final SiteConfig SITE = SiteConfigLoader.parse("images: {deb: {disk: /img/deb.qcow2}}", "test");

  static Plan plan(String jobId, int vms, long mem) {
    JobContext job = new JobContext(ResourceManager.SLURM, jobId, "alice", 1000, 1000, List.of("n1"), "n1",
        Path.of("/home/alice"), List.of(4), null);
    return Planner.plan(job, new VcRequest("deb", 1, mem, vms, "--comment"), SITE);
  }

  static CheckpointManifest of(Plan p) {
    NodePlan n = p.nodes().get(0);
    return new CheckpointManifest(2, p.job(), p.image(), p.vni(), p.subnet(), 0, 1, n.name(), 1000, "", "requeue-1", "t",
        n.vms().stream().map(v -> new CheckpointManifest.Vm(v.name(), v.index(), v.ip(), v.mac(), v.vcpus(),
            v.memoryMiB(), "0f0e0d0c-0b0a-4908-8706-050403020100")).toList(), List.of());
  }

  @Test
  void theSameJobRequeuedMatches() {
    Plan p = plan("77", 2, 256);
    assertDoesNotThrow(() -> Restorable.match(of(p), plan("77", 2, 256), plan("77", 2, 256).nodes().get(0), Path.of("c")));
  }

  @Test
  void anythingElseIsRefusedWithWhatDiffers() {
    CheckpointManifest m = of(plan("77", 2, 256));
    Plan otherJob = plan("78", 2, 256);
    assertTrue(assertThrows(CheckpointException.class, () -> Restorable.match(m, otherJob, otherJob.nodes().get(0),
        Path.of("c"))).getMessage().contains("is of job 77"));
    Plan fewer = plan("77", 1, 256);
    assertTrue(assertThrows(CheckpointException.class, () -> Restorable.match(m, fewer, fewer.nodes().get(0),
        Path.of("c"))).getMessage().contains("has 2 VM(s) for this node; the job has 1"));
    Plan bigger = plan("77", 2, 512);
    assertTrue(assertThrows(CheckpointException.class, () -> Restorable.match(m, bigger, bigger.nodes().get(0),
        Path.of("c"))).getMessage().contains("512 MiB) of this run"));
  }

  @Test
  void theSavedUuidGoesIntoTheRenderedDefinition() {
    String xml = "<domain type='kvm'>\n  <name>vc77-0</name>\n  <memory>1</memory>\n</domain>";
    String with = DomainXml.withUuid(xml, "0f0e0d0c-0b0a-4908-8706-050403020100");
    assertEquals("0f0e0d0c-0b0a-4908-8706-050403020100", DomainXml.uuid(with));
    assertEquals(with, DomainXml.withUuid(with, "0f0e0d0c-0b0a-4908-8706-050403020100"), "replaced, not added twice");
    assertThrows(CheckpointException.class, () -> DomainXml.withUuid(xml, "x</uuid><evil/>"));
  }
}
