package org.virtualservices.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.faults.FaultPoints;
import org.virtualservices.core.hypervisor.DomainState;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.plan.StatePaths;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

/**
 * A checkpoint of one node's two VMs against an in-memory hypervisor and real files: made current
 * only when complete and verified; a failure at any step (each fault point, a save that fails, a
 * file changed before the verification, no space, a link in place of an overlay) leaves the
 * previous checkpoint current and the VMs running with their memory as it was.
 */
class CheckpointerTest {

  @TempDir
  Path tmp;
  Plan plan;
  NodePlan mine;
  Path nodeDir;
  CheckpointStore store;
  FakeHypervisor hv = new FakeHypervisor();

  /** A clock one second further at each look: every checkpoint has a name of its own. */
  static final class Ticking extends Clock {
    private Instant now = Instant.parse("2026-12-03T12:00:00Z");

    @Override
    public synchronized Instant instant() {
      now = now.plusSeconds(1);
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private final Clock clock = new Ticking();
  private JobContext job;

  @BeforeEach
  void job() throws IOException {
    SiteConfig site = SiteConfigLoader.parse(String.join("\n", "stateDir: " + tmp.resolve("state"),
        "images: {deb: {disk: /img/deb.qcow2}}"), "test");
    job = new JobContext(ResourceManager.SLURM, "77", "alice", 1000, 1000, List.of("n1"), "n1",
        Path.of("/home/alice"), List.of(4), null);
    plan = Planner.plan(job, new VcRequest("deb", 1, 256L, 2, "--comment"), site);
    mine = plan.node("n1").orElseThrow();
    nodeDir = StatePaths.of(site).node("77", "n1");
    Files.createDirectories(nodeDir);
    for (VmPlan v : mine.vms()) {
      Files.writeString(v.disk(), "overlay of " + v.name());
      Files.writeString(StatePaths.domainXml(nodeDir, v.name()), "<domain><name>" + v.name() + "</name></domain>");
      hv.running(v.name(), "memory of " + v.name() + " at 1");
    }
    store = CheckpointStore.of(tmp.resolve("ckpt"), "77", 0);
  }

  private Checkpointer.Taken take(FaultPoints faults) {
    return new Checkpointer(hv, store, clock, faults, v -> 0).take(job, plan, mine, "requeue-1", "1700000000", nodeDir, 0, 1);
  }

  /** The VMs run on after a checkpoint (as after a restore), their memory moved on to {@code tick}. */
  private void runOn(int tick) {
    mine.vms().forEach(v -> hv.running(v.name(), "memory of " + v.name() + " at " + tick));
  }

  @Test
  void guestsRestoredFromAnotherJobKeepThatJobsKeysInTheNextCheckpoint() throws IOException {
    Checkpointer.Taken own = take(FaultPoints.NONE);
    assertEquals("77", own.manifest().keysOf());
    assertFalse(Files.readString(own.folder().resolve(CheckpointManifest.FILE_NAME)).contains("keysJob"),
        "absent for a job's own guests");
    runOn(2);
    Checkpointer.Taken t = new Checkpointer(hv, store, clock, FaultPoints.NONE, v -> 0).take(job, plan, mine,
        "requeue-2", "1700000000", "70", nodeDir, 0, 2);
    CheckpointManifest m = CheckpointManifest.read(t.folder());
    assertEquals("77", m.jobId());
    assertEquals("70", m.keysOf(), "restored from job 70's checkpoint (restore=): they hold its keys");
  }

  @Test
  void aCheckpointIsCompleteVerifiedAndCurrentAndRootOnly() throws IOException {
    Checkpointer.Taken t = take(FaultPoints.NONE);
    assertEquals(t.folder(), store.current().orElseThrow());
    CheckpointManifest m = CheckpointManifest.read(t.folder());
    m.verify(t.folder());
    assertEquals("77", m.jobId());
    assertEquals("1700000000", m.instance());
    assertEquals(1000, m.uid(), "the owner: only they restore it into another job");
    assertEquals(List.of(0, 1), List.of(m.nodeIndex(), m.nodeCount()));
    assertEquals(mine.vms().stream().map(VmPlan::mac).toList(), m.vms().stream().map(CheckpointManifest.Vm::mac).toList());
    assertEquals(mine.vms().stream().map(VmPlan::ip).toList(), m.vms().stream().map(CheckpointManifest.Vm::ip).toList());
    assertEquals(5, Files.list(t.folder()).count(), "two states, two overlays, the manifest");
    assertEquals("memory of vc77-0 at 1", Files.readString(t.folder().resolve("vc77-0.state")));
    assertEquals("overlay of vc77-1", Files.readString(t.folder().resolve("vc77-1.qcow2")));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(t.folder())));
    try (Stream<Path> files = Files.list(t.folder())) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().endsWith(".state")) { // written by libvirtd in production
          assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
        }
      }
    }
    // all paused before any was saved: the guests stop together
    assertEquals(List.of("suspend vc77-0", "suspend vc77-1", "save vc77-0", "save vc77-1"), hv.calls);
    mine.vms().forEach(v -> assertEquals(DomainState.SHUTOFF, hv.state(v.name())));
  }

  @Test
  void aNewCheckpointReplacesTheOldAndOnlyTheKeptOnesStay() throws IOException {
    Path first = take(FaultPoints.NONE).folder();
    runOn(2);
    Checkpointer.Taken second = take(FaultPoints.NONE);
    assertEquals(second.folder(), store.current().orElseThrow());
    assertEquals(List.of(first), second.pruned());
    assertFalse(Files.exists(first));
    assertEquals("memory of vc77-1 at 2", Files.readString(second.folder().resolve("vc77-1.state")));
  }

  @Test
  void aSaveFailingHalfWayLeavesThePreviousCheckpointAndTheVmsRunningAsTheyWere() throws IOException {
    Path first = take(FaultPoints.NONE).folder();
    runOn(2);
    hv.calls.clear();
    hv.saveFailsFor = "vc77-1";
    CheckpointException e = assertThrows(CheckpointException.class, () -> take(FaultPoints.NONE));
    assertTrue(e.getMessage().contains("disk full") && e.getMessage().contains("the VMs run again"), e.getMessage());
    assertEquals(first, store.current().orElseThrow());
    CheckpointManifest.read(first).verify(first);
    assertEquals("memory of vc77-1 at 1", Files.readString(first.resolve("vc77-1.state")));
    assertEquals(List.of(first.getFileName().toString(), CheckpointStore.CURRENT), names(store.folder()));
    // vc77-0 was saved (stopped): restored from what it was saved into; vc77-1 only paused: resumed
    assertEquals(List.of("suspend vc77-0", "suspend vc77-1", "save vc77-0", "save vc77-1", "restore vc77-0",
        "resume vc77-1"), hv.calls);
    for (VmPlan v : mine.vms()) {
      assertEquals(DomainState.RUNNING, hv.state(v.name()));
      assertEquals("memory of " + v.name() + " at 2", hv.memory.get(v.name()));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"checkpoint-paused", "checkpoint-disk:vc77-0", "checkpoint-disk:vc77-1",
      "checkpoint-save:vc77-0", "checkpoint-save:vc77-1", "checkpoint-manifest", "checkpoint-verified"})
  void aFailureAtAnyStepLeavesThePreviousCheckpointCurrent(String point) throws IOException {
    Path first = take(FaultPoints.NONE).folder();
    runOn(2);
    assertThrows(CheckpointException.class, () -> take(p -> {
      if (p.equals(point)) {
        throw new IllegalStateException("fault injected at " + p);
      }
    }));
    assertEquals(first, store.current().orElseThrow());
    assertEquals(List.of(first.getFileName().toString(), CheckpointStore.CURRENT), names(store.folder()));
    for (VmPlan v : mine.vms()) {
      assertEquals(DomainState.RUNNING, hv.state(v.name()), point);
      assertEquals("memory of " + v.name() + " at 2", hv.memory.get(v.name()), point);
    }
  }

  @Test
  void aFileChangedBeforeTheVerificationIsNeverMadeCurrent() throws IOException {
    CheckpointException e = assertThrows(CheckpointException.class, () -> take(p -> {
      if (p.equals("checkpoint-manifest")) {
        try (Stream<Path> s = Files.list(store.folder())) {
          Path written = s.filter(x -> x.getFileName().toString().startsWith(".new-")).findFirst().orElseThrow();
          Files.writeString(written.resolve("vc77-0.state"), "x", java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException x) {
          throw new java.io.UncheckedIOException(x);
        }
      }
    }));
    assertTrue(e.getMessage().contains("vc77-0.state has"), e.getMessage());
    assertTrue(store.current().isEmpty());
    assertEquals(List.of(), names(store.folder()));
  }

  @Test
  void withoutTheSpaceNothingIsPausedAndNothingIsLeft() throws IOException {
    CheckpointException e = assertThrows(CheckpointException.class,
        () -> new Checkpointer(hv, store, clock, FaultPoints.NONE, v -> 0).take(job, plan, mine, "requeue-1", "", nodeDir,
            Long.MAX_VALUE / 4, 1));
    assertTrue(e.getMessage().contains("not enough space for a checkpoint"), e.getMessage());
    assertEquals(List.of(), hv.calls);
    assertEquals(List.of(), names(store.folder()));
  }

  @Test
  void anOverlayReplacedByALinkIsNotFollowed() throws IOException {
    Path secret = Files.writeString(tmp.resolve("shadow"), "root's secret");
    VmPlan v = mine.vms().get(0);
    Files.delete(v.disk());
    Files.createSymbolicLink(v.disk(), secret);
    assertThrows(CheckpointException.class, () -> take(FaultPoints.NONE));
    assertTrue(store.current().isEmpty());
    assertEquals(List.of(), names(store.folder()));
    mine.vms().forEach(x -> assertEquals(DomainState.RUNNING, hv.state(x.name())));
  }

  private static List<String> names(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
