package org.virtualservices.core.plan;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

/** The limits that come from the job's allocation: its CPUs and its memory on each node. */
class PlannerLimitsTest {

  static final SiteConfig SITE = SiteConfigLoader.parse(String.join("\n",
      "images: {deb: {disk: /img/deb.qcow2}}",
      "limits: {maxVmsPerNode: 8}"), "test");
  static final List<String> NODES = List.of("n1", "n2");

  static JobContext job(List<Integer> cpus, List<Long> memory) {
    return new JobContext(ResourceManager.SLURM, "42", "alice", 1000, 1000, NODES, "n1", Path.of("/home/alice"),
        cpus, null, "1796281870", memory);
  }

  static VcRequest request(int vms, long memMiB) {
    return new VcRequest("deb", 1, memMiB, vms, "--comment");
  }

  static String refusal(JobContext job, VcRequest request, SiteConfig site) {
    RequestException e = assertThrows(RequestException.class, () -> Planner.plan(job, request, site));
    return e.getMessage();
  }

  /** A job with 1 CPU and no --mem asked for one VM of 64 GiB and got it; the site's per-CPU rule stops it. */
  @Test
  void aJobThatAskedNoMemoryGetsTheSitesMemoryPerCpu() {
    assertEquals("mem: 1 VM(s) x 65536M = 65536M on node n1, where the job asked no memory, and the site allows"
            + " 2048M per CPU (limits.memoryPerCpuMiB) x 1 CPU(s) = 2048M; ask more with --mem",
        refusal(job(List.of(1, 1), List.of()), request(1, 65536), SITE));
    assertDoesNotThrow(() -> Planner.plan(job(List.of(1, 1), List.of()), request(1, 2048), SITE));
    assertDoesNotThrow(() -> Planner.plan(job(List.of(2, 2), List.of()), request(2, 2048), SITE));
  }

  @Test
  void theVmsOfANodeFitInTheMemoryTheJobHasThere() {
    assertEquals("mem: 2 VM(s) x 1024M = 2048M on node n2, where the job has 2000M there (its --mem or"
            + " --mem-per-cpu)",
        refusal(job(List.of(2, 2), List.of(4096L, 2000L)), request(2, 1024), SITE));
    assertDoesNotThrow(() -> Planner.plan(job(List.of(2, 2), List.of(2048L, 2048L)), request(2, 1024), SITE));
  }

  /** The job's own --mem counts, not the site's per-CPU rule: more than 2048M per CPU is allowed when asked. */
  @Test
  void whatTheJobAskedOverridesTheSiteRule() {
    assertDoesNotThrow(() -> Planner.plan(job(List.of(1, 1), List.of(8192L, 8192L)), request(1, 8192), SITE));
  }

  @Test
  void theMemoryRuleNoneLeavesOnlyThePerVmLimits() {
    SiteConfig none = SiteConfigLoader.parse("images: {deb: {disk: /img/deb.qcow2}}\nlimits: {memoryRule: none}",
        "test");
    assertDoesNotThrow(() -> Planner.plan(job(List.of(1, 1), List.of(256L, 256L)), request(1, 4096), none));
  }

  /** The CPU rule was skipped when the CPU counts were missing; now the job is refused, saying why. */
  @Test
  void aJobWhoseCpusAreUnknownIsRefusedNotWaved() {
    assertEquals("CPUs per node: the resource manager did not say how many CPUs the job has on each node, and"
        + " the site's rule (limits.allocationRule: cpus) needs it", refusal(job(List.of(), List.of()), request(1, 512),
        SITE));
    SiteConfig noCpuRule = SiteConfigLoader.parse(
        "images: {deb: {disk: /img/deb.qcow2}}\nlimits: {allocationRule: none}", "test");
    assertEquals("mem: neither the job's memory nor its CPUs on node n1 are known, and the site's rule"
        + " (limits.memoryRule: allocation) needs one of them", refusal(job(List.of(), List.of()), request(1, 512),
        noCpuRule));
    assertDoesNotThrow(() -> Planner.plan(job(List.of(), List.of(1024L, 1024L)), request(1, 512), noCpuRule));
  }

  @Test
  void theCpuRuleStillHolds() {
    assertEquals("vcpus: 2 VM(s) x 1 vCPUs = 2 vCPUs on node n1, where the job has 1 CPU(s)",
        refusal(job(List.of(1, 1), List.of()), request(2, 512), SITE));
  }
}
