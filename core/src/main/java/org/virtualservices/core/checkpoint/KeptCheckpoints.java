package org.virtualservices.core.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.virtualservices.core.files.PrivateFiles;
import org.virtualservices.core.plan.StatePaths;

/**
 * The checkpoints of a job whose user took one with {@code vcluster checkpoint} outlive the job
 * (docs/hooks.md, "Checkpoints"): a later job of the same user may restore them. The sign is root's
 * marker file {@code <checkpoint.dir>/<job>/kept}, written (again) at each such checkpoint; its
 * time is when the last one was taken. The epilog then keeps the job's checkpoints at its end, and
 * the sweep removes them {@code checkpoint.keepDays} after that time instead of once the resource
 * manager forgets the job. Only a regular file counts: a link in its place (root alone writes
 * there, so it was not made by the hooks) is not followed, and is replaced by the next marker.
 */
public final class KeptCheckpoints {

  static final String MARKER = "kept";

  private KeptCheckpoints() {
  }

  /** {@code <checkpoint.dir>/<job>/kept}. */
  public static Path marker(Path checkpointDir, String jobId) {
    return checkpointDir.resolve(StatePaths.element("job id", jobId)).resolve(MARKER);
  }

  /**
   * Marks the job's checkpoints as kept, at {@code at}: a new root-only file renamed over the
   * marker (rename(2) replaces a link, never follows it), so that nodes sharing the folder each
   * write it whole. The job's folder must exist (the checkpoint just taken made it) and not be a link.
   *
   * @param writer a name of the writer's own (the node's place in the job), for the file renamed into place
   */
  public static void mark(Path checkpointDir, String jobId, String writer, Instant at) throws IOException {
    Path marker = marker(checkpointDir, jobId);
    Path job = marker.getParent();
    if (Files.isSymbolicLink(job) || !Files.isDirectory(job, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("checkpoint folder " + job + " is not a folder the hooks made");
    }
    Path tmp = job.resolve("." + MARKER + "-" + StatePaths.element("writer", writer));
    Files.deleteIfExists(tmp);
    PrivateFiles.write(tmp, at.toEpochMilli() + "\n");
    Files.setLastModifiedTime(tmp, FileTime.from(at));
    Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** When the job's last kept checkpoint was taken; empty when its checkpoints are not kept. */
  public static Optional<Instant> since(Path checkpointDir, String jobId) {
    Path marker = marker(checkpointDir, jobId);
    try {
      if (Files.isSymbolicLink(marker.getParent()) || !Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.empty();
      }
      return Optional.of(Files.getLastModifiedTime(marker, LinkOption.NOFOLLOW_LINKS).toInstant());
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Whether the job's checkpoints are kept and still young: taken less than {@code days} before {@code now}. */
  public static boolean keptAt(Path checkpointDir, String jobId, int days, Instant now) {
    return since(checkpointDir, jobId).map(t -> Duration.between(t, now).compareTo(Duration.ofDays(days)) < 0)
        .orElse(false);
  }
}
