package org.virtualservices.core.checkpoint;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a user's {@code vcluster checkpoint} asks each node's helper, as the SPANK option
 * {@code --vc-checkpoint-now=<pause-at epoch ms>[,stop][,keep=N]} carries it (the plugin checks the
 * same syntax in C, spank/src/vc_now.c; both are strict: anything else is refused whole).
 *
 * @param pauseAt when every node pauses its VMs, nearly the same moment on all of them
 * @param stop the VMs stay stopped after the checkpoint
 * @param keep complete checkpoints kept on the node; empty: the site's {@code checkpoint.keep}
 */
public record NowRequest(Instant pauseAt, boolean stop, OptionalInt keep) {

  /** How far from now a pause may be asked: later, or earlier (a helper slow to start) than this is refused. */
  public static final Duration AHEAD = Duration.ofSeconds(10);
  public static final Duration LATE = Duration.ofSeconds(30);
  /** The syntax's bound on --keep; the site's checkpoint.maxKeep is checked by the helper. */
  public static final int MAX_KEEP = 99;

  private static final Pattern SYNTAX = Pattern.compile("([1-9][0-9]{0,15})((?:,stop|,keep=[1-9][0-9]?){0,2})");

  /**
   * Parses {@code value}.
   *
   * @throws IllegalArgumentException naming what is wrong (the value is never repeated: it is the user's)
   */
  public static NowRequest parse(String value) {
    Matcher m = value == null ? null : SYNTAX.matcher(value);
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException("not <pause-at epoch ms>[,stop][,keep=N]");
    }
    boolean stop = false;
    OptionalInt keep = OptionalInt.empty();
    for (String part : m.group(2).split(",")) {
      if (part.equals("stop")) {
        if (stop) {
          throw new IllegalArgumentException("stop given twice");
        }
        stop = true;
      } else if (part.startsWith("keep=")) {
        if (keep.isPresent()) {
          throw new IllegalArgumentException("keep given twice");
        }
        keep = OptionalInt.of(Integer.parseInt(part.substring(5)));
      }
    }
    return new NowRequest(Instant.ofEpochMilli(Long.parseLong(m.group(1))), stop, keep);
  }

  /** The value as the plugin passes it on. */
  public String value() {
    return pauseAt.toEpochMilli() + (stop ? ",stop" : "") + (keep.isPresent() ? ",keep=" + keep.getAsInt() : "");
  }

  /** Why a pause at {@code pauseAt} is refused at {@code now}; empty when it is near enough. */
  public java.util.Optional<String> tooFar(Instant now) {
    if (pauseAt.isAfter(now.plus(AHEAD))) {
      return java.util.Optional.of("the pause is asked " + Duration.between(now, pauseAt).toSeconds()
          + " s ahead, more than " + AHEAD.toSeconds() + " s");
    }
    if (pauseAt.isBefore(now.minus(LATE))) {
      return java.util.Optional.of("the pause was asked for " + Duration.between(pauseAt, now).toSeconds()
          + " s ago, more than " + LATE.toSeconds() + " s");
    }
    return java.util.Optional.empty();
  }
}
