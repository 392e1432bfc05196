package org.virtualservices.launcher.drmaa;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.ggf.drmaa.DrmCommunicationException;
import org.ggf.drmaa.DrmaaException;
import org.ggf.drmaa.InvalidJobException;
import org.virtualservices.core.command.CommandFailedException;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;

/**
 * The scheduler's answers about jobs, kept for one poll interval: one status query for all the
 * jobs asked about at once, the scheduler's history for the jobs its status query no longer knows,
 * and a listener told each time a job's native state or reason is seen to change. A session waits
 * and polls through it, so that waiting for many jobs costs one query per interval.
 */
final class StatusCache {

  private static final Logger LOG = System.getLogger(StatusCache.class.getName());

  /** What the cache asks of the scheduler: its commands and parsers, as a session has them. */
  interface Scheduler {
    String name();

    CommandResult run(List<String> argv);

    List<String> statusCommand(Collection<String> ids);

    Map<String, JobStatus> parseStatus(String stdout);

    boolean saysUnknownJob(CommandResult result);

    Optional<List<String>> historyCommand(String id);

    Map<String, JobStatus> parseHistory(String stdout);
  }

  private final Scheduler scheduler;
  private final Clock clock;
  private final Duration poll;
  private final Map<String, JobStatus> cache = new HashMap<>();
  private final Map<String, JobStatus> lastSeen = new HashMap<>();
  private Instant cachedAt;
  /** Why the last history lookup could not tell, for the message of an unknown job. */
  private String historyNote = "";
  private Consumer<JobStatus> listener = s -> { };

  StatusCache(Scheduler scheduler, Clock clock, Duration poll) {
    this.scheduler = scheduler;
    this.clock = clock;
    this.poll = poll;
  }

  void onChange(Consumer<JobStatus> l) {
    this.listener = l == null ? s -> { } : l;
  }

  /** The next look at this job asks the scheduler (after a kill, say). */
  void forget(String id) {
    cache.remove(id);
  }

  void clear() {
    cache.clear();
    cachedAt = null;
  }

  /**
   * The status of every job in ids. One status query for all of them, answered from the cache
   * while it is younger than the poll interval (unless fresh is asked); the jobs the query does not
   * know are looked up in the scheduler's history, and a job neither knows is an InvalidJobException.
   */
  Map<String, JobStatus> statuses(List<String> ids, boolean fresh) throws DrmaaException {
    Instant now = clock.instant();
    boolean young = cachedAt != null && Duration.between(cachedAt, now).compareTo(poll) < 0;
    if (fresh || !young || !cache.keySet().containsAll(ids)) {
      CommandResult r = scheduler.run(scheduler.statusCommand(ids));
      Map<String, JobStatus> found;
      if (r.ok()) {
        found = scheduler.parseStatus(r.stdout());
      } else if (!unreachable(r) && scheduler.saysUnknownJob(r)) {
        found = Map.of();
      } else {
        throw new DrmCommunicationException("cannot ask " + scheduler.name() + " about job(s) " + String.join(", ", ids)
            + ": " + new CommandFailedException(r).getMessage());
      }
      cache.clear();
      cache.putAll(found);
      cachedAt = now;
      for (String id : ids) {
        if (!cache.containsKey(id)) {
          history(id).ifPresent(s -> cache.put(id, s));
        }
      }
      cache.values().forEach(this::publish);
    }
    Map<String, JobStatus> out = new LinkedHashMap<>();
    for (String id : ids) {
      JobStatus s = cache.get(id);
      if (s == null) {
        throw new InvalidJobException("job " + id + " is not known to " + scheduler.name() + historyNote);
      }
      out.put(id, s);
    }
    return out;
  }

  /** A command that could not be started (127: not found) or that timed out: the scheduler is out of reach. */
  static boolean unreachable(CommandResult r) {
    return r.exitStatus() == CommandRunner.TIMED_OUT || r.exitStatus() == 127;
  }

  private Optional<JobStatus> history(String id) {
    Optional<List<String>> argv = scheduler.historyCommand(id);
    if (argv.isEmpty()) {
      historyNote = "";
      return Optional.empty();
    }
    CommandResult r = scheduler.run(argv.get());
    if (!r.ok()) {
      String said = (r.stderr().isBlank() ? r.stdout() : r.stderr()).strip().replaceAll("\\s*\\R\\s*", " ");
      historyNote = " (its history, " + argv.get().get(0) + ", could not tell: " + (said.isEmpty()
          ? "exit " + r.exitStatus() : said) + ")";
      return Optional.empty();
    }
    historyNote = "";
    return Optional.ofNullable(scheduler.parseHistory(r.stdout()).get(id));
  }

  private void publish(JobStatus s) {
    JobStatus before = lastSeen.put(s.id(), s);
    if (before == null || !before.nativeState().equals(s.nativeState()) || !before.reason().equals(s.reason())) {
      LOG.log(Level.DEBUG, "job {0}: {1}", s.id(), s.describe());
      listener.accept(s);
    }
  }
}
