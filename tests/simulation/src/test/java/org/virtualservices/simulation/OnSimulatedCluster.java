package org.virtualservices.simulation;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test that runs on a fresh simulated cluster of the given nodes and the default site, made in a
 * temporary folder before each test and closed after it (a test may close it and make another in
 * {@link #cluster}: the last one is closed).
 */
abstract class OnSimulatedCluster {

  private final List<String> clusterNodes;

  @TempDir
  Path tmp;
  SimulatedCluster cluster;

  OnSimulatedCluster(List<String> nodes) {
    this.clusterNodes = List.copyOf(nodes);
  }

  @BeforeEach
  final void clusterUp() throws IOException {
    cluster = new SimulatedCluster(tmp, clusterNodes, "");
  }

  @AfterEach
  final void clusterDown() {
    cluster.close();
  }
}
