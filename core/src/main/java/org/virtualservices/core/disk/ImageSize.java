package org.virtualservices.core.disk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandRunner;

/**
 * The virtual size of a base disk image: what a VM's copy-on-write overlay on it can grow to at
 * most (a qcow2 overlay holds only the clusters the guest wrote, each at most once, plus its tables,
 * which are under 1% of that: https://www.qemu.org/docs/master/interop/qcow2.html). qcow2 and raw
 * are read here (the qcow2 header's {@code size} field at byte 24, a raw file's length) in
 * microseconds; any other format is asked of {@code qemu-img info --output=json}.
 */
public final class ImageSize {

  private static final int QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"

  private ImageSize() {
  }

  /** The virtual size in bytes of {@code image} in {@code format}. */
  public static long virtualBytes(Path image, String format, CommandRunner runner, String qemuImg) {
    try {
      if ("raw".equals(format)) {
        return Files.size(image);
      }
      if ("qcow2".equals(format)) {
        return qcow2(image);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("read the size of base image " + image + ": " + e.getMessage(), e);
    }
    String json = runner.check(Command.of(qemuImg, "info", "--output=json", "-U", "-f", format, image.toString())
        .withTimeout(Duration.ofSeconds(30))).stdout();
    try {
      JsonNode size = new ObjectMapper().readTree(json).get("virtual-size");
      if (size == null || !size.canConvertToLong()) {
        throw new IllegalStateException("qemu-img info " + image + " gave no virtual-size");
      }
      return size.asLong();
    } catch (IOException e) {
      throw new IllegalStateException("qemu-img info " + image + " printed no JSON: " + e.getMessage(), e);
    }
  }

  static long qcow2(Path image) throws IOException {
    if (!Files.isRegularFile(image, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(image)) {
      throw new IOException("not a file");
    }
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(32);
      while (header.hasRemaining() && ch.read(header) > 0) {
        // a header is read in one go but for a short read
      }
      if (header.position() < 32 || header.getInt(0) != QCOW2_MAGIC) {
        throw new IOException("not a qcow2 image (no QFI\\xfb header)");
      }
      long size = header.getLong(24);
      if (size < 0) {
        throw new IOException("qcow2 header gives a negative size");
      }
      return size;
    }
  }
}
