package org.virtualservices.core.ready;

import java.util.List;

/**
 * Checks that hold one after another, looked at in order: a later one is not looked at before the
 * earlier ones hold. For one VM: running, then its console's ready line, then its port. The port
 * probe blocks up to its connect timeout while the guest's network is not up yet; looked at
 * only once the guest has said it is ready (sshd listens by then), it answers at once, and the
 * marker is seen within one poll interval instead of one poll plus a connect timeout
 * (docs/bench.md).
 */
public final class InOrder implements ReadinessCheck {

  private final List<ReadinessCheck> steps;
  private int next;

  public InOrder(List<ReadinessCheck> steps) {
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("InOrder needs at least one check");
    }
    this.steps = List.copyOf(steps);
  }

  /** The check awaited now (the last one once all hold). */
  private ReadinessCheck current() {
    return steps.get(Math.min(next, steps.size() - 1));
  }

  @Override
  public String describe() {
    return current().describe();
  }

  @Override
  public Status check() {
    while (next < steps.size()) {
      Status s = steps.get(next).check();
      if (s.state() != Status.State.READY) {
        return s;
      }
      next++;
    }
    return Status.ready();
  }
}
