package org.virtualservices.core.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.virtualservices.core.files.PrivateFiles;

/**
 * One hook at a time for a job on a node, where the resource manager does not see to it: the
 * hooks a PBS mother superior runs on a sister over SSH. When a sister's prologue outruns its time
 * or its connection drops, the mother superior gives it up and runs the sister epilogue, while
 * the prologue may still be running there (sshd does not stop a command whose client left). The
 * epilogue then waits here for the prologue to end, and tears down what it made. The lock is an
 * advisory lock on a file in the node's state folder, released by the kernel when the process
 * ends however it ends; the file goes with the folder when teardown removes it.
 */
public final class NodeLock implements AutoCloseable {

  static final String FILE_NAME = ".hook.lock";

  private final Path nodeDir;
  private final FileChannel channel;
  private final FileLock lock;

  private NodeLock(Path nodeDir, FileChannel channel, FileLock lock) {
    this.nodeDir = nodeDir;
    this.channel = channel;
    this.lock = lock;
  }

  /** Waits until no other hook of this job runs on this node; {@code nodeDir} is made if need be. */
  public static NodeLock acquire(Path nodeDir) {
    try {
      PrivateFiles.folders(nodeDir); // as Journal.open makes it
      FileChannel ch = FileChannel.open(nodeDir.resolve(FILE_NAME), java.util.Set.of(StandardOpenOption.CREATE,
          StandardOpenOption.WRITE), PrivateFiles.FILE);
      try {
        return new NodeLock(nodeDir, ch, ch.lock());
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("lock " + nodeDir.resolve(FILE_NAME) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Releases the lock. A state folder that holds nothing but the lock file (the hook made nothing,
   * or tore everything down) goes first, with the job's folder if that is empty then, so the lock
   * leaves nothing behind.
   */
  @Override
  public void close() {
    try {
      if (Files.isDirectory(nodeDir)) {
        try (Stream<Path> files = Files.list(nodeDir)) {
          if (files.allMatch(f -> f.getFileName().toString().equals(FILE_NAME))) {
            Files.deleteIfExists(nodeDir.resolve(FILE_NAME));
            Files.deleteIfExists(nodeDir);
            try {
              Files.deleteIfExists(nodeDir.getParent());
            } catch (DirectoryNotEmptyException othersStillThere) {
              // other nodes' folders (a shared state folder) or this job's other files: theirs to remove
            }
          }
        }
      }
      if (lock.isValid()) {
        lock.release();
      }
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("release " + FILE_NAME + ": " + e.getMessage(), e);
    }
  }
}
