package org.virtualservices.core.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.ProcessCommandRunner;

/** The virtual size of images made by the real qemu-img: what an overlay on them can grow to. */
class ImageSizeTest {

  static final String QEMU_IMG = "/usr/bin/qemu-img";
  final ProcessCommandRunner runner = new ProcessCommandRunner();

  Path image(Path dir, String name, String format, String size) {
    Assumptions.assumeTrue(Files.isExecutable(Path.of(QEMU_IMG)), "needs qemu-utils");
    Path p = dir.resolve(name);
    runner.check(Command.of(QEMU_IMG, "create", "-q", "-f", format, p.toString(), size));
    return p;
  }

  @Test
  void qcow2AndRawAreReadWithoutQemuImg(@TempDir Path tmp) {
    Path q = image(tmp, "a.qcow2", "qcow2", "3G");
    Path r = image(tmp, "a.raw", "raw", "5M");
    // a runner that must not be asked: both sizes come from the files themselves
    assertEquals(3L << 30, ImageSize.virtualBytes(q, "qcow2", c -> {
      throw new AssertionError("ran " + c.display());
    }, QEMU_IMG));
    assertEquals(5L << 20, ImageSize.virtualBytes(r, "raw", c -> {
      throw new AssertionError("ran " + c.display());
    }, QEMU_IMG));
  }

  @Test
  void otherFormatsAskQemuImg(@TempDir Path tmp) {
    Path v = image(tmp, "a.vmdk", "vmdk", "7M");
    assertEquals(7L << 20, ImageSize.virtualBytes(v, "vmdk", runner, QEMU_IMG));
  }

  /** An overlay on a 64 MiB image, filled by a writer with 200 MiB, stays within the image's size. */
  @Test
  void anOverlayCannotGrowBeyondItsBasesVirtualSize(@TempDir Path tmp) {
    Path base = image(tmp, "base.qcow2", "qcow2", "64M");
    Path overlay = tmp.resolve("overlay.qcow2");
    runner.check(Command.of(QEMU_IMG, "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base.toString(),
        overlay.toString()));
    // qemu-io writes past the end are refused: the guest's disk ends at the virtual size
    var r = runner.run(Command.of("/usr/bin/qemu-io", "-f", "qcow2", "-c", "write 0 64M", "-c", "write 64M 136M",
        overlay.toString()));
    assertTrue(r.stdout().contains("wrote 67108864/67108864 bytes"), r.stdout());
    assertTrue((r.stdout() + r.stderr()).contains("Input/output error")
        || (r.stdout() + r.stderr()).contains("out of range"), r.stdout() + r.stderr());
    long onDisk = tmp.resolve("overlay.qcow2").toFile().length();
    assertTrue(onDisk <= (64L << 20) * 101 / 100, "overlay holds " + onDisk + " bytes");
  }

  @Test
  void aFileThatIsNotQcow2IsRefused(@TempDir Path tmp) throws Exception {
    Path f = Files.writeString(tmp.resolve("x.qcow2"), "not an image at all, but long enough to read");
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> ImageSize.virtualBytes(f, "qcow2", runner, QEMU_IMG));
    assertTrue(e.getMessage().contains("not a qcow2 image"), e.getMessage());
  }
}
