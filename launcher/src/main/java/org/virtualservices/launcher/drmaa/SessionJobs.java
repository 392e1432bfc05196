package org.virtualservices.launcher.drmaa;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ggf.drmaa.DrmaaException;
import org.ggf.drmaa.ExitTimeoutException;
import org.ggf.drmaa.InternalException;
import org.ggf.drmaa.InvalidJobException;
import org.ggf.drmaa.Session;
import org.virtualservices.core.ready.Sleeper;

/**
 * The jobs a {@link GridSession} submitted and DRMAA 1.0's waiting for them: which ids
 * {@link Session#JOB_IDS_SESSION_ALL} and {@link Session#JOB_IDS_SESSION_ANY} stand for, which jobs a
 * wait has reaped (so that waiting for any job again returns another), and polling the
 * {@link StatusCache} until jobs end or the timeout passes. Polls on an injected {@link Clock} and
 * {@link Sleeper}: tests never really sleep.
 */
final class SessionJobs {

  private final Set<String> jobs = new LinkedHashSet<>();
  /** Jobs whose end a wait (or a disposing synchronize) has returned: DRMAA 1.0 reaps them. */
  private final Set<String> reaped = new LinkedHashSet<>();
  private final StatusCache statuses;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Duration poll;

  SessionJobs(StatusCache statuses, Clock clock, Sleeper sleeper, Duration poll) {
    this.statuses = statuses;
    this.clock = clock;
    this.sleeper = sleeper;
    this.poll = poll;
  }

  void submitted(String id) {
    jobs.add(id);
  }

  void clear() {
    jobs.clear();
    reaped.clear();
  }

  /** The jobs an id stands for: the session's not yet reaped for ALL and ANY, else the id itself. */
  List<String> ids(String jobId) {
    if (Session.JOB_IDS_SESSION_ALL.equals(jobId) || Session.JOB_IDS_SESSION_ANY.equals(jobId)) {
      return jobs.stream().filter(id -> !reaped.contains(id)).toList();
    }
    return List.of(jobId);
  }

  /** Returns once every job of {@code jobIds} has ended; with {@code dispose}, reaps them. */
  void synchronize(List<?> jobIds, long timeout, boolean dispose) throws DrmaaException {
    List<String> ids = new ArrayList<>();
    for (Object o : jobIds) {
      ids.addAll(ids(String.valueOf(o)));
    }
    Instant deadline = deadline(timeout);
    // the first look may be answered from the cache; after each pause, the scheduler is asked again
    for (boolean fresh = false; ; fresh = true) {
      Map<String, JobStatus> now = statuses.statuses(ids, fresh);
      List<String> open = ids.stream().filter(id -> !now.get(id).finished()).toList();
      if (open.isEmpty()) {
        if (dispose) {
          reaped.addAll(ids);
        }
        return;
      }
      pause(deadline, "jobs " + String.join(", ", open) + " to end", timeout);
    }
  }

  /** The status of the job (or, for ANY, of a job of the session) once it has ended; reaps it. */
  JobStatus await(String jobId, long timeout) throws DrmaaException {
    boolean any = Session.JOB_IDS_SESSION_ANY.equals(jobId);
    List<String> ids = any ? ids(jobId) : List.of(jobId);
    if (ids.isEmpty()) {
      throw new InvalidJobException(reaped.isEmpty() ? "this session has submitted no job to wait for"
          : "every job of this session has been waited for already");
    }
    if (!any && reaped.contains(jobId)) {
      throw new InvalidJobException("job " + jobId + " has been waited for already (DRMAA reaps it)");
    }
    Instant deadline = deadline(timeout);
    for (boolean fresh = false; ; fresh = true) {
      Map<String, JobStatus> now = statuses.statuses(ids, fresh);
      for (String id : ids) {
        if (now.get(id).finished()) {
          reaped.add(id);
          return now.get(id);
        }
      }
      JobStatus last = now.get(ids.get(0));
      pause(deadline, (any ? "any job of the session" : "job " + jobId) + " to end (last seen "
          + last.describe() + ")", timeout);
    }
  }

  private Instant deadline(long timeoutSeconds) {
    return timeoutSeconds == Session.TIMEOUT_WAIT_FOREVER ? null
        : clock.instant().plusSeconds(Math.max(0, timeoutSeconds));
  }

  /** Sleeps one poll interval, or until the deadline; past it, an ExitTimeoutException saying what was awaited. */
  private void pause(Instant deadline, String awaited, long timeoutSeconds) throws DrmaaException {
    Duration nap = poll;
    if (deadline != null) {
      Duration left = Duration.between(clock.instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw new ExitTimeoutException("timed out after " + timeoutSeconds + "s waiting for " + awaited);
      }
      nap = left.compareTo(poll) < 0 ? left : poll;
    }
    try {
      sleeper.sleep(nap);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InternalException("interrupted while waiting for " + awaited);
    }
  }
}
