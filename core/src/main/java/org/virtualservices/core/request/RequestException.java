package org.virtualservices.core.request;

/**
 * A request, or the environment it came in, that cannot be honoured. The message names the field
 * and what was wrong with it, in one line, so a user or an admin can act on it.
 */
public class RequestException extends RuntimeException {

  private final String field;

  public RequestException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** The field at fault: {@code vc-mem}, {@code SLURM_NODELIST}, {@code limits.maxVmsPerNode}... */
  public String field() {
    return field;
  }
}
