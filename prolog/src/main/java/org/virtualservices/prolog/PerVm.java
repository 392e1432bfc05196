package org.virtualservices.prolog;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.virtualservices.core.plan.VmPlan;

/**
 * Runs the same work for every VM of this node at once (overlay and seed; define and start) and
 * waits for all of it: on this node the VMs' work is independent, and each piece waits on a
 * program or on libvirtd, so one after another the waits added up (docs/bench.md). Every task
 * ends before this returns, also when one failed, so a rollback never races a task still making
 * something. The first failure in VM order is thrown, with the step it failed at.
 */
final class PerVm {

  /** A node runs a handful of VMs (limits.maxVmsPerNode). */
  static final int MAX_THREADS = 16;

  /** One VM's work; it names each step it starts, for the failure message. */
  @FunctionalInterface
  interface Task {
    void run(VmPlan vm, Step step) throws IOException;
  }

  /** Where a task is: "disk of vc42-0", "start vc42-0"... */
  static final class Step {
    private volatile String name;

    void is(String step) {
      name = step;
    }

    String name() {
      return name;
    }
  }

  /** A task failed: where, and why (the cause as thrown). */
  static final class Failed extends Exception {
    private static final long serialVersionUID = 1L;
    private final String step;

    Failed(String step, Throwable cause) {
      super(step, cause);
      this.step = step;
    }

    String step() {
      return step;
    }

    /** Throws the cause as it was thrown in the task. */
    void rethrow() throws IOException {
      Throwable c = getCause();
      if (c instanceof Error e) {
        throw e;
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException(c);
    }
  }

  private PerVm() {
  }

  static void run(List<VmPlan> vms, Task task) throws Failed {
    List<Step> steps = new ArrayList<>();
    vms.forEach(v -> steps.add(new Step()));
    if (vms.size() == 1) {
      try {
        task.run(vms.get(0), steps.get(0));
      } catch (IOException | RuntimeException | Error e) {
        throw new Failed(steps.get(0).name(), e);
      }
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(vms.size(), MAX_THREADS), r -> {
      Thread t = new Thread(r, "prolog-vm");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int i = 0; i < vms.size(); i++) {
        VmPlan vm = vms.get(i);
        Step step = steps.get(i);
        running.add(pool.submit(() -> {
          task.run(vm, step);
          return null;
        }));
      }
      Failed first = null;
      for (int i = 0; i < running.size(); i++) {
        try {
          running.get(i).get();
        } catch (ExecutionException e) {
          if (first == null) {
            first = new Failed(steps.get(i).name(), e.getCause());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          if (first == null) {
            first = new Failed(steps.get(i).name(), new IllegalStateException("interrupted", e));
          }
        }
      }
      if (first != null) {
        throw first;
      }
    } finally {
      pool.shutdown();
    }
  }
}
