package org.virtualservices.core.ready;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WakingSleeperTest {

  private static long millis(Sleeper s, Duration d) throws InterruptedException {
    long start = System.nanoTime();
    s.sleep(d);
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  @Test
  void aWriteToAWatchedLogEndsTheWaitButNotBeforeTheLeastGap(@TempDir Path dir) throws Exception {
    Path console = Files.createFile(dir.resolve("vc1-0.console.log"));
    ScheduledExecutorService guest = Executors.newSingleThreadScheduledExecutor();
    try (WakingSleeper s = WakingSleeper.on(List.of(dir), Duration.ofMillis(100))) {
      // timed from before the write is scheduled: the write comes 300 ms or more after this, however
      // late this thread starts its sleep on a loaded machine
      long start = System.nanoTime();
      guest.schedule(() -> Files.writeString(console, "VC-READY vc1-0\n", StandardOpenOption.APPEND), 300,
          TimeUnit.MILLISECONDS);
      s.sleep(Duration.ofSeconds(20));
      long slept = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(slept >= 299 && slept < 10_000, "woke by the write, not before it nor by the 20 s: " + slept + " ms");
      // a write at once: the next look still waits for the least gap
      Files.writeString(console, "more\n", StandardOpenOption.APPEND);
      long again = millis(s, Duration.ofSeconds(20));
      assertTrue(again >= 95 && again < 10_000, "looks at least 100 ms apart: " + again + " ms");
    } finally {
      guest.shutdownNow();
    }
  }

  @Test
  void withoutWritesItSleepsTheWholeInterval(@TempDir Path dir) throws Exception {
    try (WakingSleeper s = WakingSleeper.on(List.of(dir), Duration.ofMillis(10))) {
      assertTrue(millis(s, Duration.ofMillis(300)) >= 295);
    }
  }

  @Test
  void aFolderThatCannotBeWatchedGivesPlainSleeps(@TempDir Path dir) throws Exception {
    try (WakingSleeper s = WakingSleeper.on(List.of(dir.resolve("gone")), Duration.ofMillis(10))) {
      assertTrue(millis(s, Duration.ofMillis(200)) >= 195);
    }
  }
}
