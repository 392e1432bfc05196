package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admin's sweep: leftovers of jobs the resource manager forgot go; a live job's stay. */
class SweepTest extends OnSimulatedCluster {

  private static final String REQUEST = "vc:image=tiny,vms=1";
  private static final List<String> NODES = List.of("sim1", "sim2");

  SweepTest() {
    super(NODES);
  }

  private String sweep(String node, boolean yes, int expectedStatus) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = cluster.sweep(node, yes, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(expectedStatus, status, out);
    return out;
  }

  @Test
  void removesOnlyWhatJobsThatAreGoneLeftAndOnlyWhenToldTo() throws IOException {
    for (String node : NODES) {
      assertEquals(0, cluster.prolog("61", node, REQUEST), cluster.log());
      assertEquals(0, cluster.prolog("62", node, REQUEST), cluster.log());
    }
    // job 61 ended without its epilog (a node crash, say); job 62 still runs
    cluster.activeJobs.add("62");
    // and a network nobody's journal names, of a VNI no live job would use
    cluster.fabrics.get("sim1").plant("lost", 99_999);

    // checkpoints of a job that is gone (cancelled while pending after its requeue), and of the live one
    Path ckpt = tmp.resolve("checkpoints");
    Files.createDirectories(ckpt.resolve("61/n0/c-1"));
    Files.createDirectories(ckpt.resolve("62/n0/c-1"));

    String dry = sweep("sim1", false, 0);
    assertTrue(dry.contains("would remove: job 61: state folder"), dry);
    assertTrue(dry.contains("checkpoints " + ckpt.resolve("61")), dry);
    assertTrue(Files.exists(ckpt.resolve("61")), "a dry run removes nothing");
    assertTrue(dry.contains("domain vc61-0"), dry);
    assertTrue(dry.contains("would remove: network of VNI 99999 (no job of this node names it)"), dry);
    assertFalse(dry.contains("job 62"), "a live job is never listed: " + dry);
    assertTrue(cluster.keepAlive.domains().stream().anyMatch(d -> d.name().equals("vc61-0")), "a dry run removes nothing");

    String done = sweep("sim1", true, 0);
    assertTrue(done.contains("removing: job 61"), done);
    assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().equals("vc61-0")));
    assertTrue(cluster.keepAlive.domains().stream().anyMatch(d -> d.name().equals("vc61-1")), "sim2's is sim2's");
    assertTrue(cluster.keepAlive.domains().stream().anyMatch(d -> d.name().equals("vc62-0")), "the live job's stays");
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/61/sim1")));
    assertFalse(Files.exists(ckpt.resolve("61")), "the gone job's checkpoints are removed");
    assertTrue(Files.exists(ckpt.resolve("62/n0/c-1")), "the live job's stay");
    assertTrue(Files.exists(cluster.stateDir.resolve("jobs/62/sim1")));
    assertEquals(1, cluster.fabrics.get("sim1").networks().size(), "only the live job's network is left");
    assertTrue(sweep("sim1", false, 0).contains("nothing left by jobs that are gone"));

    for (String node : NODES) {
      cluster.epilog("62", node, REQUEST);
      cluster.epilog("61", node, REQUEST);
    }
  }

  @Test
  void doesNothingWhenTheResourceManagerCannotBeAsked() {
    assertEquals(0, cluster.prolog("71", "sim1", REQUEST), cluster.log());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = new org.virtualservices.epilog.EpilogCommand(new PrintStream(bytes, true, StandardCharsets.UTF_8),
        System.err, (c, log) -> new org.virtualservices.core.runtime.NodeServices(c,
            cluster.services(c, "sim1").runner(), java.time.Clock.systemUTC(), d -> { },
            org.virtualservices.core.hypervisor.LibvirtHypervisor::open, cluster.fabrics.get("sim1"),
            org.virtualservices.core.render.Templates.shipped(), () -> null, n -> "192.0.2.1",
            org.virtualservices.core.faults.FaultPoints.NONE, rm -> () -> {
              throw new IllegalStateException("squeue: slurm_load_jobs error: Unable to contact slurm controller");
            }), java.time.Clock.systemUTC())
        .run(List.of("--config", cluster.config.toString(), "--sweep", "--yes", "--node", "sim1"), java.util.Map.of());
    assertEquals(1, status);
    assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("nothing done: squeue"), bytes.toString());
    assertTrue(cluster.keepAlive.domains().stream().anyMatch(d -> d.name().equals("vc71-0")));
    cluster.epilog("71", "sim1", REQUEST);
  }

  /**
   * Entries no prolog made, in the state tree and the run tree, and a broken journal: each is one
   * line naming it, and the sweep still removes the stale job next to them. Without the guards the
   * first of them ended the sweep with an exception (nothing removed).
   */
  @Test
  void strayEntriesAndABrokenJournalAreNamedAndTheSweepGoesOn() throws IOException {
    assertEquals(0, cluster.prolog("81", "sim1", REQUEST), cluster.log());
    assertEquals(0, cluster.prolog("82", "sim1", REQUEST), cluster.log());
    Path jobs = cluster.stateDir.resolve("jobs");
    Files.createDirectories(jobs.resolve("lost+found/sim1")); // a stray folder named by no job id
    Files.createDirectories(jobs.resolve("x\nremoving: job 99/sim1")); // a name that would forge a line
    Files.writeString(jobs.resolve("90"), "a file"); // not a folder
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere/sim1"));
    Files.writeString(elsewhere.resolve("precious"), "x");
    Files.createSymbolicLink(jobs.resolve("91"), elsewhere.getParent()); // a link in place of a job's folder
    Files.createDirectories(jobs.resolve("92"));
    Files.createSymbolicLink(jobs.resolve("92/sim1"), elsewhere); // a link in place of the node's folder
    Files.createDirectories(cluster.runFolder("lost+found", "sim1"));
    // job 81's journal cut in half (a disk fault), job 82's whole
    Path journal = jobs.resolve("81/sim1/journal.json");
    byte[] whole = Files.readAllBytes(journal);
    Files.write(journal, java.util.Arrays.copyOf(whole, whole.length / 2));

    String done = sweep("sim1", true, 1);
    for (String named : List.of("ignored: " + jobs.resolve("lost+found") + ": not named by a job id",
        "ignored: " + jobs.resolve("90") + ": not a folder",
        "ignored: " + jobs.resolve("91") + ": a link", "ignored: " + jobs.resolve("92") + ": sim1 is a link",
        "ignored: " + cluster.runFolder("lost+found", "sim1") + ": not named by a job id",
        "sweep: job 81: journal " + journal + " not read: ")) {
      assertTrue(done.contains(named), named + " in:\n" + done);
    }
    assertFalse(done.lines().anyMatch(l -> l.startsWith("removing: job 99")), "a folder's name forged a line: " + done);
    assertTrue(done.contains("removing: job 82"), done);
    assertFalse(Files.exists(jobs.resolve("82")), "the stale job next to the stray entries is gone: " + done);
    assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().startsWith("vc81-") || d.name().startsWith(
        "vc82-")), "both jobs' domains are gone, the one with a broken journal by name");
    assertTrue(done.contains("job 81: not all removed: journal: "), "the broken journal is kept for the admin: " + done);
    assertTrue(Files.exists(elsewhere.resolve("precious")), "nothing removed through a link");
    assertTrue(Files.exists(jobs.resolve("lost+found/sim1")), "a stray folder is left alone");

    // once the admin removed the broken journal, the sweep finishes the job
    Files.delete(journal);
    assertTrue(sweep("sim1", true, 0).contains("ignored: "), "the stray entries are still named, and fail nothing");
    assertFalse(Files.exists(jobs.resolve("81")));
  }

  @Test
  void aFailingNetworkListingIsNamedAndTheJobsAreStillSwept() {
    assertEquals(0, cluster.prolog("83", "sim1", REQUEST), cluster.log());
    org.virtualservices.core.fabric.FakeFabric fabric = cluster.fabrics.get("sim1");
    fabric.failListing(true);
    String done = sweep("sim1", true, 1);
    assertTrue(done.contains("sweep: cannot list job networks: "), done);
    assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().startsWith("vc83-")), done);
    fabric.failListing(false);
    cluster.epilog("83", "sim1", REQUEST);
  }
}
