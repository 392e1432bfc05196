package org.virtualservices.core.rm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.HookPhase;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

class SlurmHookTest {

  /** A Prolog environment as slurmd 22.05 (Debian) gives it: no PATH, no SLURM_JOB_NODELIST. */
  static Map<String, String> prologEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("SLURM_SCRIPT_CONTEXT", "prolog_slurmd");
    env.put("SLURM_JOB_ID", "42");
    env.put("SLURM_NODELIST", "node[1-3],gpu7");
    env.put("SLURMD_NODENAME", "node2");
    env.put("SLURM_JOB_USER", "alice");
    env.put("SLURM_JOB_UID", "1001");
    env.put("SLURM_JOB_GID", "1001");
    env.put("SLURM_JOB_NUM_NODES", "4");
    env.put("SLURM_JOB_CPUS_PER_NODE", "2(x3),1");
    env.put("SLURM_JOB_PARTITION", "batch");
    env.put("SLURM_JOB_WORK_DIR", "/home/alice/run");
    env.put("SLURM_CLUSTER_NAME", "cluster");
    env.put("SLURM_CONF", "/etc/slurm/slurm.conf");
    return env;
  }

  static Map<String, String> epilogEnv() {
    Map<String, String> env = prologEnv();
    env.put("SLURM_SCRIPT_CONTEXT", "epilog_slurmd");
    env.put("SLURM_JOB_EXIT_CODE", "256");
    return env;
  }

  static Map<String, String> withSpank(Map<String, String> env) {
    env.put("SPANK_VC_IMAGE", "debian12");
    env.put("SPANK_VC_VCPUS", "2");
    env.put("SPANK_VC_MEM", "2G");
    env.put("SPANK_VC_VMS", "1");
    return env;
  }

  @Test
  void readsASpankRequestAndTheWholeJob() {
    HookInvocation call = SlurmHook.read(HookPhase.PROLOG, withSpank(prologEnv()));
    assertEquals(HookPhase.PROLOG, call.phase());
    assertEquals(Optional.of(new VcRequest("debian12", 2, 2048L, 1, SlurmHook.CHANNEL_SPANK)), call.request());
    assertEquals(new JobContext(ResourceManager.SLURM, "42", "alice", 1001, 1001,
        List.of("node1", "node2", "node3", "gpu7"), "node2", Path.of("/home/alice/run"), List.of(2, 2, 2, 1), null),
        call.job());
    assertFalse(call.job().isBatchHost());
    assertEquals(2, call.job().cpusOnThisNode());
  }

  @Test
  void epilogGetsTheExitCode() {
    HookInvocation call = SlurmHook.read(HookPhase.EPILOG, withSpank(epilogEnv()));
    assertEquals(256, call.job().exitCode());
    assertEquals(HookPhase.EPILOG, call.phase());
  }

  @Test
  void readsACommentRequest() {
    Map<String, String> env = prologEnv();
    env.put("SLURM_JOB_COMMENT", "vc:image=debian12,vcpus=2,mem=2G,vms=2");
    assertEquals(Optional.of(new VcRequest("debian12", 2, 2048L, 2, SlurmHook.CHANNEL_COMMENT)),
        SlurmHook.read(HookPhase.PROLOG, env).request());
  }

  @Test
  void spankBeatsTheComment() {
    Map<String, String> env = withSpank(prologEnv());
    env.put("SLURM_JOB_COMMENT", "vc:image=alma9,vcpus=8");
    VcRequest r = SlurmHook.read(HookPhase.PROLOG, env).request().orElseThrow();
    assertEquals("debian12", r.image());
    assertEquals(SlurmHook.CHANNEL_SPANK, r.channel());
  }

  @Test
  void spankBeatsEvenABrokenComment() {
    Map<String, String> env = withSpank(prologEnv());
    env.put("SLURM_JOB_COMMENT", "vc:nonsense");
    assertEquals("debian12", SlurmHook.read(HookPhase.PROLOG, env).request().orElseThrow().image());
  }

  @Test
  void aSingleSpankOptionIsARequestWithSiteDefaults() {
    Map<String, String> env = prologEnv();
    env.put("SPANK_VC_MEM", "4G");
    assertEquals(new VcRequest(null, null, 4096L, null, SlurmHook.CHANNEL_SPANK),
        SlurmHook.read(HookPhase.PROLOG, env).request().orElseThrow());
  }

  @Test
  void jobNodelistIsPreferredWhenBothAreSet() {
    Map<String, String> env = withSpank(prologEnv());
    env.put("SLURM_JOB_NODELIST", "node[2-3]");
    env.put("SLURM_JOB_NUM_NODES", "2");
    env.put("SLURM_JOB_CPUS_PER_NODE", "2(x2)");
    assertEquals(List.of("node2", "node3"), SlurmHook.read(HookPhase.PROLOG, env).job().nodes());
  }

  @Test
  void emptyJobNodelistFallsBackToNodelist() {
    Map<String, String> env = withSpank(prologEnv());
    env.put("SLURM_JOB_NODELIST", "");
    assertEquals(4, SlurmHook.read(HookPhase.PROLOG, env).job().nodes().size());
  }

  @Test
  void optionalVariablesMayBeAbsent() {
    Map<String, String> env = withSpank(prologEnv());
    env.remove("SLURM_JOB_NUM_NODES");
    env.remove("SLURM_JOB_CPUS_PER_NODE");
    env.remove("SLURM_JOB_WORK_DIR");
    env.remove("SLURM_SCRIPT_CONTEXT");
    JobContext job = SlurmHook.read(HookPhase.PROLOG, env).job();
    assertEquals(List.of(), job.cpusPerNode());
    assertNull(job.workDir());
    assertEquals(-1, job.cpusOnThisNode());
  }

  /** A plain job costs nothing and never fails, whatever else its environment holds. */
  @ParameterizedTest
  @ValueSource(strings = {"", "fix the solver", "image=debian12,vcpus=2", "VC:image=x", "[[[", "vc", "v c:image=x"})
  void plainJobsWithAnyCommentAreNoRequest(String comment) {
    Map<String, String> env = prologEnv();
    env.put("SLURM_JOB_COMMENT", comment);
    assertEquals(Optional.empty(), SlurmHook.read(HookPhase.PROLOG, env).request());
  }

  @Test
  void plainJobWithAnEmptyOrBrokenEnvironmentDoesNotFail() {
    HookInvocation empty = SlurmHook.read(HookPhase.EPILOG, Map.of());
    assertTrue(empty.request().isEmpty());
    assertEquals(-1, empty.job().uid());
    assertEquals(List.of(), empty.job().nodes());

    Map<String, String> broken = new HashMap<>(Map.of("SLURM_NODELIST", "n[3-1", "SLURM_JOB_UID", "alice",
        "SLURM_JOB_GID", "-5", "SLURM_JOB_CPUS_PER_NODE", "x", "SLURM_JOB_EXIT_CODE", "lots",
        "SLURM_SCRIPT_CONTEXT", "epilog_slurmd", "SLURM_JOB_WORK_DIR", "rel\u0000ative"));
    HookInvocation call = SlurmHook.read(HookPhase.PROLOG, broken);
    assertTrue(call.request().isEmpty());
    assertEquals(-1, call.job().gid());
    assertNull(call.job().exitCode());
  }

  @Test
  void plainJobKeepsWhatIsReadable() {
    JobContext job = SlurmHook.read(HookPhase.EPILOG, epilogEnv()).job();
    assertEquals("42", job.jobId());
    assertEquals(List.of("node1", "node2", "node3", "gpu7"), job.nodes());
    assertEquals(256, job.exitCode());
  }

  /** With a request, each missing or contradictory variable is named. */
  @ParameterizedTest(name = "{0}={1} -> {2}")
  @CsvSource(delimiter = '|', nullValues = "<unset>", value = {
      "SLURM_JOB_ID            | <unset>          | SLURM_JOB_ID",
      "SLURM_JOB_ID            | ''               | SLURM_JOB_ID",
      "SLURM_JOB_ID            | 42.0             | SLURM_JOB_ID",
      "SLURM_JOB_ID            | 0                | SLURM_JOB_ID",
      "SLURM_JOB_ID            | -42              | SLURM_JOB_ID",
      "SLURM_JOB_ID            | 99999999999      | SLURM_JOB_ID",
      "SLURM_NODELIST          | <unset>          | SLURM_NODELIST",
      "SLURM_NODELIST          | node[1-3         | SLURM_NODELIST",
      "SLURM_NODELIST          | node[3-1]        | SLURM_NODELIST",
      "SLURM_NODELIST          | node2,node2      | SLURM_NODELIST",
      "SLURM_JOB_NODELIST      | node[1-        | SLURM_JOB_NODELIST",
      "SLURM_JOB_NODELIST      | node[5-8]        | SLURMD_NODENAME",
      "SLURMD_NODENAME         | <unset>          | SLURMD_NODENAME",
      "SLURMD_NODENAME         | node9            | SLURMD_NODENAME",
      "SLURMD_NODENAME         | node02           | SLURMD_NODENAME",
      "SLURM_JOB_NUM_NODES     | 3                | SLURM_JOB_NUM_NODES",
      "SLURM_JOB_NUM_NODES     | four             | SLURM_JOB_NUM_NODES",
      "SLURM_JOB_NUM_NODES     | 04               | SLURM_JOB_NUM_NODES",
      "SLURM_JOB_USER          | <unset>          | SLURM_JOB_USER",
      "SLURM_JOB_UID           | <unset>          | SLURM_JOB_UID",
      "SLURM_JOB_UID           | alice            | SLURM_JOB_UID",
      "SLURM_JOB_UID           | -1               | SLURM_JOB_UID",
      "SLURM_JOB_UID           | 4294967296       | SLURM_JOB_UID",
      "SLURM_JOB_UID           | 1001 2           | SLURM_JOB_UID",
      "SLURM_JOB_GID           | <unset>          | SLURM_JOB_GID",
      "SLURM_JOB_GID           | 1.5              | SLURM_JOB_GID",
      "SLURM_JOB_CPUS_PER_NODE | 2(x3)            | SLURM_JOB_CPUS_PER_NODE",
      "SLURM_JOB_CPUS_PER_NODE | 2(x5)            | SLURM_JOB_CPUS_PER_NODE",
      "SLURM_JOB_WORK_DIR      | relative/dir     | SLURM_JOB_WORK_DIR",
      "SLURM_SCRIPT_CONTEXT    | epilog_slurmd    | SLURM_SCRIPT_CONTEXT",
      "SLURM_SCRIPT_CONTEXT    | prolog_slurmctld | SLURM_SCRIPT_CONTEXT",
      "SPANK_VC_IMAGE          | ''               | vc-image",
      "SPANK_VC_IMAGE          | ../../boot       | vc-image",
      "SPANK_VC_VCPUS          | 0                | vc-vcpus",
      "SPANK_VC_MEM            | 2X               | vc-mem",
      "SPANK_VC_MEM            | 0                | vc-mem",
      "SPANK_VC_VMS            | many             | vc-vms",
  })
  void withARequestBadEnvironmentIsNamed(String variable, String value, String field) {
    Map<String, String> env = withSpank(prologEnv());
    if (value == null) {
      env.remove(variable);
    } else {
      env.put(variable, value);
    }
    RequestException e;
    if (variable.startsWith("SPANK_")) {
      // the user's typo: read with the job it belongs to, for the prolog to tell the user
      HookInvocation inv = SlurmHook.read(HookPhase.PROLOG, env);
      assertTrue(inv.request().isEmpty());
      assertEquals("42", inv.job().jobId());
      e = inv.refused().orElseThrow();
    } else {
      e = assertThrows(RequestException.class, () -> SlurmHook.read(HookPhase.PROLOG, env));
    }
    assertEquals(field, e.field(), e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }

  @Test
  void epilogExitCodeMustBeANumberWithARequest() {
    Map<String, String> env = withSpank(epilogEnv());
    env.put("SLURM_JOB_EXIT_CODE", "0:9");
    assertEquals("SLURM_JOB_EXIT_CODE",
        assertThrows(RequestException.class, () -> SlurmHook.read(HookPhase.EPILOG, env)).field());
  }

  @Test
  void brokenCommentRequestIsAnError() {
    Map<String, String> env = prologEnv();
    env.put("SLURM_JOB_COMMENT", "run 3; vc:image=debian12,mem=lots");
    HookInvocation inv = SlurmHook.read(HookPhase.PROLOG, env);
    assertTrue(inv.asked());
    assertEquals("mem: invalid size 'lots' (expected e.g. 1024, 512M, 2G, 2GiB; units K, M, G, T)",
        inv.refused().orElseThrow().getMessage());
    assertTrue(SlurmHook.asks(env));
  }
}
