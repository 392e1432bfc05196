package org.virtualservices.core.report;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.virtualservices.core.log.OutcomeRecord;

/**
 * How long each phase of a hook took on one node, in the order they ran, for the report, the
 * log's last line and the benchmarks (docs/bench.md). Phases that ran at once inside another are
 * named in {@code insideOf} with the phase they ran in.
 */
public final class PhaseTimer {

  private final Clock clock;
  private final Map<String, String> insideOf;
  private final List<Timing> timings = new ArrayList<>();

  public PhaseTimer(Clock clock, Map<String, String> insideOf) {
    this.clock = clock;
    this.insideOf = Map.copyOf(insideOf);
  }

  /** Now, to pass to {@link #lap} when the phase ends. */
  public Instant start() {
    return clock.instant();
  }

  /** Records a phase that began at {@code since} and ends now. */
  public void lap(String phase, Instant since) {
    timed(phase, Duration.between(since, clock.instant()));
  }

  public void timed(String phase, Duration took) {
    timed(phase, took.toNanos() / 1e9);
  }

  public void timed(String phase, double seconds) {
    timings.add(new Timing(phase, seconds));
  }

  public List<Timing> timings() {
    return List.copyOf(timings);
  }

  /** Each phase into the hook's outcome line, with the phase it ran inside of. */
  public void recordInto(OutcomeRecord outcome) {
    for (Timing t : timings) {
      outcome.phase(t.phase(), Duration.ofNanos(Math.round(t.seconds() * 1e9)), insideOf.get(t.phase()));
    }
  }

  /**
   * "config 0.101s, plan 0.009s, make 0.081s (disks 0.070s, fabric 0.031s, define 0.024s), start
   * 0.330s, ready 4.012s (report 0.031s)": the phases one after another, which add up to the
   * hook's time, and in parentheses those that ran at once inside the phase before them.
   */
  public String line() {
    StringBuilder sb = new StringBuilder();
    for (Timing x : timings) {
      if (insideOf.containsKey(x.phase())) {
        continue;
      }
      sb.append(sb.length() == 0 ? "" : ", ").append(format(x));
      List<String> inside = timings.stream().filter(i -> x.phase().equals(insideOf.get(i.phase())))
          .map(PhaseTimer::format).toList();
      if (!inside.isEmpty()) {
        sb.append(" (").append(String.join(", ", inside)).append(')');
      }
    }
    return sb.toString();
  }

  private static String format(Timing t) {
    return t.phase() + String.format(" %.3fs", t.seconds());
  }
}
