package org.virtualservices.core.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.plan.Share;

/** The seed's {@code vcluster/mounts}, as the guest's init reads it (docs/appliance.md). */
class GuestSeedMountsTest {

  @Test
  void oneLinePerFolderTagModePath() {
    assertEquals("vcfs0 rw /home/alice/run\nvcfs1 ro /opt/sw\n", GuestSeed.mounts(List.of(
        new Share("vcfs0", Path.of("/home/alice/run"), Path.of("/home/alice/run"), false),
        new Share("vcfs1", Path.of("/sw"), Path.of("/opt/sw"), true))));
  }

  @Test
  void aPathAGuestShellCouldMisreadIsNeverWritten() {
    for (String bad : List.of("/a b", "/a\nvcfs9 rw /etc", "/a$(reboot)", "relative", "/a;b")) {
      assertThrows(IllegalArgumentException.class, () -> GuestSeed.mounts(List.of(
          new Share("vcfs0", Path.of("/x"), Path.of(bad), false))), bad);
    }
  }
}
