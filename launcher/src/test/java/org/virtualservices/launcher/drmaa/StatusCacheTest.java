package org.virtualservices.launcher.drmaa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ggf.drmaa.DrmCommunicationException;
import org.ggf.drmaa.InvalidJobException;
import org.ggf.drmaa.Session;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.ready.FakeTime;

/** The cache on its own, against a scheduler whose answers the test sets: what is asked, and when. */
class StatusCacheTest {

  private final FakeTime clock = new FakeTime();
  /** What the status query answers: id -> native state; the history knows "old". */
  private final Map<String, String> queue = new LinkedHashMap<>();
  private final List<List<String>> asked = new ArrayList<>();
  private int statusExit = 0;
  private final StatusCache cache = new StatusCache(new StatusCache.Scheduler() {
    @Override
    public String name() {
      return "Test";
    }

    @Override
    public CommandResult run(List<String> argv) {
      asked.add(argv);
      StringBuilder out = new StringBuilder();
      if (argv.get(0).equals("history")) {
        out.append("old COMPLETED\n");
      } else {
        queue.forEach((id, state) -> out.append(id).append(' ').append(state).append('\n'));
      }
      return new CommandResult(Command.of(argv), argv.get(0).equals("history") ? 0 : statusExit, out.toString(), "");
    }

    @Override
    public List<String> statusCommand(Collection<String> ids) {
      List<String> argv = new ArrayList<>(List.of("status"));
      argv.addAll(ids);
      return argv;
    }

    @Override
    public Map<String, JobStatus> parseStatus(String stdout) {
      Map<String, JobStatus> m = new LinkedHashMap<>();
      stdout.lines().map(l -> l.split(" ")).forEach(w -> m.put(w[0], new JobStatus(w[0], w[1],
          w[1].equals("COMPLETED") ? Session.DONE : Session.RUNNING, "", null, null, "", "")));
      return m;
    }

    @Override
    public boolean saysUnknownJob(CommandResult result) {
      return false;
    }

    @Override
    public Optional<List<String>> historyCommand(String id) {
      return Optional.of(List.of("history", id));
    }

    @Override
    public Map<String, JobStatus> parseHistory(String stdout) {
      return parseStatus(stdout);
    }
  }, clock, Duration.ofSeconds(2));

  @Test
  void oneQueryPerPollIntervalForTheJobsItHolds() throws Exception {
    queue.put("1", "RUNNING");
    queue.put("2", "PENDING");
    cache.statuses(List.of("1", "2"), false);
    clock.sleep(Duration.ofMillis(1999));
    assertEquals("PENDING", cache.statuses(List.of("2"), false).get("2").nativeState());
    assertEquals(1, asked.size(), "answered from the cache");
    queue.put("2", "RUNNING");
    clock.sleep(Duration.ofMillis(1));
    assertEquals("RUNNING", cache.statuses(List.of("2"), false).get("2").nativeState());
    assertEquals(2, asked.size(), "asked again once the interval is over");
    cache.statuses(List.of("2"), true);
    assertEquals(3, asked.size(), "fresh asks at once");
    cache.forget("1");
    cache.statuses(List.of("1"), false);
    assertEquals(4, asked.size(), "a forgotten job is asked about");
  }

  @Test
  void aJobTheQueryNoLongerKnowsComesFromTheHistoryOrIsUnknown() throws Exception {
    assertEquals("COMPLETED", cache.statuses(List.of("old"), false).get("old").nativeState());
    assertEquals(List.of(List.of("status", "old"), List.of("history", "old")), asked);
    InvalidJobException e = assertThrows(InvalidJobException.class, () -> cache.statuses(List.of("7"), true));
    assertEquals("job 7 is not known to Test", e.getMessage());
  }

  @Test
  void theListenerHearsOnlyChanges() throws Exception {
    List<String> heard = new ArrayList<>();
    cache.onChange(s -> heard.add(s.id() + " " + s.nativeState()));
    queue.put("1", "PENDING");
    cache.statuses(List.of("1"), true);
    cache.statuses(List.of("1"), true);
    queue.put("1", "RUNNING");
    cache.statuses(List.of("1"), true);
    assertEquals(List.of("1 PENDING", "1 RUNNING"), heard);
  }

  @Test
  void aFailedQueryIsACommunicationErrorNamingTheJobs() {
    statusExit = 1;
    queue.put("1", "RUNNING");
    DrmCommunicationException e = assertThrows(DrmCommunicationException.class,
        () -> cache.statuses(List.of("1"), true));
    assertTrue(e.getMessage().startsWith("cannot ask Test about job(s) 1: "), e.getMessage());
  }
}
