package org.virtualservices.core.rm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.HookPhase;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.MountRequest;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

class SisterCallTest {

  static final JobContext MS = new JobContext(ResourceManager.PBS, "123.head", "alice", 1001, 2000,
      List.of("n1", "n2", "n3"), "n1", java.nio.file.Path.of("/home/alice"), List.of(2, 2, 1), null);
  static final VcRequest REQUEST = new VcRequest("debian12", 2, 2048L, null, PbsHook.CHANNEL);

  @Test
  void everySisterOnceAndNeverTheMotherSuperior() {
    List<SisterCall> calls = SisterCall.forSisters(MS, REQUEST);
    assertEquals(List.of("n2", "n3"), calls.stream().map(SisterCall::node).toList());
  }

  @Test
  void aJobOnOneNodeHasNoSisters() {
    JobContext one = new JobContext(ResourceManager.PBS, "5", "alice", 1, 1, List.of("n1"), "n1", null, List.of(4),
        null);
    assertTrue(SisterCall.forSisters(one, REQUEST).isEmpty());
  }

  @Test
  void theArgumentsReadBackAsTheSameJobSeenFromTheSister() {
    SisterCall call = SisterCall.forSisters(MS, REQUEST).get(1);
    List<String> argv = call.argv("/opt/vcluster/bin/vcluster-prolog", false);
    assertEquals(List.of("/opt/vcluster/bin/vcluster-prolog", "--pbs-sister", "--node", "n3", "--nodes", "n1,n2,n3",
        "--slots", "2,2,1", "--uid", "1001", "--gid", "2000", "--workdir", "/home/alice", "--vc-image", "debian12",
        "--vc-vcpus", "2",
        "--vc-mem", "2048M", "123.head", "alice"), argv);

    HookInvocation inv = SisterCall.parse(options(argv), List.of("123.head", "alice")).invocation(HookPhase.PROLOG);
    JobContext job = inv.job();
    assertEquals("n3", job.thisNode());
    assertEquals(MS.nodes(), job.nodes());
    assertEquals(MS.cpusPerNode(), job.cpusPerNode());
    assertEquals(1001, job.uid());
    assertEquals(2000, job.gid());
    assertFalse(job.isBatchHost());
    VcRequest back = inv.request().orElseThrow();
    assertEquals("debian12", back.image());
    assertEquals(2, back.vcpus());
    assertEquals(2048L, back.memoryMiB());
    assertEquals(null, back.vmsPerNode(), "what the user left out stays out: the site's default applies");
  }

  /**
   * The sister's VMs mount what the mother superior's do (docs/hooks.md, "Host folders"): the
   * job's working folder, and the folders the user asked, or none.
   */
  @Test
  void theWorkingFolderAndTheUsersFoldersTravelToTheSister() {
    VcRequest withMounts = new VcRequest("debian12", null, null, null, PbsHook.CHANNEL, new MountRequest(false,
        List.of(new MountRequest.Extra(Path.of("/scratch/alice/in"), true),
            new MountRequest.Extra(Path.of("/scratch/alice/out"), false))));
    List<String> argv = SisterCall.forSisters(MS, withMounts).get(0).argv("/opt/vcluster/bin/vcluster-prolog", false);
    assertTrue(String.join(" ", argv).contains("--workdir /home/alice --vc-image debian12 --vc-mounts"
        + " /scratch/alice/in=ro:/scratch/alice/out"), argv.toString());
    HookInvocation inv = SisterCall.parse(options(argv), List.of("123.head", "alice")).invocation(HookPhase.PROLOG);
    assertEquals(Path.of("/home/alice"), inv.job().workDir());
    assertEquals(withMounts.mounts(), inv.request().orElseThrow().mounts());

    VcRequest none = new VcRequest("debian12", null, null, null, PbsHook.CHANNEL, MountRequest.NONE);
    argv = SisterCall.forSisters(MS, none).get(0).argv("p", false);
    assertEquals(MountRequest.NONE,
        SisterCall.parse(options(argv), List.of("123.head", "alice")).invocation(HookPhase.PROLOG).request()
            .orElseThrow().mounts());
    JobContext noDir = new JobContext(ResourceManager.PBS, "5", "alice", 1, 1, List.of("n1", "n2"), "n1", null,
        List.of(1, 1), null);
    argv = SisterCall.forSisters(noDir, REQUEST).get(0).argv("p", false);
    assertFalse(argv.contains("--workdir"), argv.toString());
    assertEquals(null, SisterCall.parse(options(argv), List.of("5", "alice")).invocation(HookPhase.PROLOG).job()
        .workDir());
  }

  /** The sister derives the job's keys from the same instance as the mother superior. */
  @Test
  void theInstanceTravelsToTheSister() {
    JobContext ms = MS.withAllocation("Thu Dec 3 07:11:10 2026", List.of());
    List<String> argv = SisterCall.forSisters(ms, REQUEST).get(0).argv("/opt/vcluster/bin/vcluster-prolog", false);
    assertTrue(String.join(" ", argv).contains("--instance Thu Dec 3 07:11:10 2026 --workdir"), argv.toString());
    JobContext sister = SisterCall.parse(options(argv), List.of("123.head", "alice")).invocation(HookPhase.PROLOG).job();
    assertEquals("Thu Dec 3 07:11:10 2026", sister.instance());
    assertEquals(ms.uid(), sister.uid());
  }

  @Test
  void malformedCallsAreRefusedNamingTheOption() {
    Map<String, String> good = options(SisterCall.forSisters(MS, REQUEST).get(0).argv("p", false));
    assertEquals("--node", field(without(good, "node"), List.of("123.head", "alice")));
    assertEquals("--node", field(with(good, "node", "n9"), List.of("123.head", "alice")));
    assertEquals("--nodes", field(with(good, "nodes", "n1,,n2"), List.of("123.head", "alice")));
    assertEquals("--nodes", field(with(good, "nodes", "n1,-x,n2"), List.of("123.head", "alice")));
    assertEquals("--slots", field(with(good, "slots", "2,2"), List.of("123.head", "alice")));
    assertEquals("--uid", field(with(good, "uid", "-1"), List.of("123.head", "alice")));
    assertEquals("JOBID", field(good, List.of("12; rm", "alice")));
    assertEquals("--pbs-sister", field(good, List.of("123.head")));
    assertEquals("VC_VCPUS", field(with(good, "vc-vcpus", "two"), List.of("123.head", "alice")));
    assertEquals("--workdir", field(with(good, "workdir", "home/alice"), List.of("123.head", "alice")));
    assertEquals("VC_MOUNTS", field(with(good, "vc-mounts", "/a/../etc"), List.of("123.head", "alice")));
  }

  static String field(Map<String, String> options, List<String> positional) {
    return assertThrows(RequestException.class,
        () -> SisterCall.parse(options, positional).invocation(HookPhase.PROLOG)).field();
  }

  static Map<String, String> with(Map<String, String> m, String k, String v) {
    Map<String, String> c = new HashMap<>(m);
    c.put(k, v);
    return c;
  }

  static Map<String, String> without(Map<String, String> m, String k) {
    Map<String, String> c = new HashMap<>(m);
    c.remove(k);
    return c;
  }

  /** The options of an argv as a command-line parser gives them: --name value pairs. */
  static Map<String, String> options(List<String> argv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 1; i < argv.size(); i++) {
      String a = argv.get(i);
      if (a.startsWith("--") && !a.equals("--pbs-sister") && !a.equals("--debug")) {
        m.put(a.substring(2), argv.get(++i));
      }
    }
    return m;
  }
}
