package org.virtualservices.core.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The way from the state folder down to a node's folder of a job, opened just enough for QEMU, which
 * runs as the job's user (or the site's fixed user) and opens the overlays and seeds there by path
 * (docs/hooks.md, "QEMU as the job's user"). Every folder stays root's, so nobody but root creates,
 * renames or deletes an entry in it, and no path the hooks act on is another's to change:
 * <pre>
 *   stateDir                       root, search for others added (o+x), no listing
 *   stateDir/jobs                  root, 0711: reach a known name, list none
 *   stateDir/jobs/JOB, .../NODE    root:gid 0710: only QEMU's group passes, nobody else even looks
 * </pre>
 * The files QEMU opens are the user's, 0600 ({@link PrivateFiles#handTo}); root's own files there
 * (journal, domain XML, seed staging, lock) stay root's, 0600 and 0700.
 */
public final class StateFolders {

  private static final Set<PosixFilePermission> JOBS = PosixFilePermissions.fromString("rwx--x--x");
  private static final Set<PosixFilePermission> JOB = PosixFilePermissions.fromString("rwx--x---");

  private StateFolders() {
  }

  /**
   * Opens the way from {@code stateDir} to {@code nodeDir} (made before, root's 0700) to group {@code gid}.
   *
   * @throws IllegalStateException a folder on the way is not root's, or is a link: the node's fault
   */
  public static void openTo(Path stateDir, Path nodeDir, int gid) throws IOException {
    Path jobs = stateDir.resolve("jobs");
    if (!nodeDir.startsWith(jobs) || nodeDir.getNameCount() != jobs.getNameCount() + 2) {
      throw new IllegalArgumentException(nodeDir + " is not a node's folder of a job under " + jobs);
    }
    Set<PosixFilePermission> state = rootsFolder(stateDir);
    if (!state.contains(PosixFilePermission.OTHERS_EXECUTE)) {
      state.add(PosixFilePermission.OTHERS_EXECUTE);
      Files.setPosixFilePermissions(stateDir, state);
    }
    setMode(jobs, JOBS);
    for (Path p : new Path[] {nodeDir.getParent(), nodeDir}) {
      rootsFolder(p);
      if ((Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS) != gid) {
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
      }
      setMode(p, JOB);
    }
  }

  private static void setMode(Path p, Set<PosixFilePermission> mode) throws IOException {
    if (!rootsFolder(p).equals(mode)) {
      Files.setPosixFilePermissions(p, mode);
    }
  }

  /** The permissions of {@code p}, which must be a folder of root's and no link. */
  private static Set<PosixFilePermission> rootsFolder(Path p) throws IOException {
    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalStateException(p + " is not a folder (a link, or missing): the state folder must be root's");
    }
    int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner != 0) {
      throw new IllegalStateException(p + " belongs to uid " + owner + ", not root: the state folder must be root's");
    }
    return Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
  }
}
