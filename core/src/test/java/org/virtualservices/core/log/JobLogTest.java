package org.virtualservices.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;
import org.junit.jupiter.api.Test;

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
}
