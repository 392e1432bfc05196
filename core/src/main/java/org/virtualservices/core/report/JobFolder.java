package org.virtualservices.core.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.virtualservices.core.files.FileTrees;
import org.virtualservices.core.plan.StatePaths;

/**
 * The job's folder on this node in the run tree, {@code <runDir>/jobs/<job>}: a tree that root
 * owns and no user can write to, so no user can rename it or put a link in it (docs/hooks.md,
 * "Threat model"). The prolog makes it before it makes anything else, on every node: it is the
 * marker that tells the epilog (and its wrapper, before any JVM) that the node holds something of
 * the job, whatever the user later does to the job's comment. On the batch host it also holds the
 * report ({@code VC_DIR}): each file made with O_EXCL and its final mode and owner while the
 * folder is root's alone; then the folder is opened to the job's group for reading only (owner
 * root, mode 0750). The owner stays root: an owner could chmod the folder and create entries in
 * it, and the epilog later deletes in it.
 */
public final class JobFolder {

  /** Root-only: where the copy in the user's working folder was written, for its removal. */
  static final String COPY_RECORD = ".user-copy";

  private static final FileAttribute<Set<PosixFilePermission>> ROOT_ONLY_DIR =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private final Path runDir;
  private final Path dir;

  private JobFolder(Path runDir, Path dir) {
    this.runDir = runDir;
    this.dir = dir;
  }

  /**
   * The folder of {@code jobId} in the run tree ({@link StatePaths#runJob}).
   *
   * @throws IllegalArgumentException for a job id that cannot name a folder
   */
  public static JobFolder of(StatePaths paths, String jobId) {
    return new JobFolder(paths.runDir(), paths.runJob(jobId));
  }

  public Path dir() {
    return dir;
  }

  /** The report's files in this folder: what {@code VC_DIR} points to. */
  public ReportFiles files() {
    return new ReportFiles(dir);
  }

  public boolean exists() {
    return Files.exists(dir, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Makes the folder, root's alone (0700), and the run tree above it when missing: the run folder
   * 0755 and {@code jobs/} 0711 (users reach their own job's folder, list no other). An existing
   * folder is kept when it is a real folder of ours (a second prolog of the job).
   *
   * @throws UncheckedIOException when the tree cannot be made, or someone else could write in it
   */
  public JobFolder create() {
    ensureTree(runDir, "rwxr-xr-x");
    ensureTree(dir.getParent(), "rwx--x--x");
    try {
      Files.createDirectory(dir, ROOT_ONLY_DIR);
    } catch (FileAlreadyExistsException e) {
      checkOurs(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("make job folder " + dir + ": " + e.getMessage(), e);
    }
    return this;
  }

  /**
   * Writes {@code name} in the folder, made anew (O_EXCL) with mode 0600 and owned by
   * {@code uid:gid} from its first byte. Call while the folder is still root's alone.
   */
  public Path write(String name, String content, int uid, int gid) {
    Path p = entry(name);
    try {
      Files.deleteIfExists(p); // a second prolog of the job: this folder is root's, no link can be here
      try (SeekableByteChannel ch = Files.newByteChannel(p, Set.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE), PRIVATE_FILE)) {
        ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
      owner(p, uid, gid);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("write " + p + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens the folder to the job's user for reading: owner root, group {@code gid}, mode 0750.
   * Nobody but root can then create, rename or delete anything in it.
   */
  public void handOver(int gid) {
    try {
      owner(dir, UserCopy.ourUid(), gid);
      // set explicitly: mkdir's mode went through the hook's umask (077)
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
    } catch (IOException e) {
      throw new UncheckedIOException("open job folder " + dir + " to gid " + gid + ": " + e.getMessage(), e);
    }
  }

  /** Records, before it is made, where the user's copy goes (root-only), so that teardown finds it. */
  public void recordCopy(UserCopy.Target target) {
    write(COPY_RECORD, target.uid() + "\n" + target.gid() + "\n" + target.dir() + "\n", UserCopy.ourUid(),
        UserCopy.ourGid());
  }

  /** Where the user's copy was written, if it was. */
  public Optional<UserCopy.Target> copyRecord() {
    Path p = entry(COPY_RECORD);
    try {
      List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
      if (lines.size() != 3) {
        throw new IllegalStateException(p + " has " + lines.size() + " lines, expected uid, gid and folder");
      }
      return Optional.of(new UserCopy.Target(Integer.parseInt(lines.get(0)), Integer.parseInt(lines.get(1)),
          Path.of(lines.get(2))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("read " + p + ": " + e.getMessage(), e);
    }
  }

  /** Removes the folder and what is in it (root's tree: nothing in it is a user's link). */
  public void delete() throws IOException {
    FileTrees.delete(dir);
  }

  private Path entry(String name) {
    Path p = dir.resolve(name);
    if (!p.getParent().equals(dir)) {
      throw new IllegalArgumentException("not a file name: " + name);
    }
    return p;
  }

  /** A folder of the run tree: made if missing, and in any case root's real folder, not writable by others. */
  private static void ensureTree(Path d, String mode) {
    try {
      if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
        try {
          Files.createDirectories(d.getParent());
          Files.createDirectory(d, ROOT_ONLY_DIR);
          Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(mode));
        } catch (FileAlreadyExistsException e) {
          // another job's prolog made it at the same time
        }
      }
      checkOurs(d);
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(d, LinkOption.NOFOLLOW_LINKS);
      if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
        throw new IOException("writable by others (" + PosixFilePermissions.toString(p) + ")");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("run tree " + d + ": " + e.getMessage(), e);
    }
  }

  /** A real folder (not a link) owned by this process's user: root, in production. */
  private static void checkOurs(Path d) {
    try {
      if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException("not a folder");
      }
      int owner = (Integer) Files.getAttribute(d, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      if (owner != UserCopy.ourUid()) {
        throw new IOException("owned by uid " + owner + ", not by this hook's");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("job folder " + d + ": " + e.getMessage(), e);
    }
  }

  static void owner(Path p, int uid, int gid) throws IOException {
    if (((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)) != uid) {
      Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    }
    if (((Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)) != gid) {
      Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }
  }
}
