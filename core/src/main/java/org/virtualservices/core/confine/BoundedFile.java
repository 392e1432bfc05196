package org.virtualservices.core.confine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;

/**
 * Reads a small kernel file (cgroup, sysfs) as root without trusting where it is: the file itself
 * must not be a link (opened with O_NOFOLLOW), must be a regular file, and at most {@code max}
 * bytes are read, so a file that is not what it should be (a link to a secret, a FIFO, a huge
 * file) is refused instead of followed, blocked on or swallowed.
 */
final class BoundedFile {

  private BoundedFile() {
  }

  /**
   * The file's text.
   *
   * @param onCgroupFs also require the file to live on a cgroup file system (cgroup or cgroup2), so
   *     nothing but the kernel's own file is read where a cgroup's file is expected
   * @throws IOException when it is missing, a link, not a regular file, longer than {@code max}
   *     bytes or not on a cgroup file system when that is required
   */
  static String read(Path file, int max, boolean onCgroupFs) throws IOException {
    // looked at before it is opened: a FIFO would block the open itself; the open then refuses a
    // link put there meanwhile (O_NOFOLLOW). Nobody but root writes where these files live.
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!a.isRegularFile()) {
      throw new IOException(file + " is not a regular file" + (a.isSymbolicLink() ? " (a link)" : ""));
    }
    if (onCgroupFs) {
      FileStore store = Files.getFileStore(file);
      if (!store.type().equals("cgroup") && !store.type().equals("cgroup2")) {
        throw new IOException(file + " is on a " + store.type() + " file system, not a cgroup one");
      }
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      ByteBuffer buf = ByteBuffer.allocate(max + 1);
      while (buf.hasRemaining() && ch.read(buf) > 0) {
        // kernel files may come in several reads
      }
      if (buf.position() > max) {
        throw new IOException(file + " holds more than " + max + " bytes");
      }
      buf.flip();
      return StandardCharsets.UTF_8.decode(buf).toString();
    }
  }
}
