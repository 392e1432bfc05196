package org.virtualservices.core.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.virtualservices.core.files.FileTrees;
import org.virtualservices.core.files.PrivateFiles;
import org.virtualservices.core.plan.StatePaths;

/**
 * One job's checkpoints on one node, in root's tree (docs/hooks.md, "Checkpoints"):
 * {@code <checkpoint.dir>/<job>/n<k>/} (k: the node's place in the job's node list, so a requeued
 * job finds them on other nodes of a shared file system), each folder 0700 and root's. A checkpoint
 * is written into {@code .new-<ms>}, renamed to {@code c-<ms>} when complete and verified, and only
 * then named by the link {@code current}, swapped by one rename(2): a reader sees the old checkpoint
 * or the new one, never a half-written one, whatever moment the writer dies at. Nothing here is a
 * path a user can write: root made every folder, and links are not followed.
 */
public final class CheckpointStore {

  static final String CURRENT = "current";
  private static final Pattern COMPLETE = Pattern.compile("c-[0-9]{1,19}");
  private static final String NEW = ".new-";
  private static final String LINK = ".current-";

  private final Path root;
  private final Path job;
  private final Path node;
  private final int index;

  private CheckpointStore(Path root, Path job, Path node, int index) {
    this.root = root;
    this.job = job;
    this.node = node;
    this.index = index;
  }

  /** The store of job {@code jobId}'s node {@code nodeIndex} under the site's {@code checkpoint.dir}. */
  public static CheckpointStore of(Path root, String jobId, int nodeIndex) {
    Path job = root.resolve(StatePaths.element("job id", jobId));
    return new CheckpointStore(root, job, job.resolve("n" + nodeIndex), nodeIndex);
  }

  /**
   * The checkpoint to restore on this node: the newest of its complete checkpoints that every other
   * node of the job ({@code nodeCount} of them) also holds complete, by the manifest's id. Each node
   * commits on its own, so a checkpoint that failed or was killed on one node is current on the
   * others: restoring each node's {@code current} would bring back guests from different moments.
   * The other nodes' folders are read on the shared file system ({@code checkpoint.dir}); where
   * none of them is visible (a node-local folder), this node's current one is taken. Only the
   * manifests are read here; the caller verifies the checkpoint it restores.
   *
   * @throws CheckpointException when the nodes' folders are visible and have no checkpoint in common
   */
  public Optional<Path> newestCommon(int nodeCount) {
    List<Path> mine = complete(node);
    if (mine.isEmpty()) {
      return Optional.empty();
    }
    List<List<Path>> others = new ArrayList<>();
    for (int k = 0; k < nodeCount; k++) {
      Path other = job.resolve("n" + k);
      if (k != index && Files.isDirectory(other, LinkOption.NOFOLLOW_LINKS)) {
        others.add(complete(other));
      }
    }
    if (others.isEmpty()) {
      return current();
    }
    if (others.size() < nodeCount - 1) {
      throw new CheckpointException("checkpoints of job " + job.getFileName() + ": " + (nodeCount - 1 - others.size())
          + " of its other nodes have none in " + job);
    }
    for (Path p : mine) {
      String id = idOf(p);
      if (id != null && others.stream().allMatch(o -> o.stream().anyMatch(q -> id.equals(idOf(q))))) {
        return Optional.of(p);
      }
    }
    throw new CheckpointException("checkpoints of job " + job.getFileName() + ": no checkpoint is complete on all its "
        + nodeCount + " nodes in " + job);
  }

  /** The complete checkpoints ({@code c-<ms>}, real folders) in {@code dir}, newest first. */
  private static List<Path> complete(Path dir) {
    List<Path> found = new ArrayList<>();
    if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return found;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (COMPLETE.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          found.add(p);
        }
      }
    } catch (IOException e) {
      return found;
    }
    found.sort(NEWEST_FIRST);
    return found;
  }

  private static final Comparator<Path> NEWEST_FIRST = Comparator.comparingLong((Path p) -> Long.parseLong(
      p.getFileName().toString().substring(2))).reversed();

  /** The id in a complete checkpoint's manifest, or null when it has none readable. */
  private static String idOf(Path checkpoint) {
    try {
      return CheckpointManifest.read(checkpoint).id();
    } catch (CheckpointException e) {
      return null;
    }
  }

  public Path folder() {
    return node;
  }

  /** The current checkpoint's folder, if there is a complete one. */
  public Optional<Path> current() {
    Path link = node.resolve(CURRENT);
    try {
      if (!Files.isSymbolicLink(link)) {
        return Optional.empty();
      }
      String target = Files.readSymbolicLink(link).toString();
      Path dir = node.resolve(target);
      if (!COMPLETE.matcher(target).matches() || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.empty();
      }
      return Optional.of(dir);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Makes a new, empty folder for a checkpoint taken at {@code at}: root's, 0700 from the start. */
  public Path begin(Instant at) throws IOException {
    refuseLinks();
    PrivateFiles.folders(node);
    refuseLinks();
    Path dir = node.resolve(NEW + at.toEpochMilli());
    Files.createDirectory(dir, PrivateFiles.FOLDER);
    return dir;
  }

  /**
   * Makes the complete, verified checkpoint in {@code written} (from {@link #begin}) the current one:
   * renamed to {@code c-<ms>}, then {@code current} swapped to it atomically.
   *
   * @return the checkpoint's final folder
   */
  public Path commit(Path written) throws IOException {
    String name = written.getFileName().toString();
    if (!written.getParent().equals(node) || !name.startsWith(NEW)) {
      throw new IllegalArgumentException(written + " was not begun here");
    }
    String ms = name.substring(NEW.length());
    sync(written);
    Path done = node.resolve("c-" + ms);
    Files.move(written, done, StandardCopyOption.ATOMIC_MOVE);
    Path link = node.resolve(LINK + ms);
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, done.getFileName());
    Files.move(link, node.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    sync(node);
    return done;
  }

  /** Drops a checkpoint that was begun and will not be committed. */
  public void discard(Path written) throws IOException {
    if (written.getParent().equals(node) && written.getFileName().toString().startsWith(NEW)) {
      FileTrees.delete(written);
    }
  }

  /**
   * Keeps the newest {@code keep} complete checkpoints (the current one always) and removes the
   * rest, and what an interrupted writer left ({@code .new-*}, {@code .current-*}).
   *
   * @return the folders removed
   */
  public List<Path> prune(int keep) throws IOException {
    List<Path> complete = new ArrayList<>();
    List<Path> removed = new ArrayList<>();
    Optional<Path> current = current();
    if (!Files.isDirectory(node, LinkOption.NOFOLLOW_LINKS)) {
      return removed;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(node)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (COMPLETE.matcher(n).matches()) {
          complete.add(p);
        } else if (n.startsWith(NEW) || n.startsWith(LINK)) {
          removed.add(p);
        }
      }
    }
    complete.sort(NEWEST_FIRST);
    for (int i = 0; i < complete.size(); i++) {
      Path p = complete.get(i);
      if (i >= Math.max(1, keep) && !current.map(p::equals).orElse(false)) {
        removed.add(p);
      }
    }
    for (Path p : removed) {
      if (Files.isSymbolicLink(p)) {
        Files.delete(p);
      } else {
        FileTrees.delete(p);
      }
    }
    return removed;
  }

  /** Removes every checkpoint of the job on this node (its end: it will not run again), and the job's folder when empty. */
  public void removeAll() throws IOException {
    refuseLinks();
    if (Files.isDirectory(node, LinkOption.NOFOLLOW_LINKS)) {
      FileTrees.delete(node);
    }
    try (DirectoryStream<Path> ds = Files.isDirectory(job, LinkOption.NOFOLLOW_LINKS) ? Files.newDirectoryStream(job)
        : null) {
      if (ds != null && !ds.iterator().hasNext()) {
        Files.delete(job);
      }
    }
  }

  /**
   * Whether none of the checkpoints' folder, the job's and the node's is a link: root made them, so a
   * link among them was not made by the hooks and is not followed.
   */
  public boolean linkFree() {
    return link().isEmpty();
  }

  private Optional<Path> link() {
    return List.of(root, job, node).stream().filter(Files::isSymbolicLink).findFirst();
  }

  private void refuseLinks() throws IOException {
    Optional<Path> link = link();
    if (link.isPresent()) {
      throw new IOException("checkpoint folder " + link.get() + " is a link, not made by the hooks");
    }
  }

  private static void sync(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
