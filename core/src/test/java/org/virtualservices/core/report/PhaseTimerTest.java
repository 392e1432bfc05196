package org.virtualservices.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.ready.FakeTime;

class PhaseTimerTest {

  @Test
  void phasesInsideAnotherAreShownInItsParentheses() {
    FakeTime time = new FakeTime();
    PhaseTimer timer = new PhaseTimer(time, Map.of("disks", "make", "fabric", "make", "report", "ready"));
    timer.timed("config", Duration.ofMillis(101));
    Instant t = timer.start();
    time.now = time.now.plusMillis(81);
    timer.timed("disks", 0.070);
    timer.timed("fabric", 0.031);
    timer.lap("make", t);
    timer.timed("ready", 4.012);
    timer.timed("report", 0.0314);
    assertEquals("config 0.101s, make 0.081s (disks 0.070s, fabric 0.031s), ready 4.012s (report 0.031s)",
        timer.line());
    assertEquals(6, timer.timings().size());
    assertEquals("config", timer.timings().get(0).phase());
  }

  @Test
  void withoutNestingThePhasesFollowOneAnother() {
    PhaseTimer timer = new PhaseTimer(new FakeTime(), Map.of());
    timer.timed("plan+connect", 0.0012);
    timer.timed("domains", 0.5);
    assertEquals("plan+connect 0.001s, domains 0.500s", timer.line());
  }
}
