package org.virtualservices.core.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Optional;

/**
 * Reads a record the hooks wrote in root's state folder (a journal, the prolog's call) without
 * trusting it is one: a regular file (not a link: looked at and opened without following one) of
 * the hooks' own user, of at most a record's size. Anything else is refused with an
 * {@link IOException} saying what it is.
 */
public final class HooksRecord {

  private HooksRecord() {
  }

  /**
   * The file's bytes; empty when there is none.
   *
   * @param what the record's name in messages, e.g. "journal"
   */
  public static Optional<byte[]> read(Path file, String what, long maxBytes) throws IOException {
    PosixFileAttributes a;
    try {
      a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (!a.isRegularFile()) {
      throw new IOException(a.isSymbolicLink() ? "a link, not a " + what + " a prolog wrote" : "not a regular file");
    }
    int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    int own = ownUid();
    if (owner != own) {
      throw new IOException("owned by uid " + owner + ", not by uid " + own + " (the hooks', who write " + what + "s)");
    }
    if (a.size() > maxBytes) {
      throw new IOException(a.size() + " bytes, more than a " + what + " holds (" + maxBytes + ")");
    }
    try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        InputStream in = Channels.newInputStream(ch)) {
      return Optional.of(in.readNBytes((int) maxBytes + 1));
    }
  }

  /** The uid this process runs as (root in production): the owner of {@code /proc/self}. */
  public static int ownUid() throws IOException {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }
}
