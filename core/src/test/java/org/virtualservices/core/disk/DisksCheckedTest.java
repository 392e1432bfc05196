package org.virtualservices.core.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.ProcessCommandRunner;

/** The overlay on a user's image: made by root without opening the base, with the checked size. */
class DisksCheckedTest {

  static final String QEMU_IMG = "/usr/bin/qemu-img";
  final ProcessCommandRunner runner = new ProcessCommandRunner();

  @Test
  void theOverlayHasTheCheckedSizeAndRootNeverOpensTheBase(@TempDir Path tmp) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of(QEMU_IMG)), "needs qemu-utils");
    // the user's file, swapped after the check for a FIFO (opening it would block) ...
    Path base = tmp.resolve("3.qcow2");
    runner.check(Command.of("/usr/bin/mkfifo", base.toString()));
    List<Command> ran = new ArrayList<>();
    Path overlay = tmp.resolve("vc42-0.qcow2");
    int uid = (Integer) Files.getAttribute(tmp, "unix:uid");
    int gid = (Integer) Files.getAttribute(tmp, "unix:gid");
    new Disks(c -> {
      ran.add(c);
      return runner.run(c);
    }, QEMU_IMG).overlayOfChecked(base, "qcow2", 64L << 20, overlay, uid, gid);
    // ... is never opened: the overlay is made at once, with the size the check found
    var info = new ObjectMapper().readTree(runner.check(Command.of(QEMU_IMG, "info", "--output=json", "-U",
        overlay.toString())).stdout());
    assertEquals(64L << 20, info.get("virtual-size").asLong());
    assertEquals(base.toString(), info.get("backing-filename").asText());
    assertEquals("qcow2", info.get("backing-filename-format").asText());
    assertTrue(ran.get(0).argv().contains("-u"), ran.get(0).display());
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(overlay)));
  }
}
