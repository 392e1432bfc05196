package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.checkpoint.KeptCheckpoints;
import org.virtualservices.core.checkpoint.ManualCheckpoint;
import org.virtualservices.core.checkpoint.RecordedCall;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.hypervisor.DomainState;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.LibvirtHypervisor;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.runtime.NodeServices;

/**
 * The root helper of {@code vcluster checkpoint} on a node, after a real prolog on the simulated
 * cluster (libvirt's test driver saves and restores): the VMs run on from the checkpoint; every
 * refusal (another user's step, a pause far ahead, a value that is not the syntax, a job with no
 * VMs here, shared folders, too many kept) comes before anything is paused or made; the
 * checkpoints outlive the job, and the sweep removes them by their age.
 */
class CheckpointNowSimulationTest extends OnSimulatedCluster {

  private static final String REQUEST = "vc:image=tiny,vms=1,mounts=none";
  private final ByteArrayOutputStream helperLog = new ByteArrayOutputStream();

  CheckpointNowSimulationTest() {
    super(List.of("sim1"));
  }

  private ManualCheckpoint.Result now(String job, int uid, String value) throws IOException {
    JobLog log = new JobLog("vcluster-epilog", "checkpoint", new PrintStream(helperLog, true, StandardCharsets.UTF_8),
        Clock.systemUTC(), false);
    NodeServices s = cluster.services(SiteConfigLoader.load(cluster.config), "sim1");
    NodeServices testDriver = new NodeServices(s.config(), s.runner(), s.clock(), s.sleeper(),
        uri -> withoutXmlOnRestore(LibvirtHypervisor.open(uri)), s.fabric(), s.templates(), s.keys(), s.underlay(),
        s.faults(), s.scheduler(), s.sisterShell());
    return new ManualCheckpoint(testDriver, log).run(job, uid, value, "sim1");
  }

  /**
   * libvirt's test driver restores no domain with a definition given ("xml modification
   * unsupported"): here the restore takes the one saved in the state file (the e2e proves the other).
   */
  private static Hypervisor withoutXmlOnRestore(Hypervisor real) {
    return (Hypervisor) Proxy.newProxyInstance(Hypervisor.class.getClassLoader(), new Class<?>[] {Hypervisor.class},
        (proxy, m, args) -> {
          if (m.getName().equals("restore")) {
            args[2] = Optional.empty();
          }
          try {
            return m.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private static String at(long aheadMs) {
    return Long.toString(System.currentTimeMillis() + aheadMs);
  }

  private Path checkpoints(String job) {
    return tmp.resolve("checkpoints").resolve(job);
  }

  private DomainState state(String vm) {
    return cluster.keepAlive.state(vm);
  }

  @Test
  void theVmRunsOnFromTheCheckpointWhichOutlivesTheJobUntilTheSweepFindsItOld() throws IOException {
    assertEquals(0, cluster.prolog("91", "sim1", REQUEST), cluster.log());
    ManualCheckpoint.Result r = now("91", cluster.uid, at(200));
    assertTrue(r.ok(), r.line() + "\n" + helperLog);
    assertTrue(r.line().matches("sim1: checkpoint of 1 VM\\(s\\) taken in [0-9.]+ s, [0-9]+ MiB, c-[0-9]+; the VMs run on"),
        r.line());
    assertEquals(DomainState.RUNNING, state("vc91-0"), "brought back from the checkpoint");
    Path current = checkpoints("91").resolve("n0/current");
    assertTrue(Files.isSymbolicLink(current));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(current.toRealPath())));
    assertTrue(Files.isRegularFile(current.resolve("manifest.json")));
    assertTrue(KeptCheckpoints.since(tmp.resolve("checkpoints"), "91").isPresent(), "marked kept");

    // a second, kept alongside the first (--keep 2)
    assertTrue(now("91", cluster.uid, at(0) + ",keep=2").ok(), helperLog.toString());
    assertEquals(2, Files.list(checkpoints("91").resolve("n0")).filter(p -> p.getFileName().toString().startsWith("c-"))
        .count());

    assertEquals(0, cluster.epilog("91", "sim1", REQUEST), cluster.log());
    assertTrue(Files.isSymbolicLink(current), "the job is over, its checkpoints stay");
    String out = sweep(true);
    assertFalse(out.contains("checkpoints " + checkpoints("91")), out);
    assertTrue(Files.exists(checkpoints("91").resolve("n0")), "kept: younger than checkpoint.keepDays");

    Files.setLastModifiedTime(checkpoints("91").resolve("kept"), FileTime.from(Instant.now().minus(Duration.ofDays(8))));
    out = sweep(true);
    assertTrue(out.contains("removing: job 91: checkpoints " + checkpoints("91")), out);
    assertFalse(Files.exists(checkpoints("91")), "older than checkpoint.keepDays (7): removed");
  }

  @Test
  void aJobCheckpointedAtRequeueKeepsItsCheckpointsAtItsEndWhenItsUserTookOne() throws IOException {
    String request = "vc:image=tiny,vms=1,mounts=none,checkpoint=on-timeout";
    assertEquals(0, cluster.prolog("92", "sim1", request), cluster.log());
    assertTrue(now("92", cluster.uid, at(100)).ok(), helperLog.toString());
    assertEquals(0, cluster.epilog("92", "sim1", request), cluster.log());
    assertTrue(cluster.log().contains("its checkpoints stay"), cluster.log());
    assertTrue(Files.isSymbolicLink(checkpoints("92").resolve("n0/current")));
  }

  @Test
  void withStopTheVmsStayStopped() throws IOException {
    assertEquals(0, cluster.prolog("93", "sim1", REQUEST), cluster.log());
    ManualCheckpoint.Result r = now("93", cluster.uid, at(0) + ",stop");
    assertTrue(r.ok() && r.line().endsWith("the VMs stay stopped"), r.line());
    assertFalse(state("vc93-0") == DomainState.RUNNING, "stopped: " + state("vc93-0"));
    cluster.epilog("93", "sim1", REQUEST);
  }

  @Test
  void aVmLeftPausedByAKilledHelperIsResumedFirst() throws IOException {
    assertEquals(0, cluster.prolog("94", "sim1", REQUEST), cluster.log());
    cluster.keepAlive.suspend("vc94-0");
    ManualCheckpoint.Result r = now("94", cluster.uid, at(0));
    assertTrue(r.ok(), r.line());
    assertTrue(helperLog.toString().contains("vc94-0 was paused (a checkpoint interrupted earlier): resumed"), helperLog.toString());
    assertEquals(DomainState.RUNNING, state("vc94-0"));
    cluster.epilog("94", "sim1", REQUEST);
  }

  @Test
  void everyRefusalComesBeforeAnythingIsPausedOrMade() throws IOException {
    assertEquals(0, cluster.prolog("95", "sim1", REQUEST), cluster.log());
    assertRefused(now("95", cluster.uid + 1, at(0)), "job 95 is not uid " + (cluster.uid + 1) + "'s");
    assertRefused(now("95", cluster.uid, at(60_000)), "ahead, more than 10 s");
    assertRefused(now("95", cluster.uid, at(-120_000)), "s ago, more than 30 s");
    assertRefused(now("95", cluster.uid, "1;reboot"), "not <pause-at epoch ms>");
    assertRefused(now("95", cluster.uid, at(0) + ",stop,stop"), "stop given twice");
    assertRefused(now("95", cluster.uid, at(0) + ",keep=9"), "--keep 9: at most 3 here (checkpoint.maxKeep)");
    assertRefused(now("96", cluster.uid, at(0)), "job 96 has no VMs on this node");
    assertRefused(now("../95", cluster.uid, at(0)), "not a job id");
    assertFalse(helperLog.toString().contains("1;reboot"), "the user's value is never logged");
    assertFalse(Files.exists(checkpoints("95")), "nothing made");
    assertFalse(Files.exists(checkpoints("96")), "nothing made");
    assertEquals(DomainState.RUNNING, state("vc95-0"), "nothing paused");
    cluster.epilog("95", "sim1", REQUEST);

  }

  @Test
  void aJobThatSharesFoldersIsRefusedVirtiofsCannotBeSaved() throws IOException {
    cluster.close();
    cluster = new SimulatedCluster(tmp.resolve("shares"), List.of("sim1"), "mounts:\n  enabled: true");
    // the prolog's record of a job that shares its working folder (its VMs need virtiofsd, not here)
    Path nodeDir = cluster.stateDir.resolve("jobs/97/sim1");
    Files.createDirectories(nodeDir);
    RecordedCall.write(nodeDir, cluster.slurmEnv("97", "sim1", "vc:image=tiny,vms=1", false));
    assertRefused(now("97", cluster.uid, at(0)), "vcluster checkpoint cannot save VMs that share host folders");
    assertFalse(Files.exists(tmp.resolve("shares/checkpoints/97")), "nothing made");
  }

  @Test
  void aLinkWhereTheMarkerGoesIsReplacedNotFollowed() throws IOException {
    assertEquals(0, cluster.prolog("98", "sim1", REQUEST), cluster.log());
    Path victim = Files.writeString(tmp.resolve("victim"), "not the hooks'");
    Files.createDirectories(checkpoints("98"));
    Files.createSymbolicLink(checkpoints("98").resolve("kept"), victim);
    assertTrue(KeptCheckpoints.since(tmp.resolve("checkpoints"), "98").isEmpty(), "a link is no marker");
    assertTrue(now("98", cluster.uid, at(0)).ok(), helperLog.toString());
    assertEquals("not the hooks'", Files.readString(victim), "the link's target untouched");
    assertTrue(Files.isRegularFile(checkpoints("98").resolve("kept"), LinkOption.NOFOLLOW_LINKS), "a marker of its own");
    cluster.epilog("98", "sim1", REQUEST);
  }

  private static void assertRefused(ManualCheckpoint.Result r, String why) {
    assertFalse(r.ok(), r.line());
    assertTrue(r.line().startsWith("sim1: refused: ") && r.line().contains(why), r.line());
  }

  private String sweep(boolean yes) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    cluster.sweep("sim1", yes, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
