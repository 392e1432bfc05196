package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A job whose network clashes with a running job's on a node is refused there without draining
 * it, its user is told why, and neither its rollback nor its epilog touches the running job's
 * network (docs/fabric.md, "No two jobs share a network").
 */
class NetworkClashSimulationTest extends OnSimulatedCluster {

  private static final String REQUEST = "vc:image=tiny,vms=1";
  private static final List<String> NODES = List.of("sim1", "sim2");
  /** 7 plus the size of the default VNI range: the same VNI as job 7. */
  private static final String SAME_VNI = String.valueOf(7 + 16_777_215 - 4_096 + 1);

  NetworkClashSimulationTest() {
    super(NODES);
  }

  @Test
  void aClashingJobIsRefusedWithoutDrainingAndTheRunningJobKeepsItsNetwork() throws IOException {
    for (String node : NODES) {
      assertEquals(0, cluster.prolog("7", node, REQUEST), cluster.log());
    }
    int vni = cluster.fabrics.get("sim1").specs().keySet().iterator().next();

    assertEquals(0, cluster.prolog(SAME_VNI, "sim1", REQUEST), "a clash must not drain the node: " + cluster.log());
    assertTrue(cluster.log().contains("refused on node sim1"), cluster.log());
    String error = Files.readString(cluster.workDir.resolve("vcluster-" + SAME_VNI + "/ERROR"));
    assertTrue(error.contains("(job 7)"), "the user is told what it clashes with: " + error);
    assertEquals("7", cluster.fabrics.get("sim1").specs().get(vni).job(), "job 7's network after the refusal");
    assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().startsWith("vc" + SAME_VNI + "-")),
        "the refused job's domains are rolled back");

    assertEquals(0, cluster.epilog(SAME_VNI, "sim1", REQUEST), cluster.log());
    assertEquals("7", cluster.fabrics.get("sim1").specs().get(vni).job(), "job 7's network after the other's epilog");
    assertTrue(cluster.keepAlive.domains().stream().anyMatch(d -> d.name().equals("vc7-0")), "job 7's VM");

    for (String node : NODES) {
      assertEquals(0, cluster.epilog("7", node, REQUEST), cluster.log());
      assertTrue(cluster.fabrics.get(node).networks().isEmpty(), "network left on " + node);
    }
  }
}
