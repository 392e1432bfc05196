package org.virtualservices.prolog;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.plan.Share;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.VcRequest;

/** A checkpointed job with a shared folder is the user's mistake, named by its key; without one it passes. */
class CheckpointLimitsTest {

  private static final List<Share> WORK = List.of(new Share("vcfs0", Path.of("/home/a/run"), Path.of("/home/a/run"),
      false));

  @Test
  void checkpointWithASharedFolderIsRefused() {
    VcRequest r = new VcRequest("deb", null, null, null, "--comment", null, null, true);
    RequestException e = assertThrows(RequestException.class, () -> CheckpointLimits.check(r, WORK));
    assertEquals("checkpoint", e.field());
    assertTrue(e.getMessage().contains("mounts=none"), e.getMessage());
  }

  @Test
  void checkpointWithoutFoldersOrFoldersWithoutCheckpointPass() {
    assertDoesNotThrow(() -> CheckpointLimits.check(new VcRequest("deb", null, null, null, "c", null, null, true), List.of()));
    assertDoesNotThrow(() -> CheckpointLimits.check(new VcRequest("deb", null, null, null, "c", null, null, false), WORK));
  }
}
