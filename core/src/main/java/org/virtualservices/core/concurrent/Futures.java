package org.virtualservices.core.concurrent;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Waiting for work that another thread does for this one. (Guava's {@code Futures.getUnchecked}
 * does about this, but the product does not otherwise need Guava, and every hook's JVM would load
 * it.)
 */
public final class Futures {

  private Futures() {}

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
