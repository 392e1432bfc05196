package org.virtualservices.core.ready;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadinessTest {

  /** A clock that moves only when the sleeper sleeps: tests never really wait. */
  static final class FakeTime extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    Sleeper sleeper() {
      return d -> now = now.plus(d);
    }
  }

  @Test
  void waitsUntilTheMarkerAppears(@TempDir Path tmp) throws Exception {
    FakeTime t = new FakeTime();
    Path log = tmp.resolve("console.log");
    int[] looks = {0};
    ReadinessCheck marker = new MarkerSeen(log, "VC-READY vc1-0", "VC-FAILED");
    ReadinessCheck counting = new ReadinessCheck() {
      @Override
      public String describe() {
        return "the guest writing its console";
      }

      @Override
      public Status check() {
        if (++looks[0] < 5) {
          return Status.notYet("look " + looks[0]);
        }
        try {
          Files.writeString(log, "booting\r\nVC-READY vc1-0\r\n");
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return Status.ready();
      }
    };
    new Readiness(t, t.sleeper(), Duration.ofMillis(200)).await(List.of(marker, counting), Duration.ofSeconds(10), "");
    // written during the 5th round (t = 0.8 s), after the marker was looked at; seen on the next look
    assertEquals(Instant.parse("2026-01-01T00:00:01Z"), t.now, "5 polls of 200 ms, no more");
  }

  @Test
  void timesOutSayingWhatWasAwaitedWhereAndForHowLong(@TempDir Path tmp) throws Exception {
    FakeTime t = new FakeTime();
    Path log = tmp.resolve("c.log");
    Files.writeString(log, "Loading kernel\nstill booting\n");
    NotReadyException e = assertThrows(NotReadyException.class,
        () -> new Readiness(t, t.sleeper(), Duration.ofSeconds(1))
            .await(List.of(new MarkerSeen(log, "VC-READY vc9-0", null)), Duration.ofSeconds(30), "on node n1"));
    assertEquals("Timed out after 30.0s on node n1 waiting for console line 'VC-READY vc9-0' in " + log
        + " (last console line: still booting)", e.getMessage());
  }

  @Test
  void aGuestThatReportsFailureEndsTheWaitAtOnce(@TempDir Path tmp) throws Exception {
    FakeTime t = new FakeTime();
    Path log = tmp.resolve("c.log");
    Files.writeString(log, "VC-FAILED vc9-0 no seed found\n");
    NotReadyException e = assertThrows(NotReadyException.class,
        () -> new Readiness(t, t.sleeper(), Duration.ofSeconds(1))
            .await(List.of(new MarkerSeen(log, "VC-READY vc9-0", "VC-FAILED")), Duration.ofSeconds(30), "on n1"));
    assertTrue(e.getMessage().contains("the guest reported: VC-FAILED vc9-0 no seed found"), e.getMessage());
    assertEquals(Instant.parse("2026-01-01T00:00:00Z"), t.now);
  }

  @Test
  void aClosedPortIsNotReady() {
    Status s = new PortOpen("vc1-0", "127.0.0.1", 1, 200).check();
    assertEquals(Status.State.NOT_YET, s.state());
  }
}
