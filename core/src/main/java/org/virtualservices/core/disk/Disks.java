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
    try {
      // made 0600 first: qemu-img opens the existing file (O_TRUNC), so its mode holds from the first byte
      PrivateFiles.empty(overlay);
    } catch (IOException e) {
      throw new UncheckedIOException("make " + overlay + ": " + e.getMessage(), e);
    }
    runner.check(Command.of(qemuImg, "create", "-q", "-f", "qcow2", "-F", baseFormat, "-b", base.toString(),
        overlay.toString()).withTimeout(Duration.ofSeconds(60)));
    try {
      PrivateFiles.handTo(overlay, uid, gid);
    } catch (IOException e) {
      throw new UncheckedIOException("give " + overlay + " to uid " + uid + ": " + e.getMessage(), e);
    }
  }
}
