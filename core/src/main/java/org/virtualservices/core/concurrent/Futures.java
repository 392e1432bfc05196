package org.virtualservices.core.concurrent;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.function.Function;

/**
 * Waiting for work that another thread does for this one. (Guava's {@code Futures.getUnchecked}
 * does about this, but the product does not otherwise need Guava, and every hook's JVM would load
 * it.)
 */
public final class Futures {

  private Futures() {}

  /**
   * Starts {@code work} on a thread of its own, named {@code name}, which does not keep the JVM
   * alive (a hook exits with its outcome, whatever is still running); its result or failure is
   * in the returned future.
   */
  public static <T> FutureTask<T> start(String name, Callable<T> work) {
    FutureTask<T> task = new FutureTask<>(work);
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
    return task;
  }

  /**
   * The work's result; its RuntimeException or Error as thrown, as if it had run in this thread.
   * Anything else, a checked exception of the work or this thread's interruption (whose flag is
   * set again), is thrown as what {@code otherwise} makes of it.
   */
  public static <T> T join(Future<T> work, Function<Exception, RuntimeException> otherwise) {
    try {
      return work.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw otherwise.apply(e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw otherwise.apply(cause instanceof Exception checked ? checked : e);
    }
  }
}
