package org.virtualservices.core.ready;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;

/** Waiting, injected so that tests never really sleep. */
@FunctionalInterface
public interface Sleeper {

  /** Really sleeps; a wait on files is woken early when they are written ({@link WakingSleeper}). */
  Sleeper REAL = new Real();

  void sleep(Duration d) throws InterruptedException;

  /**
   * A sleeper for a wait on files in {@code folders}, to close when the wait ends. This one as it
   * is, unless it overrides this: the callers take the same path with a test's sleeper as with
   * the real one, which alone knows how to wake early.
   *
   * @param least how far apart two wake-ups on writes stay at least
   */
  default Waking wakingOn(Collection<Path> folders, Duration least) {
    Sleeper self = this;
    return new Waking() {
      @Override
      public void sleep(Duration d) throws InterruptedException {
        self.sleep(d);
      }

      @Override
      public void close() {
      }
    };
  }

  /** A sleeper that holds something until closed (a watch on folders). */
  interface Waking extends Sleeper, AutoCloseable {
    @Override
    void close();
  }

  /** {@link #REAL}: Thread.sleep, woken by writes in a wait on files. */
  final class Real implements Sleeper {
    private Real() {
    }

    @Override
    public void sleep(Duration d) throws InterruptedException {
      Thread.sleep(d.toMillis());
    }

    @Override
    public Waking wakingOn(Collection<Path> folders, Duration least) {
      return folders.isEmpty() ? Sleeper.super.wakingOn(folders, least) : WakingSleeper.on(folders, least);
    }
  }
}
