package org.virtualservices.core.ready;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadinessTest {

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

  /** A check that holds from its n-th look on, and counts its looks. */
  private static final class After implements ReadinessCheck {
    private final String what;
    private final int from;
    int looks;

    After(String what, int from) {
      this.what = what;
      this.from = from;
    }

    @Override
    public String describe() {
      return what;
    }

    @Override
    public Status check() {
      return ++looks >= from ? Status.ready() : Status.notYet("look " + looks);
    }
  }

  @Test
  void inOrderLooksAtALaterCheckOnlyOnceTheEarlierOnesHold() {
    FakeTime t = new FakeTime();
    After marker = new After("console line", 4);
    After port = new After("TCP port 22", 1);
    new Readiness(t, t.sleeper(), Duration.ofMillis(200))
        .await(List.of(new InOrder(List.of(marker, port))), Duration.ofSeconds(10), "");
    assertEquals(4, marker.looks);
    assertEquals(1, port.looks, "the port (a probe that may block) is not looked at before the marker holds");
    assertEquals(Instant.parse("2026-01-01T00:00:00.600Z"), t.now, "ready at the 4th look, 3 polls");
  }

  @Test
  void inOrderTimesOutNamingTheCheckItWaitsFor() {
    FakeTime t = new FakeTime();
    NotReadyException e = assertThrows(NotReadyException.class, () -> new Readiness(t, t.sleeper(),
        Duration.ofSeconds(1)).await(List.of(new InOrder(List.of(new After("domain running", 1),
            new After("console line 'VC-READY vc9-0'", 1000), new After("TCP port 22", 1)))),
        Duration.ofSeconds(5), "on node n1"));
    assertEquals("Timed out after 5.0s on node n1 waiting for console line 'VC-READY vc9-0' (look 6)", e.getMessage());
  }

  @Test
  void portsOpenProbesAllAtOnceAndKeepsOnlyThoseNotAnswering() throws Exception {
    try (java.net.ServerSocket a = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        java.net.ServerSocket b = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int free;
      try (java.net.ServerSocket c = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
        free = c.getLocalPort();
      }
      PortsOpen ports = new PortsOpen(List.of(new PortOpen("vc7-0 on n1", "127.0.0.1", a.getLocalPort(), 0),
          new PortOpen("vc7-1 on n2", "127.0.0.1", free, 0),
          new PortOpen("vc7-2 on n3", "127.0.0.1", b.getLocalPort(), 0)), 500);
      Status first = ports.check();
      assertEquals(Status.State.NOT_YET, first.state());
      assertTrue(first.detail().startsWith("1 not yet; vc7-1 on n2: "), first.detail());
      assertEquals("TCP port " + free + " of vc7-1 on n2 (127.0.0.1) accepting connections", ports.describe());
      try (java.net.ServerSocket late = new java.net.ServerSocket(free, 50, java.net.InetAddress.getLoopbackAddress())) {
        assertEquals(Status.State.READY, ports.check().state(), "the late one answers now");
      }
    }
  }
}
