package org.virtualservices.core.log;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.time.Clock;
import java.time.Duration;
import java.util.ResourceBundle;
import org.virtualservices.core.files.PrivateFiles;

/**
 * The hooks' log: one line per state change, each prefixed with the program, the job id and the
 * node, to stderr (which slurmd keeps in its log) and to the job's log file in the state folder.
 * DEBUG lines (each external command) appear when the site or the caller asks for them.
 *
 * <p>One call is one line, whatever it is given: every control character of the message (a
 * newline in a job comment, an escape sequence in a user name) is written escaped ({@link Shown}),
 * and a message is cut after {@value #MAX_MESSAGE_CHARS} characters, so no value a user controls
 * can forge a line of this log or of slurmd's.
 *
 * <p>The call's last line is its outcome, in JSON ({@link OutcomeRecord}): the only line that does
 * not begin with its time.
 */
public final class JobLog implements System.Logger {

  /** The longest message a line holds; callers cut values far shorter ({@link Shown#value}). */
  public static final int MAX_MESSAGE_CHARS = 2000;

  private final String program;
  private final PrintStream err;
  private final Clock clock;
  private final Level threshold;
  private volatile String job = "-";
  private volatile String node = "-";
  private volatile Path file;
  private final OutcomeRecord outcome;
  private boolean outcomeWritten;

  public JobLog(String program, PrintStream err, Clock clock, boolean debug) {
    this(program, program.replaceFirst("^vcluster-", ""), err, clock, debug);
  }

  /** @param hook the outcome line's "hook": "prolog", "epilog", "sweep" */
  public JobLog(String program, String hook, PrintStream err, Clock clock, boolean debug) {
    this.outcome = new OutcomeRecord(hook);
    this.program = program;
    this.err = err;
    this.clock = clock;
    this.threshold = debug ? Level.DEBUG : Level.INFO;
  }

  /** From now on, lines name this job and node and also go to {@code file} (made root-only). */
  public void attach(String jobId, String nodeName, Path logFile) {
    this.job = jobId;
    this.node = nodeName;
    this.file = logFile;
    outcome.arm();
  }

  /** This call's outcome, which the hook fills in as it goes. */
  public OutcomeRecord outcome() {
    return outcome;
  }

  /**
   * An ERROR line that says why the hook failed, and the outcome line's error (with {@code code},
   * one of docs/hooks.md's "The outcome line"), unless an earlier failure decided it.
   */
  public void failed(String code, String format, Object... args) {
    String message = args.length == 0 ? format : formatted(format, args);
    outcome.error(code, message);
    write(Level.ERROR, message);
  }

  /**
   * Writes the outcome line, once per call and only when the call took up a job or failed (a job
   * without a request leaves no line): to stderr and, once a job is attached, its log file.
   */
  public synchronized void writeOutcome(int exit, Duration took) {
    if (outcomeWritten || !outcome.armed()) {
      return;
    }
    outcomeWritten = true;
    String line = outcome.json(clock.instant(), "-".equals(job) ? null : job, "-".equals(node) ? null : node, exit,
        took);
    err.println(line);
    Path f = file;
    if (f != null) {
      append(f, line + "\n");
    }
  }

  public void info(String format, Object... args) {
    log(Level.INFO, format, args);
  }

  public void warn(String format, Object... args) {
    log(Level.WARNING, format, args);
  }

  public void error(String format, Object... args) {
    log(Level.ERROR, format, args);
  }

  public void debug(String format, Object... args) {
    log(Level.DEBUG, format, args);
  }

  @Override
  public String getName() {
    return program;
  }

  @Override
  public boolean isLoggable(Level level) {
    return level.getSeverity() >= threshold.getSeverity();
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
    if (isLoggable(level)) {
      write(level, thrown == null ? msg : msg + ": " + thrown);
    }
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String format, Object... params) {
    if (isLoggable(level)) {
      write(level, params == null || params.length == 0 ? format : formatted(format, params));
    }
  }

  /** The message; a format that MessageFormat cannot read is written as it is, with its arguments. */
  private static String formatted(String format, Object[] params) {
    try {
      return MessageFormat.format(format, plain(params));
    } catch (IllegalArgumentException e) {
      return format + " " + java.util.Arrays.toString(params);
    }
  }

  /**
   * Whole numbers as their digits: MessageFormat would group them by the locale ("VNI 4,099"),
   * and the log's numbers (VNIs, job ids, counts) are identifiers that people and scripts grep for.
   */
  static Object[] plain(Object[] params) {
    Object[] out = params.clone();
    for (int i = 0; i < out.length; i++) {
      if (out[i] instanceof Integer || out[i] instanceof Long || out[i] instanceof Short
          || out[i] instanceof Byte) {
        out[i] = String.valueOf(out[i]);
      }
    }
    return out;
  }

  /**
   * An unexpected failure's stack, for the admin: in the job's log file only, one DEBUG line per
   * frame (stderr, slurmd's log, gets the one line that says what failed). Nothing when no file is
   * attached yet.
   */
  public void stack(Throwable t) {
    Path f = file;
    if (f == null) {
      return;
    }
    StringBuilder lines = new StringBuilder();
    int frames = 0;
    // by hand, not printStackTrace: a message may hold a user's newlines, and the frames are what matter
    for (Throwable c = t; c != null && frames < 200; c = c.getCause() == c ? null : c.getCause()) {
      lines.append(line(Level.DEBUG, (c == t ? "" : "caused by: ") + c)).append('\n');
      for (StackTraceElement e : c.getStackTrace()) {
        if (frames++ >= 200) {
          break;
        }
        lines.append(line(Level.DEBUG, "    at " + e)).append('\n');
      }
    }
    synchronized (this) {
      append(f, lines.toString());
    }
  }

  private String line(Level level, String message) {
    return clock.instant() + " " + program + "[" + Shown.escaped(job) + "] " + Shown.escaped(node) + " "
        + level.getName() + ": " + Shown.line(message, MAX_MESSAGE_CHARS);
  }

  private synchronized void write(Level level, String message) {
    String line = line(level, message);
    err.println(line);
    Path f = file;
    if (f != null) {
      append(f, line + "\n");
    }
  }

  private void append(Path f, String lines) {
    try {
      PrivateFiles.folders(f.getParent());
      PrivateFiles.append(f, lines);
    } catch (IOException e) {
      err.println(program + "[" + Shown.escaped(job) + "] cannot write log " + Shown.escaped(f.toString()) + ": "
          + Shown.line(e.getMessage(), 200));
      file = null;
    }
  }
}
