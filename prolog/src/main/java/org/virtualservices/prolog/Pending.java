package org.virtualservices.prolog;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.virtualservices.core.concurrent.Futures;

/**
 * A step of the prolog started on a thread of its own, to be waited for later: the network is
 * made while the disks are, the domains are defined meanwhile, and the report is written while
 * the VMs boot. {@link #join} throws the step's failure as {@link PerVm} does, with the step it
 * failed at; before a rollback, {@link #settle} waits for it whatever its outcome, so that the
 * rollback never races a step still making something.
 */
final class Pending<T> {

  /** The step's work; it may name where it is, for the failure message. */
  @FunctionalInterface
  interface Work {
    void run(PerVm.Step step) throws IOException, PerVm.Failed;
  }

  /** A step's work that gives a result. */
  @FunctionalInterface
  interface Computation<T> {
    T run(PerVm.Step step) throws IOException, PerVm.Failed;
  }

  private final PerVm.Step step = new PerVm.Step();
  private final FutureTask<T> task;
  private volatile long nanos;

  private Pending(String name, Computation<T> work) {
    step.is(name);
    task = Futures.start("prolog-" + name, () -> {
      long t = System.nanoTime();
      try {
        return work.run(step);
      } finally {
        nanos = System.nanoTime() - t;
      }
    });
  }

  static Pending<Void> start(String name, Work work) {
    return compute(name, at -> {
      work.run(at);
      return null;
    });
  }

  static <T> Pending<T> compute(String name, Computation<T> work) {
    return new Pending<>(name, work);
  }

  /** Waits for the step: its result, or its failure with the step it failed at and the cause as thrown. */
  T join() throws PerVm.Failed {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PerVm.Failed(step.name(), new IllegalStateException("interrupted", e));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof PerVm.Failed f) {
        throw f;
      }
      throw new PerVm.Failed(step.name(), e.getCause());
    }
  }

  /**
   * Waits for the step, from inside another step: its result, or its failure's cause as thrown
   * (the caller names the step it is at).
   */
  T await() throws IOException {
    try {
      return join();
    } catch (PerVm.Failed f) {
      f.rethrow();
      throw new IllegalStateException(f);
    }
  }

  /** Waits for the step to end, whatever its outcome (its failure is another's to report). */
  void settle() {
    try {
      join();
    } catch (PerVm.Failed e) {
      // reported by whoever joins it, or superseded by the failure that led here
    }
  }

  /** How long the step ran, in seconds (once it ended). */
  double seconds() {
    return nanos / 1e9;
  }
}
