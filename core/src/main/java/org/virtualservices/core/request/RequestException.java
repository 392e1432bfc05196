package org.virtualservices.core.request;

import org.virtualservices.core.log.Shown;

/**
 * A request, or the environment it came in, that cannot be honoured. The message names the field
 * and what was wrong with it, in one line, so a user or an admin can act on it: whatever values a
 * caller put in it, the message is one line of at most {@value #MAX_CHARS} characters with control
 * characters escaped (callers cut each value themselves, {@link Shown#value}, so the end survives).
 */
public class RequestException extends RuntimeException {

  /** The longest message. */
  public static final int MAX_CHARS = 400;

  private final String field;

  public RequestException(String field, String message) {
    super(Shown.line(field + ": " + message, MAX_CHARS));
    this.field = field;
  }

  /** The field at fault: {@code vc-mem}, {@code SLURM_NODELIST}, {@code limits.maxVmsPerNode}... */
  public String field() {
    return field;
  }
}
