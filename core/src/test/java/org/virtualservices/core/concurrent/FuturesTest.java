package org.virtualservices.core.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;

class FuturesTest {

  static IllegalStateException otherwise(Exception e) {
    return new IllegalStateException("work: " + e.getMessage(), e);
  }

  @Test
  void startsTheWorkOnADaemonThreadOfItsName() {
    Thread caller = Thread.currentThread();
    FutureTask<Thread> work = Futures.start("futures-test", Thread::currentThread);
    Thread ran = Futures.join(work, FuturesTest::otherwise);
    assertTrue(ran != caller && ran.isDaemon(), ran.toString());
    assertEquals("futures-test", ran.getName());
  }

  @Test
  void givesTheResult() {
    assertEquals("done", Futures.join(CompletableFuture.completedFuture("done"), FuturesTest::otherwise));
  }

  @Test
  void rethrowsTheWorksUncheckedFailureAsThrown() {
    IllegalArgumentException thrown = new IllegalArgumentException("bad");
    FutureTask<String> work = failedWith(thrown);
    assertSame(thrown, assertThrows(IllegalArgumentException.class, () -> Futures.join(work, FuturesTest::otherwise)));
    AssertionError error = new AssertionError("broken");
    FutureTask<String> broken = failedWith(error);
    assertSame(error, assertThrows(AssertionError.class, () -> Futures.join(broken, FuturesTest::otherwise)));
  }

  @Test
  void aCheckedFailureBecomesWhatTheCallerMakesOfIt() {
    IOException io = new IOException("disk full");
    FutureTask<String> work = failedWith(io);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Futures.join(work, FuturesTest::otherwise));
    assertEquals("work: disk full", e.getMessage());
    assertSame(io, e.getCause());
  }

  @Test
  void anInterruptedWaitKeepsTheInterruptFlag() {
    Thread.currentThread().interrupt();
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> Futures.join(new CompletableFuture<String>(), FuturesTest::otherwise));
      assertTrue(e.getCause() instanceof InterruptedException, String.valueOf(e.getCause()));
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
  }

  /** Work that has run and thrown {@code t}. */
  private static FutureTask<String> failedWith(Throwable t) {
    FutureTask<String> work = new FutureTask<>(() -> {
      if (t instanceof Exception e) {
        throw e;
      }
      throw (Error) t;
    });
    work.run();
    return work;
  }
}
