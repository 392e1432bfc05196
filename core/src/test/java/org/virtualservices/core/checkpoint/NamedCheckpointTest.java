package org.virtualservices.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.MountRequest;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

/**
 * restore=JOBID: a new job restores an earlier job's checkpoint only when it is the same user's, on as many
 * nodes with the same VMs, and then with the saved addresses and MACs inside its own network. The attacks: a
 * checkpoint of another user (answered as none at all), a manifest that names another uid, a job id that
 * would be a path, a {@code current} link or node folder that points out of root's tree, a damaged file.
 */
class NamedCheckpointTest {

  static final int ALICE = 1000;
  static final int BOB = 1001;

  /** The UUID FakeHypervisor gives a domain of this name. */
  static String uuid(String name) {
    return "00000000-0000-4000-8000-" + String.format("%012x", name.hashCode() & 0xffffffffL);
  }

  @TempDir
  Path tmp;
  Path root;
  SiteConfig site;

  @BeforeEach
  void site() throws IOException {
    root = Files.createDirectories(tmp.resolve("checkpoints"));
    site = SiteConfigLoader.parse("images: {deb: {disk: /img/deb.qcow2}, other: {disk: /img/o.qcow2}}\n"
        + "checkpoint: {dir: " + root + "}", "test");
  }

  static JobContext job(String id, int uid, List<String> nodes, String self) {
    List<Integer> cpus = nodes.stream().map(n -> 4).toList();
    return new JobContext(ResourceManager.SLURM, id, uid == ALICE ? "alice" : "bob", uid, uid, nodes, self,
        Path.of("/home/alice"), cpus, null);
  }

  static VcRequest restore(String from) {
    return new VcRequest(null, null, null, null, "--comment", null, null, false, from);
  }

  /** Job {@code id}'s checkpoint of each of its nodes, as its epilog writes them (the manifest's uid {@code uid}). */
  Plan checkpointed(String id, List<String> nodes, int uid, Path under) throws IOException {
    Plan p = Planner.plan(job(id, ALICE, nodes, nodes.get(0)), new VcRequest("deb", 1, 256L, 1, "--comment"), site);
    for (int k = 0; k < nodes.size(); k++) {
      CheckpointStore store = CheckpointStore.of(under, id, k);
      Path dir = store.begin(Instant.ofEpochMilli(1000));
      NodePlan n = p.nodes().get(k);
      List<CheckpointManifest.FileSum> files = new ArrayList<>();
      List<CheckpointManifest.Vm> vms = new ArrayList<>();
      for (VmPlan v : n.vms()) {
        for (String f : List.of(CheckpointManifest.stateFile(v.name()), CheckpointManifest.diskFile(v.name()))) {
          files.add(CheckpointManifest.sum(Files.writeString(dir.resolve(f), f + " of " + id)));
        }
        vms.add(new CheckpointManifest.Vm(v.name(), v.index(), v.ip(), v.mac(), v.vcpus(), v.memoryMiB(), uuid(v.name())));
      }
      Files.writeString(dir.resolve(CheckpointManifest.FILE_NAME), new CheckpointManifest(2, id, "deb", p.vni(),
          p.subnet(), k, nodes.size(), n.name(), uid, "1700000000", "requeue-1", "t", vms, files).json());
      store.commit(dir);
    }
    return p;
  }

  private RequestException refused(JobContext job, VcRequest request) {
    RequestException e = assertThrows(RequestException.class, () -> NamedCheckpoint.admit(root, job, request));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    return e;
  }

  @Test
  void theNewJobGetsTheSavedAddressesAndMacsInsideItsOwnNetwork() throws IOException {
    Plan a = checkpointed("70", List.of("vnode1", "vnode2"), ALICE, root);
    List<Plan> seen = new ArrayList<>();
    for (String self : List.of("vnode2", "vnode3")) {
      JobContext b = job("71", ALICE, List.of("vnode2", "vnode3"), self);
      NamedCheckpoint c = NamedCheckpoint.admit(root, b, restore("70"));
      assertEquals(new VcRequest("deb", 1, 256L, 1, "--comment", MountRequest.NONE, null, false, "70"), c.request(),
          "the image and the size from the checkpoint; no host folder");
      Plan p = c.fit(Planner.plan(b, c.request(), site));
      assertEquals(p, NamedCheckpoint.plan(b, restore("70"), site), "the epilog plans the same");
      seen.add(p);
    }
    assertEquals(seen.get(0), seen.get(1), "each node reads its own manifest, and all plan alike");
    Plan b = seen.get(0);
    Plan own = Planner.plan(job("71", ALICE, List.of("vnode2", "vnode3"), "vnode2"),
        new VcRequest("deb", 1, 256L, 1, "--comment"), site);
    assertEquals(own.vni(), b.vni(), "the new job's own VNI");
    assertEquals(own.bridge(), b.bridge());
    assertNotEquals(a.vni(), b.vni());
    assertEquals(a.subnet(), b.subnet(), "the saved subnet");
    assertEquals(a.gateway(), b.gateway());
    assertNotEquals(own.subnet(), b.subnet());
    for (int i = 0; i < 2; i++) {
      assertEquals("vc70-" + i, b.vms().get(i).name(), "the saved names: libvirt restores into no other");
      assertEquals(own.vms().get(i).disk().resolveSibling("vc70-" + i + ".qcow2"), b.vms().get(i).disk(),
          "in the new job's state folder");
      assertEquals(own.vms().get(i).tap(), b.vms().get(i).tap(), "the new job's taps");
      assertEquals(a.vms().get(i).ip(), b.vms().get(i).ip());
      assertEquals(a.vms().get(i).mac(), b.vms().get(i).mac());
      assertEquals("vnode" + (i + 2), b.vms().get(i).node());
    }
    Restorable r = NamedCheckpoint.admit(root, job("71", ALICE, List.of("vnode2", "vnode3"), "vnode3"), restore("70"))
        .checkpoint();
    assertEquals("vc70-1.state", r.state(b.vms().get(1)).getFileName().toString(), "the saved VM at the same place");
    FakeHypervisor hv = new FakeHypervisor();
    hv.states.put("vc70-1", org.virtualservices.core.hypervisor.DomainState.SHUTOFF);
    RequestException e = assertThrows(RequestException.class, () -> NamedCheckpoint.admit(root,
        job("71", ALICE, List.of("vnode2", "vnode3"), "vnode3"), restore("70")).notStillThere(hv));
    assertTrue(e.getMessage().contains("still here as domain vc70-1 (shutoff)"), "a domain of the saved name: "
        + e.getMessage());
  }

  @Test
  void anotherUsersCheckpointIsAnsweredExactlyAsNoCheckpoint() throws IOException {
    checkpointed("70", List.of("vnode1", "vnode2"), ALICE, root);
    String none = refused(job("71", ALICE, List.of("vnode2", "vnode3"), "vnode2"), restore("69")).getMessage();
    assertTrue(none.startsWith("restore: job 69 has no checkpoint of yours to restore"), none);
    String bobs = refused(job("71", BOB, List.of("vnode2", "vnode3"), "vnode2"), restore("70")).getMessage();
    assertEquals(none.replace("69", "70"), bobs, "nothing tells bob that alice's job 70 was checkpointed");
    // not even a node count that differs: the owner is looked at first
    assertEquals(none.replace("69", "70").replace("of this job's 2", "of this job's 3"),
        refused(job("71", BOB, List.of("vnode2", "vnode3", "vnode4"), "vnode2"), restore("70")).getMessage());
  }

  @Test
  void aManifestThatNamesAnotherUserIsNotTheirs() throws IOException {
    checkpointed("70", List.of("vnode1", "vnode2"), BOB, root);
    String m = refused(job("71", ALICE, List.of("vnode2", "vnode3"), "vnode2"), restore("70")).getMessage();
    assertTrue(m.contains("job 70 has no checkpoint of yours"), m);
  }

  @Test
  void aJobIdThatWouldBeAPathNeverReachesOne() throws IOException {
    // bait: alice's complete checkpoints where "../x" and "1/../../etc" would lead from the root
    for (String bait : List.of("x", "etc")) {
      checkpointed("70", List.of("vnode1", "vnode2"), ALICE, tmp.resolve("bait-" + bait));
      Files.move(tmp.resolve("bait-" + bait).resolve("70"), tmp.resolve(bait));
    }
    for (String id : List.of("../x", "1/../../etc", "..", "/etc", "70/", "70\n", "07", "x")) {
      String m = refused(job("71", ALICE, List.of("vnode2", "vnode3"), "vnode2"), restore(id)).getMessage();
      assertTrue(m.startsWith("restore: invalid job to restore") || m.contains("leading or trailing spaces"), m);
    }
  }

  @Test
  void aLinkOutOfRootsTreeIsNoCheckpoint() throws IOException {
    checkpointed("70", List.of("vnode1", "vnode2"), ALICE, root);
    Path outside = tmp.resolve("outside");
    checkpointed("70", List.of("vnode1", "vnode2"), ALICE, outside);
    JobContext b = job("71", ALICE, List.of("vnode2", "vnode3"), "vnode2");
    Path node = CheckpointStore.of(root, "70", 0).folder();
    Path current = node.resolve(CheckpointStore.CURRENT);
    Path complete = node.resolve(Files.readSymbolicLink(current));
    Path away = Files.move(complete, tmp.resolve("away"));
    Path theirs = CheckpointStore.of(outside, "70", 0).current().orElseThrow();
    // current pointing out, by path or through a link named like a checkpoint
    Files.delete(current);
    Files.createSymbolicLink(current, theirs);
    assertTrue(refused(b, restore("70")).getMessage().contains("no checkpoint of yours"));
    Files.delete(current);
    Files.createSymbolicLink(current, Path.of("c-5"));
    Files.createSymbolicLink(node.resolve("c-5"), theirs);
    assertTrue(refused(b, restore("70")).getMessage().contains("no checkpoint of yours"));
    Files.delete(node.resolve("c-5"));
    Files.move(away, complete);
    Files.delete(current);
    Files.createSymbolicLink(current, complete.getFileName());
    NamedCheckpoint.admit(root, b, restore("70")); // restored, it is fine again
    // the node's folder or the job's a link out
    Path moved = Files.move(node, tmp.resolve("moved"));
    Files.createSymbolicLink(node, moved);
    assertTrue(refused(b, restore("70")).getMessage().contains("no checkpoint of yours"));
    Files.delete(node);
    Files.move(moved, node);
    Path jobDir = node.getParent();
    Path movedJob = Files.move(jobDir, tmp.resolve("movedJob"));
    Files.createSymbolicLink(jobDir, movedJob);
    assertTrue(refused(b, restore("70")).getMessage().contains("no checkpoint of yours"));
  }

  @Test
  void aJobThatDoesNotFitIsRefusedWithWhatDiffers() throws IOException {
    checkpointed("70", List.of("vnode1", "vnode2"), ALICE, root);
    JobContext b = job("71", ALICE, List.of("vnode2", "vnode3"), "vnode2");
    assertEquals("restore: job 70 was checkpointed on 2 node(s); this job has 3 (the same count is needed)",
        refused(job("71", ALICE, List.of("vnode2", "vnode3", "vnode4"), "vnode2"), restore("70")).getMessage());
    RequestException image = refused(b, new VcRequest("other", null, null, null, "--comment", null, null, false, "70"));
    assertEquals("image", image.field());
    assertTrue(image.getMessage().contains("'other' but the checkpoint of job 70 is of image 'deb'"), image.getMessage());
    assertEquals("vcpus", refused(b, new VcRequest(null, 2, null, null, "c", null, null, false, "70")).field());
    assertEquals("mem", refused(b, new VcRequest(null, null, 512L, null, "c", null, null, false, "70")).field());
    assertEquals("vms", refused(b, new VcRequest(null, null, null, 2, "c", null, null, false, "70")).field());
    // the same values said again are fine
    NamedCheckpoint.admit(root, b, new VcRequest("deb", 1, 256L, 1, "c", null, null, true, "70"));
    assertTrue(refused(job("70", ALICE, List.of("vnode2", "vnode3"), "vnode2"), restore("70")).getMessage()
        .contains("is this job"));
    JobContext pbs = new JobContext(ResourceManager.PBS, "71.srv", "alice", ALICE, ALICE, List.of("vnode2", "vnode3"),
        "vnode2", null, List.of(4, 4), null);
    assertTrue(refused(pbs, restore("70")).getMessage().contains("under Slurm only"));
  }

  @Test
  void aDamagedCheckpointIsRefused() throws IOException {
    checkpointed("70", List.of("vnode1", "vnode2"), ALICE, root);
    Path dir = CheckpointStore.of(root, "70", 0).current().orElseThrow();
    Files.writeString(dir.resolve("vc70-0.state"), "changed");
    String m = refused(job("71", ALICE, List.of("vnode2", "vnode3"), "vnode2"), restore("70")).getMessage();
    assertTrue(m.startsWith("restore: the checkpoint of job 70 cannot be restored: it is damaged"), m);
  }

  @Test
  void theEarlierJobsVmStillHereIsTheUsersMistake() throws IOException {
    checkpointed("70", List.of("vnode1", "vnode2"), ALICE, root);
    NamedCheckpoint c = NamedCheckpoint.admit(root, job("71", ALICE, List.of("vnode2", "vnode3"), "vnode2"),
        restore("70"));
    FakeHypervisor hv = new FakeHypervisor();
    hv.running("vc12-0", "1");
    c.notStillThere(hv); // another domain: fine
    FakeHypervisor still = new FakeHypervisor();
    still.running("vc70-0", "1");
    RequestException e = assertThrows(RequestException.class, () -> c.notStillThere(still));
    assertEquals("restore: job 70's VM is still here as domain vc70-0 (running): a checkpoint is restored once the"
        + " job it was taken of has ended (scancel it first)", e.getMessage());
  }
}
