package org.virtualservices.core.journal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock leaves nothing behind; whether it excludes another process is PbsSshFanOutTest's. */
class NodeLockTest {

  @TempDir
  Path state;

  @Test
  void aHookThatMadeNothingLeavesNoFolder() {
    Path node = state.resolve("jobs/7.head/n2");
    try (NodeLock lock = NodeLock.acquire(node)) {
      assertTrue(Files.exists(node.resolve(NodeLock.FILE_NAME)));
    }
    assertFalse(Files.exists(state.resolve("jobs/7.head")), "neither the node's folder nor the job's is left");
  }

  @Test
  void aHookThatMadeSomethingKeepsItsFolderForTheEpilog() throws IOException {
    Path node = state.resolve("jobs/7.head/n2");
    try (NodeLock lock = NodeLock.acquire(node)) {
      Files.writeString(node.resolve("journal.json"), "{}");
    }
    assertTrue(Files.exists(node.resolve("journal.json")));
  }

  @Test
  void anotherNodesFolderKeepsTheJobsFolder() throws IOException {
    Files.createDirectories(state.resolve("jobs/7.head/n3"));
    try (NodeLock lock = NodeLock.acquire(state.resolve("jobs/7.head/n2"))) {
      assertTrue(Files.isDirectory(state.resolve("jobs/7.head/n2")));
    }
    assertFalse(Files.exists(state.resolve("jobs/7.head/n2")));
    assertTrue(Files.exists(state.resolve("jobs/7.head/n3")));
  }
}
