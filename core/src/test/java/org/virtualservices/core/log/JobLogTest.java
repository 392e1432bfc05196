package org.virtualservices.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobLogTest {

  @Test
  void wholeNumbersAreWrittenWithoutGrouping() {
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.US);
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      JobLog log = new JobLog("vcluster-prolog", new PrintStream(bytes, true, StandardCharsets.UTF_8),
          Clock.fixed(Instant.parse("2026-11-24T07:33:00Z"), ZoneOffset.UTC), false);
      log.attach("12345", "vnode1", null);
      log.info("network {0} VNI {1}, {2} VM(s), job {3}", "10.111.3.0/24", 4099, 2, 12345L);
      assertEquals("2026-11-24T07:33:00Z vcluster-prolog[12345] vnode1 INFO: network 10.111.3.0/24 VNI 4099, 2 VM(s),"
          + " job 12345\n", bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    } finally {
      Locale.setDefault(before);
    }
  }

  private static final String FORGED = "2026-11-24T07:33:01Z vcluster-prolog[41] vnode1 INFO: prolog done";

  @TempDir
  Path tmp;

  /** Whatever a caller passes, one call is one line on stderr and one in the job's log file. */
  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r\n", "\r", "\u0085", "\u2028", "\u2029", "\u000b", "\u000c", "\u001b[2K\r"})
  void noArgumentForgesALine(String breaker) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JobLog log = new JobLog("vcluster-prolog", new PrintStream(bytes, true, StandardCharsets.UTF_8),
        Clock.fixed(Instant.parse("2026-11-24T07:33:00Z"), ZoneOffset.UTC), false);
    Path file = tmp.resolve("42.log");
    log.attach("42", "vnode1", file);
    log.error("request refused: {0}", "vc:image=x" + breaker + FORGED);
    log.error("vc:image=x" + breaker + FORGED); // the message itself, not only its arguments
    for (String text : List.of(bytes.toString(StandardCharsets.UTF_8), Files.readString(file))) {
      List<String> lines = text.lines().toList();
      assertEquals(2, lines.size(), text);
      assertTrue(lines.stream().allMatch(l -> l.startsWith("2026-11-24T07:33:00Z vcluster-prolog[42] vnode1 ERROR: ")),
          text);
      assertTrue(text.chars().noneMatch(c -> c != '\n' && (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)
          || c == 0x2028 || c == 0x2029)), "no raw control character: " + text);
    }
  }

  @Test
  void aHugeValueIsCutWithItsSize() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JobLog log = new JobLog("vcluster-prolog", new PrintStream(bytes, true, StandardCharsets.UTF_8),
        Clock.systemUTC(), false);
    log.error("bad: {0}", "k".repeat(100_000));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(1, out.lines().count());
    assertTrue(out.length() < JobLog.MAX_MESSAGE_CHARS + 200, "length " + out.length());
    assertTrue(out.contains("(100005 bytes)"), out);
  }

  @Test
  void aStackGoesToTheFileOnly() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JobLog log = new JobLog("vcluster-prolog", new PrintStream(bytes, true, StandardCharsets.UTF_8),
        Clock.systemUTC(), false);
    Path file = tmp.resolve("7.log");
    log.attach("7", "vnode1", file);
    log.stack(new IllegalStateException("boom\nforged"));
    assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    String text = Files.readString(file);
    assertTrue(text.lines().allMatch(l -> l.contains("vcluster-prolog[7] vnode1 DEBUG: ")), text);
    assertTrue(text.contains("IllegalStateException: boom\\nforged"), text);
    assertFalse(text.lines().anyMatch(l -> l.startsWith("forged")), text);
  }
}
