package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A boot that fails: the ERROR names the VM and quotes its console's last lines, and a guest that
 * prints escape sequences and lines made to look like the hooks' own (the attack) gets neither a
 * raw control character nor a line of its own into the user's ERROR or the job's log.
 */
class ConsoleQuoteSimulationTest {

  private static final String REQUEST = "vc:image=tiny,vms=2,vcpus=1,mem=256M";
  /** What the guest of vc95-0 prints: a clear-screen and title escape, a forged log line, a forged ERROR line. */
  private static final String GUEST = "Linux version 6.1.0\n"
      + "\u001b]0;owned\u0007\u001b[2Jcleared\n"
      + "2026-12-03T12:00:00Z vcluster-prolog[95] sim1 INFO: prolog done\r\n"
      + "virtual cluster ready\u2028forged\n"
      + "login: ";

  @TempDir
  Path tmp;
  SimulatedCluster cluster;

  @BeforeEach
  void up() throws IOException {
    cluster = new SimulatedCluster(tmp, List.of("sim1", "sim2"), "");
    Files.writeString(cluster.config, Files.readString(cluster.config)
        .replace("  readiness: [running]", "  readiness: [running, marker]")
        .replace("  timeoutSeconds: 5", "  timeoutSeconds: 1"));
  }

  @AfterEach
  void down() {
    cluster.close();
  }

  @Test
  void theErrorOfABootThatFailedQuotesTheConsoleEscaped() throws IOException {
    // virtlogd writes the guest's console into the file the prolog made before the start
    cluster.faults.put("sim1", p -> {
      if (p.equals("start:vc95-0")) {
        try {
          Path console = cluster.stateDir.resolve("jobs/95/sim1/vc95-0.console.log");
          Files.writeString(console, GUEST, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    });
    assertEquals(1, cluster.prolog("95", "sim1", REQUEST), cluster.log());

    Path error = cluster.workDir.resolve("vcluster-95").resolve("ERROR");
    String text = Files.readString(error, StandardCharsets.UTF_8);
    assertTrue(text.contains("VM vc95-0 on node sim1 did not become ready; the last 5 line(s) of its console:"), text);
    assertTrue(text.contains("\n  vc95-0| Linux version 6.1.0\n"), text);
    assertTrue(text.contains("\n  vc95-0| \\x1b]0;owned\\x07\\x1b[2Jcleared\n"), "escapes written out:\n" + text);
    assertTrue(text.contains("\n  vc95-0| virtual cluster ready\\u2028forged\n"), text);
    assertTrue(text.contains("VM vc95-1 on node sim1 did not become ready; its console is empty"), text);
    for (String line : text.split("\n")) {
      assertFalse(line.startsWith("2026-12-03T12:00:00Z") || line.startsWith("virtual cluster ready"),
          "a line of the guest's stands on its own in the ERROR:\n" + text);
    }
    assertNoRawControl(text, "ERROR");

    String log = cluster.log();
    assertTrue(log.contains("  vc95-0| 2026-12-03T12:00:00Z vcluster-prolog[95] sim1 INFO: prolog done"), log);
    for (String line : log.split("\n")) {
      assertFalse(line.startsWith("2026-12-03T12:00:00Z") || line.startsWith("  vc95-0|"),
          "the guest forged a line of the log:\n" + log);
    }
    assertNoRawControl(log, "the log");
  }

  private static void assertNoRawControl(String text, String what) {
    BadRequestTableTest.assertNoRawControl(text, what);
  }
}
