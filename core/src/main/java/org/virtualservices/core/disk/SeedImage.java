package org.virtualservices.core.disk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.virtualservices.core.files.FileTrees;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.files.PrivateFiles;

/**
 * Writes a NoCloud seed: an ISO 9660 image labelled {@code cidata} holding the given files, made
 * with genisoimage (or xorriso's mkisofs, which takes the same arguments). The files are staged in
 * a root-only folder beside the seed and removed once the image is made; the seed itself is
 * readable by its owner only, since it carries keys, and is given to the account QEMU runs as once
 * it is written (docs/hooks.md, "QEMU as the job's user").
 */
public final class SeedImage {

  public static final String VOLUME_LABEL = "cidata";

  private final CommandRunner runner;
  private final String mkisofs;

  public SeedImage(CommandRunner runner, String mkisofs) {
    this.runner = runner;
    this.mkisofs = mkisofs;
  }

  /** Writes {@code files} into the seed {@code iso}, then gives it to {@code uid}:{@code gid} (0600 kept). */
  public void write(Path iso, Map<String, String> files, int uid, int gid) {
    Path staging = iso.resolveSibling(iso.getFileName() + ".d");
    try {
      FileTrees.delete(staging);
      Files.createDirectory(staging, PrivateFiles.FOLDER);
      for (Map.Entry<String, String> f : files.entrySet()) {
        Path p = staging.resolve(f.getKey()).normalize();
        if (!p.startsWith(staging)) {
          throw new IllegalArgumentException("seed file name escapes the seed: " + f.getKey());
        }
        PrivateFiles.folders(p.getParent());
        PrivateFiles.write(p, f.getValue());
      }
      // made 0600 first: genisoimage opens the existing file (O_TRUNC), so its mode holds from the first byte
      PrivateFiles.empty(iso);
      runner.check(Command.of(mkisofs, "-quiet", "-output", iso.toString(), "-volid", VOLUME_LABEL, "-joliet",
          "-rock", staging.toString()).withTimeout(Duration.ofSeconds(60)));
      PrivateFiles.handTo(iso, uid, gid);
    } catch (IOException e) {
      throw new UncheckedIOException("write seed " + iso + ": " + e.getMessage(), e);
    } finally {
      try {
        FileTrees.delete(staging);
      } catch (IOException e) {
        // the staging folder sits in the job's state folder, which teardown removes whole
      }
    }
  }
}
