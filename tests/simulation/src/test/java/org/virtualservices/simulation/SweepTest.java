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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin's sweep: leftovers of jobs the resource manager forgot go; a live job's stay. */
class SweepTest {

  private static final String REQUEST = "vc:image=tiny,vms=1";
  private static final List<String> NODES = List.of("sim1", "sim2");

  @TempDir
  Path tmp;
  SimulatedCluster cluster;

  @BeforeEach
  void up() throws IOException {
    cluster = new SimulatedCluster(tmp, NODES, "");
  }

  @AfterEach
  void down() {
    cluster.close();
  }

  private String sweep(String node, boolean yes, int expectedStatus) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = cluster.sweep(node, yes, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(expectedStatus, status, out);
    return out;
  }

  @Test
  void removesOnlyWhatJobsThatAreGoneLeftAndOnlyWhenToldTo() {
    for (String node : NODES) {
      assertEquals(0, cluster.prolog("61", node, REQUEST), cluster.log());
      assertEquals(0, cluster.prolog("62", node, REQUEST), cluster.log());
    }
    // job 61 ended without its epilog (a node crash, say); job 62 still runs
    cluster.activeJobs.add("62");
    // and a network nobody's journal names, of a VNI no live job would use
    cluster.fabrics.get("sim1").plant("lost", 99_999);

    String dry = sweep("sim1", false, 0);
    assertTrue(dry.contains("would remove: job 61: state folder"), dry);
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
}
