package org.virtualservices.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The layout docs/hooks.md gives, from one place; a job id or node name is one folder, never more. */
class StatePathsTest {

  final StatePaths paths = new StatePaths(Path.of("/var/lib/vcluster"), Path.of("/run/vcluster"));

  @Test
  void theDocumentedLayout() {
    Path node = paths.node("42", "n1");
    assertEquals(Path.of("/var/lib/vcluster/jobs/42/n1"), node);
    assertEquals(Path.of("/var/lib/vcluster/jobs/42/n1/vc42-0.qcow2"), StatePaths.overlay(node, "vc42-0"));
    assertEquals(Path.of("/var/lib/vcluster/jobs/42/n1/vc42-0-seed.iso"), StatePaths.seed(node, "vc42-0"));
    assertEquals(Path.of("/var/lib/vcluster/jobs/42/n1/vc42-0.console.log"), StatePaths.console(node, "vc42-0"));
    assertEquals(Path.of("/var/lib/vcluster/jobs/42/n1/vc42-0.xml"), StatePaths.domainXml(node, "vc42-0"));
    assertEquals(Path.of("/var/lib/vcluster/logs/7.pbs.log"), paths.log("7.pbs"));
    assertEquals(Path.of("/var/lib/vcluster/evidence/42-n1-1000"), paths.evidence("42", "n1", Instant.ofEpochMilli(1000)));
    assertEquals(Path.of("/run/vcluster/jobs/42"), paths.runJob("42"));
  }

  @Test
  void aJobIdOrNodeThatIsNotOneFolderIsRefused() {
    for (String bad : List.of("1../../etc", "..", ".", "", "42/n1", ".hidden", "4\u00002")) {
      assertThrows(IllegalArgumentException.class, () -> paths.node(bad, "n1"), bad);
      assertThrows(IllegalArgumentException.class, () -> paths.node("42", bad), bad);
      assertThrows(IllegalArgumentException.class, () -> paths.runJob(bad), bad);
      assertThrows(IllegalArgumentException.class, () -> paths.log(bad), bad);
    }
  }
}
