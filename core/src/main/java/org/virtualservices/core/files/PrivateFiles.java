package org.virtualservices.core.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * Root's own files and folders in the state folder, each made with its final mode in the call
 * that makes it (0600, 0700): never readable by another user, not for a moment, whatever the
 * umask; never chmodded afterwards (docs/hooks.md, "Threat model"). The hooks' wrappers also set
 * umask 077, for the programs they run.
 */
public final class PrivateFiles {

  public static final FileAttribute<Set<PosixFilePermission>> FOLDER =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  public static final FileAttribute<Set<PosixFilePermission>> FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private PrivateFiles() {
  }

  /** Makes {@code dir} and its missing parents, each 0700; existing ones are left as they are. */
  public static Path folders(Path dir) throws IOException {
    Deque<Path> missing = new ArrayDeque<>();
    for (Path d = dir.toAbsolutePath(); d != null && !Files.isDirectory(d); d = d.getParent()) {
      missing.push(d);
    }
    while (!missing.isEmpty()) {
      try {
        Files.createDirectory(missing.pop(), FOLDER);
      } catch (FileAlreadyExistsException e) {
        // made meanwhile by another hook
      }
    }
    return dir;
  }

  /** Makes {@code file} (it must not exist: O_EXCL), 0600 from the start, holding {@code content}. */
  public static Path write(Path file, String content) throws IOException {
    try (OutputStream out = open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }

  /** Makes {@code file} anew (O_EXCL, 0600 from the start): an empty one, for a program to write into. */
  public static Path empty(Path file) throws IOException {
    Files.deleteIfExists(file);
    return Files.createFile(file, FILE);
  }

  /** Copies {@code from} to the new file {@code to} (O_EXCL, 0600 from the start). */
  public static Path copy(Path from, Path to) throws IOException {
    try (InputStream in = Files.newInputStream(from);
        OutputStream out = open(to, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
      in.transferTo(out);
    }
    return to;
  }

  /**
   * Gives {@code file} to {@code uid}:{@code gid}, its mode (0600) kept: a file root made in a folder
   * that only root can write, so no link can stand in its place, which QEMU then opens as that user
   * (docs/hooks.md, "QEMU as the job's user"). lchown: a link would not be followed anyway.
   */
  public static void handTo(Path file, int uid, int gid) throws IOException {
    if ((Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid) {
      Files.setAttribute(file, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    }
    if ((Integer) Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS) != gid) {
      Files.setAttribute(file, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** Appends a line to {@code file}, made 0600 when it is new. */
  public static void append(Path file, String line) throws IOException {
    try (OutputStream out = open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND,
        StandardOpenOption.WRITE))) {
      out.write(line.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static OutputStream open(Path file, Set<StandardOpenOption> options) throws IOException {
    return Channels.newOutputStream(Files.newByteChannel(file, options, FILE));
  }
}
