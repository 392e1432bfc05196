package org.virtualservices.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's atomic {@code current}, its retention, and what it refuses: a link where root's
 * folders should be, a {@code current} that names anything but a complete checkpoint of its own,
 * a manifest that names a file outside its folder or is a link, a job id that is not one element.
 */
class CheckpointStoreTest {

  @TempDir
  Path tmp;

  private Path complete(CheckpointStore store, long ms) throws IOException {
    Path dir = store.begin(Instant.ofEpochMilli(ms));
    Files.writeString(dir.resolve("a.state"), "state " + ms);
    return store.commit(dir);
  }

  /** A committed checkpoint whose manifest names it {@code id}, as every node's does for one checkpoint. */
  private Path named(CheckpointStore store, long ms, String id) throws IOException {
    Path dir = store.begin(Instant.ofEpochMilli(ms));
    Files.writeString(dir.resolve(CheckpointManifest.FILE_NAME), new CheckpointManifest(CheckpointManifest.VERSION,
        "5", "deb", 7, "10.0.0.0/24", 0, 2, "n1", 1000, "", id, "t", List.of(), List.of()).json());
    return store.commit(dir);
  }

  @Test
  void aRestoreTakesTheNewestCheckpointAllTheNodesHaveNotEachNodesCurrent() throws IOException {
    CheckpointStore n0 = CheckpointStore.of(tmp, "5", 0);
    CheckpointStore n1 = CheckpointStore.of(tmp, "5", 1);
    Path first0 = named(n0, 1000, "at-1000");
    Path first1 = named(n1, 1010, "at-1000");
    assertEquals(Optional.of(first0), n0.newestCommon(2));
    // the second checkpoint completed on node 0 and was killed on node 1: node 0's current is the
    // second, and restoring it beside node 1's first would bring back guests from two moments
    Path second0 = named(n0, 2000, "at-2000");
    n1.begin(Instant.ofEpochMilli(2010));
    assertEquals(Optional.of(second0), n0.current());
    assertEquals(Optional.of(first0), n0.newestCommon(2));
    assertEquals(Optional.of(first1), n1.newestCommon(2));
    // once both have it, the second
    Path second1 = named(n1, 2020, "at-2000");
    assertEquals(Optional.of(second0), n0.newestCommon(2));
    assertEquals(Optional.of(second1), n1.newestCommon(2));
  }

  @Test
  void nodesWithNoCheckpointInCommonRestoreNoneAndANodeAloneTakesItsCurrent() throws IOException {
    CheckpointStore n0 = CheckpointStore.of(tmp, "5", 0);
    CheckpointStore n1 = CheckpointStore.of(tmp, "5", 1);
    Path mine = named(n0, 1000, "at-1000");
    // node 1's folder not visible (a node-local checkpoint.dir): node 0 takes its own current one
    assertEquals(Optional.of(mine), n0.newestCommon(2));
    named(n1, 2000, "at-2000");
    CheckpointException e = assertThrows(CheckpointException.class, () -> n0.newestCommon(2));
    assertTrue(e.getMessage().contains("no checkpoint is complete on all its 2 nodes"), e.getMessage());
    // a third node of the job with no folder at all, beside one that has: refused, not guessed
    named(n1, 3000, "at-1000");
    e = assertThrows(CheckpointException.class, () -> n0.newestCommon(3));
    assertTrue(e.getMessage().contains("1 of its other nodes have none"), e.getMessage());
    assertEquals(Optional.of(mine), n0.newestCommon(2));
  }

  @Test
  void currentIsTheLastCommittedAndAnUnfinishedOneIsNever() throws IOException {
    CheckpointStore store = CheckpointStore.of(tmp, "5", 0);
    assertEquals(Optional.empty(), store.current());
    Path one = complete(store, 1000);
    assertEquals(Optional.of(one), store.current());
    // a writer killed half-way leaves a .new- folder: never current, removed by the next prune
    Path killed = store.begin(Instant.ofEpochMilli(2000));
    Files.writeString(killed.resolve("a.state"), "half");
    assertEquals(Optional.of(one), store.current());
    Path three = complete(store, 3000);
    assertEquals(Optional.of(three), store.current());
    List<Path> removed = store.prune(2);
    assertEquals(List.of(killed), removed);
    assertTrue(Files.isDirectory(one), "two kept");
    assertEquals(List.of(one), store.prune(1));
    assertEquals(Optional.of(three), store.current());
  }

  @Test
  void aCurrentLinkThatNamesAnythingElseIsNoCheckpoint() throws IOException {
    CheckpointStore store = CheckpointStore.of(tmp, "5", 0);
    complete(store, 1000);
    Path link = store.folder().resolve(CheckpointStore.CURRENT);
    for (String target : List.of("/etc", "../../x", "c-1000/..", ".new-1000")) {
      Files.delete(link);
      Files.createSymbolicLink(link, Path.of(target));
      assertEquals(Optional.empty(), store.current(), target);
    }
  }

  @Test
  void aLinkInPlaceOfTheJobsFolderIsRefused() throws IOException {
    Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
    Path root = Files.createDirectory(tmp.resolve("ckpt"));
    Files.createSymbolicLink(root.resolve("5"), elsewhere);
    CheckpointStore store = CheckpointStore.of(root, "5", 0);
    assertThrows(IOException.class, () -> store.begin(Instant.ofEpochMilli(1)));
    assertThrows(IOException.class, store::removeAll);
    assertEquals(0, Files.list(elsewhere).count());
  }

  @Test
  void aJobIdThatIsNotOneElementNamesNoFolder() {
    assertThrows(IllegalArgumentException.class, () -> CheckpointStore.of(tmp, "../5", 0));
    assertThrows(IllegalArgumentException.class, () -> CheckpointStore.of(tmp, "..", 0));
  }

  @Test
  void removeAllTakesTheNodesCheckpointsAndTheEmptyJobFolder() throws IOException {
    CheckpointStore a = CheckpointStore.of(tmp, "5", 0);
    CheckpointStore b = CheckpointStore.of(tmp, "5", 1);
    complete(a, 1000);
    complete(b, 1000);
    a.removeAll();
    assertFalse(Files.exists(a.folder()));
    assertTrue(Files.exists(tmp.resolve("5")), "node 1's are still there");
    b.removeAll();
    assertFalse(Files.exists(tmp.resolve("5")));
  }

  @Test
  void aManifestNamingAFileOutsideItsFolderOrBeingALinkIsRefused() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("c-1"));
    Files.writeString(tmp.resolve("outside"), "x");
    CheckpointManifest m = new CheckpointManifest(2, "5", "deb", 7, "10.0.0.0/24", 0, 1, "n1", 1000, "", "requeue-1", "t", List.of(),
        List.of(new CheckpointManifest.FileSum("../outside", 1, "00")));
    Files.writeString(dir.resolve(CheckpointManifest.FILE_NAME), m.json());
    CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointManifest.read(dir).verify(dir));
    assertTrue(e.getMessage().contains("names '../outside'"), e.getMessage());

    Path other = Files.createDirectory(tmp.resolve("c-2"));
    Files.createSymbolicLink(other.resolve(CheckpointManifest.FILE_NAME), dir.resolve(CheckpointManifest.FILE_NAME));
    assertThrows(CheckpointException.class, () -> CheckpointManifest.read(other));
  }

  @Test
  void aManifestMissingAVmsFileOrWithAFileSwappedForALinkDoesNotVerify() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("c-1"));
    Files.writeString(tmp.resolve("outside"), "x");
    Files.createSymbolicLink(dir.resolve("vm.state"), tmp.resolve("outside"));
    Files.writeString(dir.resolve("vm.qcow2"), "x");
    CheckpointManifest.FileSum sum = CheckpointManifest.sum(tmp.resolve("outside"));
    CheckpointManifest m = new CheckpointManifest(2, "5", "deb", 7, "10.0.0.0/24", 0, 1, "n1", 1000, "", "requeue-1", "t",
        List.of(new CheckpointManifest.Vm("vm", 0, "10.0.0.2", "02:00:00:00:00:01", 1, 256, "u")),
        List.of(new CheckpointManifest.FileSum("vm.state", sum.size(), sum.crc32c()),
            new CheckpointManifest.FileSum("vm.qcow2", sum.size(), sum.crc32c())));
    CheckpointException e = assertThrows(CheckpointException.class, () -> m.verify(dir));
    assertTrue(e.getMessage().contains("vm.state is missing or not a plain file"), e.getMessage());
    CheckpointManifest without = new CheckpointManifest(2, "5", "deb", 7, "10.0.0.0/24", 0, 1, "n1", 1000, "", "requeue-1", "t", m.vms(),
        List.of(new CheckpointManifest.FileSum("vm.qcow2", sum.size(), sum.crc32c())));
    e = assertThrows(CheckpointException.class, () -> without.verify(dir));
    assertTrue(e.getMessage().contains("names no vm.state"), e.getMessage());
  }
}
