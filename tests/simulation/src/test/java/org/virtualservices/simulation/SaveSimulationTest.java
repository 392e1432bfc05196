package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The save of the head VM's disk through the real prolog and epilog (test:///default, real
 * qemu-img, the user's side as uid 65534): asked with {@code save=} or by {@code vcluster save}'s
 * request file, refused where the site keeps no users' images, and never in the teardown's way.
 */
class SaveSimulationTest {

  private static final int USER = 65534;

  @TempDir
  Path tmp;
  SimulatedCluster cluster;
  Path repo;

  @BeforeEach
  void up() throws IOException {
    RootHooksUnderAttackTest.requireRoot();
    repo = SimulatedCluster.userWork(tmp, USER).resolveSibling("images");
  }

  @AfterEach
  void down() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private void cluster(boolean userImages) throws IOException {
    cluster = new SimulatedCluster(tmp, List.of("sim1", "sim2"), String.join("\n",
        "userImages:",
        "  enabled: " + userImages,
        "  repository: " + tmp.resolve("home/{user}/images"),
        "save:",
        "  shutdownTimeoutSeconds: 5"), "nobody", USER, USER, tmp.resolve("home/nobody/work"));
    Files.setPosixFilePermissions(cluster.stateDir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void aSaveAskedAtSubmissionBecomesRevisionOneThenTwoAndTheTeardownStillHappens() throws IOException {
    cluster(true);
    String request = "vc:image=tiny,vms=1,save=mine";
    for (String job : List.of("801", "802")) {
      for (String n : cluster.nodes) {
        assertEquals(0, cluster.prolog(job, n, request), cluster.log());
      }
      for (String n : cluster.nodes) {
        assertEquals(0, cluster.epilog(job, n, request), cluster.log());
      }
      assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().startsWith("vc" + job + "-")));
      assertFalse(Files.exists(cluster.stateDir.resolve("jobs").resolve(job)));
    }
    assertEquals(List.of("1.qcow2", "2.qcow2"), names(repo.resolve("mine")));
    assertEquals(USER, Files.getAttribute(repo.resolve("mine/2.qcow2"), "unix:uid"));
    String log = cluster.log();
    assertTrue(log.contains("\"save\":{\"name\":\"mine\",\"revision\":2,\"saved\":true"), log);
    assertTrue(Files.readString(cluster.workDir.resolve("vcluster-802-usage/save.txt")).contains("user:mine@2"));
    // what the head VM used is told too: read before it powered off (the teardown then finds it stopped)
    assertTrue(Files.readString(cluster.workDir.resolve("vcluster-802-usage/sim1.json")).contains("vc802-0"),
        "the head VM's usage");
  }

  @Test
  void vclusterSaveInTheJobWinsAndABadRequestSavesNothing() throws IOException {
    cluster(true);
    String request = "vc:image=tiny,vms=1,save=mine";
    assertEquals(0, cluster.prolog("811", "sim1", request), cluster.log());
    Path asked = cluster.workDir.resolve("vcluster-811/save");
    Files.writeString(asked, "other\n");
    Files.setAttribute(asked, "unix:uid", USER);
    assertEquals(0, cluster.epilog("811", "sim1", request), cluster.log());
    assertEquals(List.of("other"), names(repo));
    assertFalse(Files.exists(asked, LinkOption.NOFOLLOW_LINKS), "the request is gone with the job");
    assertFalse(Files.exists(cluster.workDir.resolve("vcluster-811")), "and the copy's folder with it");

    assertEquals(0, cluster.prolog("812", "sim1", request), cluster.log());
    asked = cluster.workDir.resolve("vcluster-812/save");
    Files.createSymbolicLink(asked, cluster.workDir.resolve("elsewhere"));
    assertEquals(0, cluster.epilog("812", "sim1", request), "a refused save never fails the epilog");
    assertTrue(cluster.log().contains("vcluster save: the request"), cluster.log());
    assertEquals(List.of("other"), names(repo), "nothing saved under the option's name either");
    assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().startsWith("vc812-")));
  }

  @Test
  void aJobRequeuedForItsCheckpointIsNotOverSoItsDiskIsSavedOnlyAtItsRealEnd() throws IOException {
    cluster(true);
    String request = "vc:image=tiny,vms=1,save=mine,checkpoint=on-timeout";
    assertEquals(0, cluster.prolog("831", "sim1", request), cluster.log());
    cluster.restarts("831", 1); // scontrol requeue in the job's signal trap
    assertEquals(0, cluster.epilog("831", "sim1", request), cluster.log());
    String log = cluster.log();
    assertFalse(log.contains("\"save\":{"), "no save tried at a requeue: " + log);
    assertFalse(Files.exists(repo.resolve("mine")), "nothing saved at a requeue");
    assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().startsWith("vc831-")));
  }

  @Test
  void aSiteWithoutUsersImagesRefusesTheSaveBeforeAnythingIsMade() throws IOException {
    cluster(false);
    assertEquals(0, cluster.prolog("821", "sim1", "vc:image=tiny,save=mine"));
    assertTrue(cluster.log().contains("save: this site keeps no users' images"), cluster.log());
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/821")));
    assertTrue(Files.readString(cluster.workDir.resolve("vcluster-821/ERROR")).contains("keeps no users' images"));
    assertFalse(Files.exists(repo));
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
