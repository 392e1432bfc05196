package org.virtualservices.core.ready;

import java.util.List;

/** Some VMs did not become ready; the message says which, what was awaited, where and for how long. */
public class NotReadyException extends RuntimeException {

  private final transient List<ReadinessCheck> pending;

  public NotReadyException(String message, List<ReadinessCheck> pending) {
    super(message);
    this.pending = List.copyOf(pending);
  }

  public List<ReadinessCheck> pending() {
    return pending;
  }
}
