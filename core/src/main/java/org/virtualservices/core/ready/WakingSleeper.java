package org.virtualservices.core.ready;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * Sleeps as {@link Sleeper#REAL} does, but wakes early when a file in one of the watched folders
 * is written (inotify, through the JDK's WatchService): a guest's ready line on its console log is
 * seen within milliseconds instead of half a poll interval later on average (docs/bench.md).
 * Looks stay at least {@code least} apart, so that a chatty boot does not have its log read after
 * every line. Where the folders cannot be watched, it sleeps the whole interval, as before.
 */
public final class WakingSleeper implements Sleeper.Waking {

  private final WatchService watch;
  private final long leastNanos;

  private WakingSleeper(WatchService watch, Duration least) {
    this.watch = watch;
    this.leastNanos = least.toNanos();
  }

  /** Watches these folders for writes, until {@link #close}. */
  public static WakingSleeper on(Collection<Path> folders, Duration least) {
    WatchService watch = null;
    try {
      watch = FileSystems.getDefault().newWatchService();
      for (Path folder : folders) {
        folder.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
      }
    } catch (IOException | UnsupportedOperationException e) {
      closeQuietly(watch);
      watch = null; // plain sleeps: the looks still come every interval
    }
    return new WakingSleeper(watch, least);
  }

  @Override
  public void sleep(Duration d) throws InterruptedException {
    if (watch == null) {
      Thread.sleep(d.toMillis());
      return;
    }
    long start = System.nanoTime();
    long total = d.toNanos();
    WatchKey key = watch.poll(total, TimeUnit.NANOSECONDS);
    while (key != null) { // every folder's events at once: one look follows them all
      key.pollEvents();
      key.reset();
      key = watch.poll();
    }
    long elapsed = System.nanoTime() - start;
    long rest = Math.min(leastNanos, total) - elapsed;
    if (rest > 0) {
      TimeUnit.NANOSECONDS.sleep(rest);
    }
  }

  @Override
  public void close() {
    closeQuietly(watch);
  }

  private static void closeQuietly(WatchService watch) {
    if (watch != null) {
      try {
        watch.close();
      } catch (IOException e) {
        // nothing is left to release
      }
    }
  }
}
