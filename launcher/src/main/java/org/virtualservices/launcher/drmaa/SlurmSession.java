package org.virtualservices.launcher.drmaa;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ggf.drmaa.DrmaaException;
import org.ggf.drmaa.JobTemplate;
import org.ggf.drmaa.Session;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.ready.Sleeper;

/**
 * The DRMAA session for Slurm: sbatch, squeue, sacct, scancel. Only pure pieces here; the base
 * class runs them. Parsers are tested against output captured from Slurm 22.05
 * (tests/capture/slurm-drmaa.sh).
 */
public final class SlurmSession extends GridSession {

  /** squeue's columns, '|' after each and no padding; WorkDir last, as it may hold anything but a newline. */
  static final String SQUEUE_FORMAT = "JobID:|,State:|,Reason:|,exit_code:|,UserName:|,WorkDir:";
  static final String SACCT_FORMAT = "JobID,State,ExitCode,User,WorkDir";

  /**
   * Every job state of Slurm 22.05 and its DRMAA state; a PENDING job's reason may make it held
   * ({@link #drmaaState}). https://slurm.schedmd.com/archive/slurm-22.05-latest/squeue.html#SECTION_JOB-STATE-CODES
   */
  static final Map<String, Integer> STATES = Map.ofEntries(
      Map.entry("BOOT_FAIL", Session.FAILED),
      Map.entry("CANCELLED", Session.FAILED),
      Map.entry("COMPLETED", Session.DONE),
      // resources allocated, nodes booting (or the prologs running): the job has its resources
      Map.entry("CONFIGURING", Session.RUNNING),
      // the script has ended, the epilogs run: still holding its nodes
      Map.entry("COMPLETING", Session.RUNNING),
      Map.entry("DEADLINE", Session.FAILED),
      Map.entry("FAILED", Session.FAILED),
      Map.entry("NODE_FAIL", Session.FAILED),
      Map.entry("OUT_OF_MEMORY", Session.FAILED),
      Map.entry("PENDING", Session.QUEUED_ACTIVE),
      Map.entry("PREEMPTED", Session.FAILED),
      Map.entry("RUNNING", Session.RUNNING),
      Map.entry("RESV_DEL_HOLD", Session.SYSTEM_ON_HOLD),
      Map.entry("REQUEUE_FED", Session.QUEUED_ACTIVE),
      Map.entry("REQUEUE_HOLD", Session.SYSTEM_ON_HOLD),
      Map.entry("REQUEUED", Session.QUEUED_ACTIVE),
      Map.entry("RESIZING", Session.RUNNING),
      Map.entry("REVOKED", Session.FAILED),
      Map.entry("SIGNALING", Session.RUNNING),
      // requeued and held after an exit code the site treats specially
      Map.entry("SPECIAL_EXIT", Session.SYSTEM_ON_HOLD),
      Map.entry("STAGE_OUT", Session.RUNNING),
      // stopped with SIGSTOP by its user (scontrol suspend is an admin's: SUSPENDED)
      Map.entry("STOPPED", Session.USER_SUSPENDED),
      Map.entry("SUSPENDED", Session.SYSTEM_SUSPENDED),
      Map.entry("TIMEOUT", Session.FAILED));

  private final String sbatch;
  private final String squeue;
  private final String sacct;
  private final String scancel;

  public SlurmSession(CommandRunner runner, Clock clock, Sleeper sleeper, Duration poll, Duration commandTimeout,
      String sbatch, String squeue, String sacct, String scancel, String user) {
    super("Slurm", user, runner, clock, sleeper, poll, commandTimeout);
    this.sbatch = sbatch;
    this.squeue = squeue;
    this.sacct = sacct;
    this.scancel = scancel;
  }

  @Override
  protected List<String> submitCommand(JobTemplate t) throws DrmaaException {
    List<String> argv = new ArrayList<>(List.of(sbatch, "--parsable"));
    if (t.getWorkingDirectory() != null) {
      argv.add("--chdir=" + t.getWorkingDirectory());
    }
    if (t.getJobName() != null) {
      argv.add("--job-name=" + t.getJobName());
    }
    if (t.getOutputPath() != null) {
      argv.add("--output=" + localPath(t.getOutputPath()));
    }
    if (t.getErrorPath() != null && !t.getJoinFiles()) {
      argv.add("--error=" + localPath(t.getErrorPath()));
    }
    if (t.getInputPath() != null) {
      argv.add("--input=" + localPath(t.getInputPath()));
    }
    if (t.getJobSubmissionState() == JobTemplate.HOLD_STATE) {
      argv.add("--hold");
    }
    try {
      argv.addAll(NativeWords.split(t.getNativeSpecification()));
    } catch (IllegalArgumentException e) {
      throw new org.ggf.drmaa.InvalidAttributeFormatException(e.getMessage());
    }
    argv.add(t.getRemoteCommand());
    if (t.getArgs() != null) {
      for (Object a : t.getArgs()) {
        argv.add(String.valueOf(a));
      }
    }
    return argv;
  }

  /** sbatch --parsable prints {@code ID} or {@code ID;CLUSTER}. */
  @Override
  public String parseJobId(String stdout) {
    String last = "";
    for (String line : stdout.split("\n")) {
      if (!line.isBlank()) {
        last = line.strip();
      }
    }
    String id = last.split(";", 2)[0];
    if (!id.matches("[0-9]+(_[0-9]+)?")) {
      throw new IllegalArgumentException("no job id in sbatch's output '" + stdout.strip() + "'");
    }
    return id;
  }

  @Override
  protected List<String> statusCommand(Collection<String> ids) {
    String which = ids.isEmpty() ? "--user=" + user() : "--jobs=" + String.join(",", ids);
    return List.of(squeue, "--noheader", "--states=all", which, "--Format=" + SQUEUE_FORMAT);
  }

  @Override
  protected Map<String, JobStatus> parseStatus(String stdout) {
    return parseSqueue(stdout);
  }

  /** squeue of a single job it does not know (any longer) fails with this (captured: squeue-unknown). */
  @Override
  protected boolean saysUnknownJob(CommandResult r) {
    return r.stderr().contains("Invalid job id specified");
  }

  @Override
  protected List<String> killCommand(String id) {
    return List.of(scancel, id);
  }

  /** sacct, for jobs older than MinJobAge that squeue has forgotten; it needs Slurm's accounting. */
  @Override
  protected Optional<List<String>> historyCommand(String id) {
    return Optional.of(List.of(sacct, "--noheader", "--parsable2", "--allocations", "--jobs=" + id,
        "--format=" + SACCT_FORMAT));
  }

  @Override
  protected Map<String, JobStatus> parseHistory(String stdout) {
    return parseSacct(stdout);
  }

  /**
   * Lines {@code id|state|reason|exit_code|user|workdir} of {@link #SQUEUE_FORMAT}. squeue's
   * exit_code is the raw wait status (captured: 768 for exit 3, 15 for SIGTERM, 9 for SIGKILL).
   */
  public static Map<String, JobStatus> parseSqueue(String stdout) {
    Map<String, JobStatus> jobs = new LinkedHashMap<>();
    for (String line : stdout.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\\|", 6);
      if (f.length < 6 || !f[3].strip().matches("[0-9]+")) {
        throw new IllegalArgumentException("squeue printed '" + line + "' where '" + SQUEUE_FORMAT + "' was asked");
      }
      String state = f[1].strip();
      int raw = Integer.parseInt(f[3].strip());
      jobs.put(f[0].strip(), finish(f[0].strip(), state, f[2].strip(), raw >> 8 & 0xff, raw & 0x7f, f[4].strip(),
          f[5].strip()));
    }
    return jobs;
  }

  /** Lines {@code id|state|exit:signal|user|workdir} of sacct --parsable2 with {@link #SACCT_FORMAT}. */
  public static Map<String, JobStatus> parseSacct(String stdout) {
    Map<String, JobStatus> jobs = new LinkedHashMap<>();
    for (String line : stdout.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\\|", 5);
      if (f.length < 5 || !f[2].matches("[0-9]+:[0-9]+")) {
        throw new IllegalArgumentException("sacct printed '" + line + "' where '" + SACCT_FORMAT + "' was asked");
      }
      // "CANCELLED by 1000": the state is the first word
      String state = f[1].strip().split("\\s+")[0];
      String[] code = f[2].split(":");
      jobs.put(f[0], finish(f[0], state, "", Integer.parseInt(code[0]), Integer.parseInt(code[1]), f[3], f[4]));
    }
    return jobs;
  }

  /** The DRMAA state of a native state; a PENDING job held by its user or by an admin is on hold. */
  public static int drmaaState(String state, String reason) {
    if (state.equals("PENDING") && reason.equals("JobHeldUser")) {
      return Session.USER_ON_HOLD;
    }
    if (state.equals("PENDING") && reason.equals("JobHeldAdmin")) {
      return Session.SYSTEM_ON_HOLD;
    }
    return STATES.getOrDefault(state, Session.UNDETERMINED);
  }

  private static JobStatus finish(String id, String state, String reason, int exit, int signal, String user,
      String workDir) {
    int drmaa = drmaaState(state, reason);
    Integer code = null;
    Integer sig = null;
    if (drmaa == Session.DONE || drmaa == Session.FAILED) {
      if (signal != 0) {
        sig = signal;
      } else if (!(state.equals("CANCELLED") && exit == 0)) {
        // a job cancelled before it ran leaves 0: it never exited, it was aborted
        code = exit;
      }
    }
    return new JobStatus(id, state, drmaa, reason, code, sig, user, workDir);
  }
}
