package org.virtualservices.core.ready;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Waits until every check holds, looking at the ones still pending every poll interval, bounded by
 * a timeout. A check that fails for good ends the wait at once.
 */
public final class Readiness {

  private final Clock clock;
  private final Sleeper sleeper;
  private final Duration poll;

  public Readiness(Clock clock, Sleeper sleeper, Duration poll) {
    this.clock = clock;
    this.sleeper = sleeper;
    this.poll = poll;
  }

  /**
   * @param where a word on where the checks run, for the message ("on node vnode2")
   * @throws NotReadyException naming every check still pending and its last answer
   */
  public void await(List<ReadinessCheck> checks, Duration timeout, String where) {
    Instant start = clock.instant();
    Instant deadline = start.plus(timeout);
    Map<ReadinessCheck, Status> pending = new LinkedHashMap<>();
    checks.forEach(c -> pending.put(c, Status.notYet("not looked at yet")));
    while (true) {
      for (ReadinessCheck c : new ArrayList<>(pending.keySet())) {
        Status s = c.check();
        if (s.state() == Status.State.READY) {
          pending.remove(c);
        } else if (s.state() == Status.State.FAILED) {
          throw new NotReadyException("gave up waiting for " + c.describe() + " " + where + " after "
              + seconds(Duration.between(start, clock.instant())) + ": " + s.detail(), List.of(c));
        } else {
          pending.put(c, s);
        }
      }
      if (pending.isEmpty()) {
        return;
      }
      if (!clock.instant().isBefore(deadline)) {
        StringBuilder sb = new StringBuilder("Timed out after " + seconds(timeout) + " " + where + " waiting for ");
        List<String> parts = new ArrayList<>();
        pending.forEach((c, s) -> parts.add(c.describe() + " (" + s.detail() + ")"));
        sb.append(String.join("; ", parts));
        throw new NotReadyException(sb.toString(), List.copyOf(pending.keySet()));
      }
      try {
        sleeper.sleep(poll);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new NotReadyException("interrupted " + where + " while waiting", List.copyOf(pending.keySet()));
      }
    }
  }

  private static String seconds(Duration d) {
    return String.format("%.1fs", d.toMillis() / 1000.0);
  }
}
