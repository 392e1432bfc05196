package org.virtualservices.core.ready;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * A clock that moves only when its sleeper sleeps, and remembers each pause: tests of code that
 * waits (readiness, a DRMAA wait) never really wait. Shared through the core test-jar.
 */
public final class FakeTime extends Clock {

  public Instant now = Instant.parse("2026-01-01T00:00:00Z");
  public final List<Duration> naps = new ArrayList<>();

  @Override
  public ZoneOffset getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return now;
  }

  public void sleep(Duration d) {
    naps.add(d);
    now = now.plus(d);
  }

  public Sleeper sleeper() {
    return this::sleep;
  }
}
