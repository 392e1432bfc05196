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
import org.ggf.drmaa.InvalidAttributeFormatException;
import org.ggf.drmaa.InvalidJobTemplateException;
import org.ggf.drmaa.JobTemplate;
import org.ggf.drmaa.Session;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.ready.Sleeper;

/**
 * The DRMAA session for PBS (Torque and PBS Pro/OpenPBS): qsub, {@code qstat -f}, qdel. Only pure
 * pieces here; the base class runs them. Both dialects print {@code qstat -f} alike
 * ({@code Job Id: ID} then indented {@code key = value}, long values folded); they differ in the
 * exit attribute's case (Torque {@code exit_status}, PBS Pro {@code Exit_status}), the finished
 * state (Torque C, kept for keep_completed; PBS Pro F, shown by {@code qstat -x}) and where the
 * working folder is ({@code init_work_dir}, or {@code PBS_O_WORKDIR} in the variable list).
 */
public final class PbsSession extends GridSession {

  /**
   * Every job state letter of Torque 6 and PBS Pro 2021 and its DRMAA state. Ended jobs (C, F, X)
   * are DONE or FAILED by their exit status ({@link #ended}); held ones by their Hold_Types.
   * Torque: http://docs.adaptivecomputing.com/torque/6-1-2/adminGuide/torque.htm#topics/torque/commands/qstat.htm
   * PBS Pro: https://help.altair.com/2022.1.0/PBS%20Professional/PBSReferenceGuide2022.1.pdf ("Job States")
   */
  static final Map<String, Integer> STATES = Map.ofEntries(
      Map.entry("B", Session.RUNNING),          // PBS Pro: an array job has begun
      Map.entry("C", Session.DONE),             // Torque: completed
      Map.entry("E", Session.RUNNING),          // exiting after having run
      Map.entry("F", Session.DONE),             // PBS Pro: finished
      Map.entry("H", Session.USER_ON_HOLD),     // held (which hold: Hold_Types)
      Map.entry("M", Session.UNDETERMINED),     // PBS Pro: moved to another server
      Map.entry("Q", Session.QUEUED_ACTIVE),    // queued, eligible to run
      Map.entry("R", Session.RUNNING),
      Map.entry("S", Session.SYSTEM_SUSPENDED), // suspended by the server or an admin
      Map.entry("T", Session.QUEUED_ACTIVE),    // in transit to a new location
      Map.entry("U", Session.SYSTEM_SUSPENDED), // PBS Pro: suspended, its workstation busy
      Map.entry("W", Session.QUEUED_ACTIVE),    // waiting for its execution time
      Map.entry("X", Session.DONE));            // PBS Pro: a subjob has finished

  private final String qsub;
  private final String qstat;
  private final String qdel;

  public PbsSession(CommandRunner runner, Clock clock, Sleeper sleeper, Duration poll, Duration commandTimeout,
      String qsub, String qstat, String qdel, String user) {
    super("PBS", user, runner, clock, sleeper, poll, commandTimeout);
    this.qsub = qsub;
    this.qstat = qstat;
    this.qdel = qdel;
  }

  /**
   * qsub's options; the working folder goes as Torque's {@code -d} and script arguments as
   * Torque's {@code -F} (PBS Pro has neither: leave them unset there).
   */
  @Override
  protected List<String> submitCommand(JobTemplate t) throws DrmaaException {
    List<String> argv = new ArrayList<>(List.of(qsub));
    if (t.getJobName() != null) {
      argv.addAll(List.of("-N", t.getJobName()));
    }
    if (t.getWorkingDirectory() != null) {
      argv.addAll(List.of("-d", t.getWorkingDirectory()));
    }
    if (t.getOutputPath() != null) {
      argv.addAll(List.of("-o", localPath(t.getOutputPath())));
    }
    if (t.getJoinFiles()) {
      argv.addAll(List.of("-j", "oe"));
    } else if (t.getErrorPath() != null) {
      argv.addAll(List.of("-e", localPath(t.getErrorPath())));
    }
    if (t.getJobSubmissionState() == JobTemplate.HOLD_STATE) {
      argv.add("-h");
    }
    try {
      argv.addAll(NativeWords.split(t.getNativeSpecification()));
    } catch (IllegalArgumentException e) {
      throw new InvalidAttributeFormatException(e.getMessage());
    }
    List<String> args = new ArrayList<>();
    if (t.getArgs() != null) {
      for (Object a : t.getArgs()) {
        String s = String.valueOf(a);
        if (s.isEmpty() || s.matches(".*\\s.*")) {
          throw new InvalidJobTemplateException("script argument '" + s + "': qsub -F splits at blanks, so an"
              + " argument may be neither empty nor hold one");
        }
        args.add(s);
      }
    }
    if (!args.isEmpty()) {
      argv.addAll(List.of("-F", String.join(" ", args)));
    }
    argv.add(t.getRemoteCommand());
    return argv;
  }

  /** qsub prints the job id ({@code 123.server}, {@code 123[].server} for arrays) on its last line. */
  @Override
  public String parseJobId(String stdout) {
    String last = "";
    for (String line : stdout.split("\n")) {
      if (!line.isBlank()) {
        last = line.strip();
      }
    }
    if (!last.matches("[0-9]+(\\[[0-9]*\\])?(\\.[A-Za-z0-9._-]+)?")) {
      throw new IllegalArgumentException("no job id in qsub's output '" + stdout.strip() + "'");
    }
    return last;
  }

  @Override
  protected List<String> statusCommand(Collection<String> ids) {
    List<String> argv = new ArrayList<>(List.of(qstat, "-f"));
    argv.addAll(ids);
    return argv;
  }

  @Override
  protected Map<String, JobStatus> parseStatus(String stdout) {
    return parseQstat(stdout);
  }

  /** Torque says "qstat: Unknown Job Id Error ID", PBS Pro "qstat: Unknown Job Id ID". */
  @Override
  protected boolean saysUnknownJob(CommandResult r) {
    return r.stderr().contains("Unknown Job Id");
  }

  @Override
  protected List<String> killCommand(String id) {
    return List.of(qdel, id);
  }

  /** PBS Pro keeps finished jobs for {@code qstat -x}; Torque has no history there (its -x is XML: nothing parses). */
  @Override
  protected Optional<List<String>> historyCommand(String id) {
    return Optional.of(List.of(qstat, "-x", "-f", id));
  }

  /**
   * Every job of a {@code qstat -f} output. Attributes are {@code "    key = value"}; a longer
   * value is folded onto lines that start with a tab (Torque) or deeper indentation (PBS Pro), to
   * be joined without anything in between.
   */
  public static Map<String, JobStatus> parseQstat(String stdout) {
    Map<String, JobStatus> jobs = new LinkedHashMap<>();
    String id = null;
    Map<String, String> attrs = new LinkedHashMap<>();
    String key = null;
    for (String line : stdout.split("\n")) {
      if (line.startsWith("Job Id:")) {
        if (id != null) {
          jobs.put(id, job(id, attrs));
        }
        id = line.substring("Job Id:".length()).strip();
        attrs = new LinkedHashMap<>();
        key = null;
      } else if (id != null && line.matches(" {4}[^ \t].* = .*|    [^ \t]+ =$")) {
        int eq = line.indexOf(" = ");
        key = eq < 0 ? line.strip().replace(" =", "") : line.substring(4, eq);
        attrs.put(key, eq < 0 ? "" : line.substring(eq + 3));
      } else if (id != null && key != null && (line.startsWith("\t") || line.startsWith("     "))) {
        attrs.merge(key, line.strip(), String::concat);
      }
    }
    if (id != null) {
      jobs.put(id, job(id, attrs));
    }
    return jobs;
  }

  private static JobStatus job(String id, Map<String, String> a) {
    String state = a.getOrDefault("job_state", "").strip();
    String owner = a.getOrDefault("Job_Owner", "");
    String user = owner.contains("@") ? owner.substring(0, owner.indexOf('@')) : owner;
    String workDir = a.getOrDefault("init_work_dir", variable(a.getOrDefault("Variable_List", ""), "PBS_O_WORKDIR"));
    String exit = a.containsKey("exit_status") ? a.get("exit_status") : a.get("Exit_status");
    String reason = a.getOrDefault("comment", "");
    if (state.equals("H")) {
      return new JobStatus(id, state, held(a.getOrDefault("Hold_Types", "u")), reason, null, null, user, workDir);
    }
    int drmaa = STATES.getOrDefault(state, Session.UNDETERMINED);
    if (drmaa == Session.DONE) {
      return ended(id, state, reason, exit, user, workDir);
    }
    return new JobStatus(id, state, drmaa, reason, null, null, user, workDir);
  }

  /**
   * An ended job by its exit status: 0 DONE; 1-255 the script's own code, FAILED; above 256 a
   * signal (256 + signal, both dialects); negative, PBS's JOB_EXEC_* codes: it never ran (aborted).
   */
  static JobStatus ended(String id, String state, String reason, String exit, String user, String workDir) {
    if (exit == null || !exit.strip().matches("-?[0-9]+")) {
      return new JobStatus(id, state, Session.FAILED, reason, null, null, user, workDir);
    }
    int code = Integer.parseInt(exit.strip());
    if (code == 0) {
      return new JobStatus(id, state, Session.DONE, reason, 0, null, user, workDir);
    }
    if (code > 256) {
      return new JobStatus(id, state, Session.FAILED, reason, null, code - 256, user, workDir);
    }
    if (code < 0) {
      return new JobStatus(id, state, Session.FAILED, reason + (reason.isEmpty() ? "" : "; ") + "exit_status " + code,
          null, null, user, workDir);
    }
    return new JobStatus(id, state, Session.FAILED, reason, code, null, user, workDir);
  }

  /** Hold_Types letters: u user; s system, o operator, p bad password (the system's side); both: USER_SYSTEM. */
  static int held(String types) {
    boolean byUser = types.contains("u");
    boolean bySystem = types.matches(".*[osp].*");
    if (byUser && bySystem) {
      return Session.USER_SYSTEM_ON_HOLD;
    }
    return bySystem ? Session.SYSTEM_ON_HOLD : Session.USER_ON_HOLD;
  }

  /** One variable of a qstat Variable_List ({@code A=1,B=2}; a comma in a value is escaped as \,). */
  static String variable(String list, String name) {
    for (String item : list.split("(?<!\\\\),")) {
      if (item.startsWith(name + "=")) {
        return item.substring(name.length() + 1).replace("\\,", ",");
      }
    }
    return "";
  }
}
