package org.virtualservices.prolog;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A step of the prolog started on a thread of its own, to be waited for later: the network is
 * made while the disks are, the domains are defined meanwhile, and the report is written while
 * the VMs boot. {@link #join} throws the step's failure as {@link PerVm} does, with the step it
 * failed at; before a rollback, {@link #settle} waits for it whatever its outcome, so that the
 * rollback never races a step still making something.
 */
final class Pending {

  /** The step's work; it may name where it is, for the failure message. */
  @FunctionalInterface
  interface Work {
    void run(PerVm.Step step) throws IOException, PerVm.Failed;
  }

  private final FutureTask<Void> task;
  private final PerVm.Step step = new PerVm.Step();
  private volatile long nanos;

  private Pending(String name, Work work) {
    step.is(name);
    task = new FutureTask<>(() -> {
      long t = System.nanoTime();
      try {
        work.run(step);
      } finally {
        nanos = System.nanoTime() - t;
      }
      return null;
    });
  }

  static Pending start(String name, Work work) {
    Pending p = new Pending(name, work);
    Thread t = new Thread(p.task, "prolog-" + name);
    t.setDaemon(true);
    t.start();
    return p;
  }

  /** Waits for the step; its failure, with the step it failed at and the cause as thrown. */
  void join() throws PerVm.Failed {
    try {
      task.get();
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
