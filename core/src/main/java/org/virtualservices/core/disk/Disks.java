package org.virtualservices.core.disk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.files.PrivateFiles;

/** Copy-on-write overlays on an image's base disk, made with qemu-img (by argument list). */
public final class Disks {

  private final CommandRunner runner;
  private final String qemuImg;

  public Disks(CommandRunner runner, String qemuImg) {
    this.runner = runner;
    this.qemuImg = qemuImg;
  }

  /**
   * Makes {@code overlay} (qcow2) backed by {@code base}, readable by its owner only from its first byte,
   * and then gives it to {@code uid}:{@code gid}, the account QEMU runs as (docs/hooks.md, "QEMU as the
   * job's user"). The base stays as it is: root's, read by QEMU only.
   */
  public void overlay(Path base, String baseFormat, Path overlay, int uid, int gid) {
    if (!Files.isReadable(base)) {
      throw new IllegalStateException("base image " + base + " is missing or unreadable on this node");
    }
    make(overlay, Command.of(qemuImg, "create", "-q", "-f", "qcow2", "-F", baseFormat, "-b", base.toString(),
        overlay.toString()), uid, gid);
  }

  /**
   * Makes {@code overlay} on a user's image that was checked as the user (docs/hooks.md, "Users' own
   * images"), as {@link #overlay} does but without root ever opening the base: qemu-img's {@code -u}
   * leaves the backing file unopened, and the overlay's virtual size is the checked one, so a base
   * swapped after the check cannot make the guest's disk larger.
   */
  public void overlayOfChecked(Path base, String baseFormat, long virtualBytes, Path overlay, int uid, int gid) {
    if (virtualBytes <= 0) {
      throw new IllegalArgumentException("no checked size for the overlay on " + base);
    }
    make(overlay, Command.of(qemuImg, "create", "-q", "-f", "qcow2", "-u", "-F", baseFormat, "-b", base.toString(),
        overlay.toString(), Long.toString(virtualBytes)), uid, gid);
  }

  private void make(Path overlay, Command create, int uid, int gid) {
    try {
      // made 0600 first: qemu-img opens the existing file (O_TRUNC), so its mode holds from the first byte
      PrivateFiles.empty(overlay);
    } catch (IOException e) {
      throw new UncheckedIOException("make " + overlay + ": " + e.getMessage(), e);
    }
    runner.check(create.withTimeout(Duration.ofSeconds(60)));
    try {
      PrivateFiles.handTo(overlay, uid, gid);
    } catch (IOException e) {
      throw new UncheckedIOException("give " + overlay + " to uid " + uid + ": " + e.getMessage(), e);
    }
  }
}
