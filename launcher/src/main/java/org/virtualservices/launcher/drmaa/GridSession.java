package org.virtualservices.launcher.drmaa;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.ggf.drmaa.AlreadyActiveSessionException;
import org.ggf.drmaa.DeniedByDrmException;
import org.ggf.drmaa.DrmCommunicationException;
import org.ggf.drmaa.DrmaaException;
import org.ggf.drmaa.HoldInconsistentStateException;
import org.ggf.drmaa.InternalException;
import org.ggf.drmaa.InvalidContactStringException;
import org.ggf.drmaa.InvalidJobTemplateException;
import org.ggf.drmaa.JobInfo;
import org.ggf.drmaa.JobTemplate;
import org.ggf.drmaa.NoActiveSessionException;
import org.ggf.drmaa.ReleaseInconsistentStateException;
import org.ggf.drmaa.ResumeInconsistentStateException;
import org.ggf.drmaa.Session;
import org.ggf.drmaa.SimpleJobTemplate;
import org.ggf.drmaa.SuspendInconsistentStateException;
import org.ggf.drmaa.Version;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandFailedException;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.ready.Sleeper;

/**
 * A DRMAA 1.0 session over a batch scheduler's own commands, in the manner of Nextflow's
 * {@code AbstractGridExecutor}: every side effect lives here (running the scheduler's commands,
 * waiting, killing; the status answers are kept for one poll interval by its {@link StatusCache}), and each scheduler adds
 * only pure pieces: the submit argv, {@link #parseJobId}, the status query and its parser with a
 * table from native states to DRMAA states, the kill argv.
 *
 * <p>What it does not offer, it refuses with the exception the DRMAA 1.0 Java binding names for
 * the case: bulk jobs ({@link DeniedByDrmException}), suspend/resume/hold/release (their
 * {@code *InconsistentStateException}), a contact other than the default
 * ({@link InvalidContactStringException}), template attributes the scheduler cannot honour
 * ({@link InvalidJobTemplateException}). A scheduler command that cannot be started, times out or
 * fails for another reason than an unknown job is a {@link DrmCommunicationException} whose
 * message is the block "command executed / exit status / output".
 *
 * <p>The session's jobs and the waiting for them are {@link SessionJobs}'.
 */
public abstract class GridSession implements Session {

  private static final Logger LOG = System.getLogger(GridSession.class.getName());

  private final String drmSystem;
  private final String user;
  private final CommandRunner runner;
  private final Duration commandTimeout;
  private boolean active;
  private final StatusCache statuses;
  private final SessionJobs jobs;

  /**
   * @param drmSystem the scheduler's name, as {@link #getDrmSystem()} gives it
   * @param user whose jobs a status query without ids lists (filtered here too: some schedulers show all)
   */
  protected GridSession(String drmSystem, String user, CommandRunner runner, Clock clock, Sleeper sleeper,
      Duration poll, Duration commandTimeout) {
    this.drmSystem = drmSystem;
    this.user = user;
    this.runner = runner;
    this.commandTimeout = commandTimeout;
    this.statuses = new StatusCache(new StatusCache.Scheduler() {
      @Override
      public String name() {
        return drmSystem;
      }

      @Override
      public CommandResult run(List<String> argv) {
        return GridSession.this.run(argv);
      }

      @Override
      public List<String> statusCommand(Collection<String> ids) {
        return GridSession.this.statusCommand(ids);
      }

      @Override
      public Map<String, JobStatus> parseStatus(String stdout) {
        return GridSession.this.parseStatus(stdout);
      }

      @Override
      public boolean saysUnknownJob(CommandResult result) {
        return GridSession.this.saysUnknownJob(result);
      }

      @Override
      public Optional<List<String>> historyCommand(String id) {
        return GridSession.this.historyCommand(id);
      }

      @Override
      public Map<String, JobStatus> parseHistory(String stdout) {
        return GridSession.this.parseHistory(stdout);
      }
    }, clock, poll);
    this.jobs = new SessionJobs(statuses, clock, sleeper, poll);
  }

  // ---------------------------------------------------------------------------------------
  // the scheduler's pure pieces

  /** The scheduler's name, as {@link #getDrmSystem()} gives it. */
  protected final String drmSystem() {
    return drmSystem;
  }

  /** The submit command for a template without a job environment (refused before), as an argument list. */
  protected abstract List<String> submitCommand(JobTemplate template) throws DrmaaException;

  /** The job id in what the submit command printed; IllegalArgumentException when there is none. */
  protected abstract String parseJobId(String stdout);

  /** The status query for these jobs; for none, the query for all of the session user's jobs. */
  protected abstract List<String> statusCommand(Collection<String> ids);

  /** Every job in the status query's output, by id. */
  protected abstract Map<String, JobStatus> parseStatus(String stdout);

  /** Whether a failed status query only says that (one of) the job(s) is unknown. */
  protected abstract boolean saysUnknownJob(CommandResult result);

  /** The command that ends a job. */
  protected abstract List<String> killCommand(String id);

  /** The query of the scheduler's history for a job its status query no longer knows, if it has one. */
  protected Optional<List<String>> historyCommand(String id) {
    return Optional.empty();
  }

  /** The jobs in the history query's output; by default, read as the status query's. */
  protected Map<String, JobStatus> parseHistory(String stdout) {
    return parseStatus(stdout);
  }

  /** The user whose jobs a status query without ids lists (filtered here too: some schedulers show all). */
  protected final String user() {
    return user;
  }

  /** A DRMAA path attribute, {@code [hostname]:path}, as the path alone (the host is the scheduler's business). */
  protected static String localPath(String drmaaPath) {
    int colon = drmaaPath.indexOf(':');
    return colon < 0 ? drmaaPath : drmaaPath.substring(colon + 1);
  }

  /** The template's environment, which these sessions do not carry: the job gets the submitter's. */
  private static void noEnvironment(JobTemplate t) throws DrmaaException {
    if (t.getJobEnvironment() != null && !t.getJobEnvironment().isEmpty()) {
      throw new InvalidJobTemplateException("a job environment is not offered: the job gets the submitter's");
    }
  }

  // ---------------------------------------------------------------------------------------
  // beyond DRMAA: for vcluster status and the progress lines

  /** Called with a job's status each time its native state or reason is seen to change. */
  public void onChange(Consumer<JobStatus> l) {
    statuses.onChange(l);
  }

  /** A job's status now (no cache); InvalidJobException when the scheduler knows no such job. */
  public JobStatus status(String id) throws DrmaaException {
    requireActive();
    return statuses.statuses(List.of(id), true).get(id);
  }

  /** The session user's jobs the scheduler still knows, finished ones included. */
  public List<JobStatus> userJobs() throws DrmaaException {
    requireActive();
    CommandResult r = run(statusCommand(List.of()));
    if (!r.ok()) {
      throw new DrmCommunicationException(new CommandFailedException(r).getMessage());
    }
    List<JobStatus> mine = new ArrayList<>();
    for (JobStatus s : parseStatus(r.stdout()).values()) {
      if (s.user().isEmpty() || s.user().equals(user())) {
        mine.add(s);
      }
    }
    return mine;
  }

  // ---------------------------------------------------------------------------------------
  // the session

  @Override
  public void init(String contact) throws DrmaaException {
    if (active) {
      throw new AlreadyActiveSessionException("a " + drmSystem() + " session is already active");
    }
    if (contact != null && !contact.isEmpty() && !contact.equalsIgnoreCase(drmSystem())) {
      throw new InvalidContactStringException("contact '" + contact + "': this session talks only to the "
          + drmSystem() + " the scheduler's commands reach (contact \"\" or \"" + drmSystem() + "\")");
    }
    active = true;
  }

  @Override
  public void exit() throws DrmaaException {
    requireActive();
    active = false;
    jobs.clear();
    statuses.clear();
  }

  @Override
  public JobTemplate createJobTemplate() throws DrmaaException {
    requireActive();
    return new SimpleJobTemplate();
  }

  @Override
  public void deleteJobTemplate(JobTemplate template) throws DrmaaException {
    requireActive();
  }

  @Override
  public String runJob(JobTemplate template) throws DrmaaException {
    requireActive();
    if (template == null || template.getRemoteCommand() == null || template.getRemoteCommand().isEmpty()) {
      throw new InvalidJobTemplateException("the job template has no remote command (the script to run)");
    }
    noEnvironment(template);
    CommandResult r = run(submitCommand(template));
    if (!r.ok()) {
      String block = new CommandFailedException(r).getMessage();
      if (StatusCache.unreachable(r)) {
        throw new DrmCommunicationException(block);
      }
      throw new DeniedByDrmException(drmSystem() + " refused the job: " + block);
    }
    String id;
    try {
      id = parseJobId(r.stdout());
    } catch (IllegalArgumentException e) {
      throw new InternalException(e.getMessage() + "; " + new CommandFailedException(r).getMessage());
    }
    jobs.submitted(id);
    LOG.log(Level.DEBUG, "job {0}: submitted to {1}", id, drmSystem());
    return id;
  }

  @Override
  public List<String> runBulkJobs(JobTemplate template, int start, int end, int incr) throws DrmaaException {
    requireActive();
    throw new DeniedByDrmException("bulk jobs are not offered by the " + drmSystem()
        + " session; submit an array through the native specification");
  }

  @Override
  public void control(String jobId, int action) throws DrmaaException {
    requireActive();
    String what = switch (action) {
      case SUSPEND -> "suspend";
      case RESUME -> "resume";
      case HOLD -> "hold";
      case RELEASE -> "release";
      case TERMINATE -> "terminate";
      default -> throw new IllegalArgumentException("unknown control action " + action);
    };
    String no = what + " is not offered by the " + drmSystem() + " session (only TERMINATE)";
    switch (action) {
      case SUSPEND -> throw new SuspendInconsistentStateException(no);
      case RESUME -> throw new ResumeInconsistentStateException(no);
      case HOLD -> throw new HoldInconsistentStateException(no);
      case RELEASE -> throw new ReleaseInconsistentStateException(no);
      default -> { }
    }
    for (String id : jobs.ids(jobId)) {
      // asked first: scancel of an unknown id exits 0 and says nothing (Slurm 22.05, captured)
      JobStatus s = status(id);
      if (s.finished()) {
        continue;
      }
      CommandResult r = run(killCommand(id));
      if (!r.ok()) {
        throw new DrmCommunicationException("terminate job " + id + ": " + new CommandFailedException(r).getMessage());
      }
      LOG.log(Level.DEBUG, "job {0}: terminate asked of {1}", id, drmSystem());
      statuses.forget(id);
    }
  }

  @Override
  public void synchronize(List jobIds, long timeout, boolean dispose) throws DrmaaException {
    requireActive();
    jobs.synchronize(jobIds, timeout, dispose);
  }

  /** Waits for the job (or any of the session's) to end; DRMAA 1.0: a wait reaps the job it returns. */
  @Override
  public JobInfo wait(String jobId, long timeout) throws DrmaaException {
    requireActive();
    return new GridJobInfo(jobs.await(jobId, timeout));
  }

  @Override
  public int getJobProgramStatus(String jobId) throws DrmaaException {
    return status(jobId).drmaaState();
  }

  @Override
  public String getContact() {
    return "";
  }

  @Override
  public Version getVersion() {
    return new Version(1, 0);
  }

  @Override
  public String getDrmSystem() {
    return drmSystem();
  }

  @Override
  public String getDrmaaImplementation() {
    return "Virtual Services " + drmSystem() + " session";
  }

  // ---------------------------------------------------------------------------------------
  // the side effects

  private CommandResult run(List<String> argv) {
    return runner.run(Command.of(argv).withTimeout(commandTimeout));
  }


  private void requireActive() throws NoActiveSessionException {
    if (!active) {
      throw new NoActiveSessionException("no active " + drmSystem() + " session (init first)");
    }
  }
}
