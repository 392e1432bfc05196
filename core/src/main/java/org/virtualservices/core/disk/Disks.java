package org.virtualservices.core.disk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandRunner;

/** Copy-on-write overlays on an image's base disk, made with qemu-img (by argument list). */
public final class Disks {

  private final CommandRunner runner;
  private final String qemuImg;

  public Disks(CommandRunner runner, String qemuImg) {
    this.runner = runner;
    this.qemuImg = qemuImg;
  }

  /** Makes {@code overlay} (qcow2) backed by {@code base}, readable by its owner only. */
  public void overlay(Path base, String baseFormat, Path overlay) {
    if (!Files.isReadable(base)) {
      throw new IllegalStateException("base image " + base + " is missing or unreadable on this node");
    }
    runner.check(Command.of(qemuImg, "create", "-q", "-f", "qcow2", "-F", baseFormat, "-b", base.toString(),
        overlay.toString()).withTimeout(Duration.ofSeconds(60)));
    try {
      Files.setPosixFilePermissions(overlay, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException("chmod " + overlay + ": " + e.getMessage(), e);
    }
  }
}
