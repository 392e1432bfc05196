package org.virtualservices.core.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** libvirt's console log bound read from qemu.conf and virtlogd.conf, as Debian 12's libvirt 9.0 ships them. */
class ConsoleLogBoundTest {

  static final String URI = "qemu:///system";

  @TempDir
  Path tmp;

  Path conf(String name, String text) throws IOException {
    return Files.writeString(tmp.resolve(name), text);
  }

  /** Debian's files have every setting commented out: libvirt's defaults, 2 MiB x (3 + 1) = 8 MiB. */
  @Test
  void debiansDefaultsHoldEightMib() throws IOException {
    Path qemu = conf("qemu.conf", "#stdio_handler = \"logd\"\n");
    Path logd = conf("virtlogd.conf", "#max_size = 2097152\n#max_backups = 3\n");
    assertEquals(Optional.empty(), ConsoleLogBound.problem(URI, qemu, logd, 8));
    assertTrue(ConsoleLogBound.problem(URI, qemu, logd, 7).orElseThrow()
        .contains("8388608 bytes"), "a tighter site bound than virtlogd's is refused");
    assertEquals(Optional.empty(), ConsoleLogBound.problem(URI, tmp.resolve("absent"), tmp.resolve("absent2"), 8),
        "absent files: libvirt's defaults");
  }

  @Test
  void consoleLogsWrittenByQemuItselfAreUnbounded() throws IOException {
    Path qemu = conf("qemu.conf", "stdio_handler = \"file\"   # QEMU writes its own files\n");
    Path logd = conf("virtlogd.conf", "");
    assertTrue(ConsoleLogBound.problem(URI, qemu, logd, 8).orElseThrow().contains("stdio_handler = \"file\""));
  }

  @Test
  void noRolloverIsUnbounded() throws IOException {
    Path qemu = conf("qemu.conf", "stdio_handler = \"logd\"\n");
    Path logd = conf("virtlogd.conf", "max_size = 0\n");
    assertTrue(ConsoleLogBound.problem(URI, qemu, logd, 8).orElseThrow().contains("max_size = 0"));
  }

  @Test
  void aSitesOwnSettingsCount() throws IOException {
    Path qemu = conf("qemu.conf", "");
    Path logd = conf("virtlogd.conf", "max_size = 1048576\nmax_backups = 1\n");
    assertEquals(Optional.empty(), ConsoleLogBound.problem(URI, qemu, logd, 2));
    assertTrue(ConsoleLogBound.problem(URI, qemu, logd, 1).isPresent());
  }

  @Test
  void onlyTheLocalSystemDriverIsChecked() throws IOException {
    Path qemu = conf("qemu.conf", "stdio_handler = \"file\"\n");
    assertEquals(Optional.empty(), ConsoleLogBound.problem("test:///default", qemu, qemu, 8));
  }
}
