package org.virtualservices.core.log;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.time.Clock;
import java.util.ResourceBundle;
import org.virtualservices.core.files.PrivateFiles;

/**
 * The hooks' log: one line per state change, each prefixed with the program, the job id and the
 * node, to stderr (which slurmd keeps in its log) and to the job's log file in the state folder.
 * DEBUG lines (each external command) appear when the site or the caller asks for them.
 */
public final class JobLog implements System.Logger {

  private final String program;
  private final PrintStream err;
  private final Clock clock;
  private final Level threshold;
  private volatile String job = "-";
  private volatile String node = "-";
  private volatile Path file;

  public JobLog(String program, PrintStream err, Clock clock, boolean debug) {
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
      write(level, params == null || params.length == 0 ? format : MessageFormat.format(format, plain(params)));
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

  private synchronized void write(Level level, String message) {
    String line = clock.instant() + " " + program + "[" + job + "] " + node + " " + level.getName() + ": "
        + message.replace("\n", "\n    ");
    err.println(line);
    Path f = file;
    if (f != null) {
      try {
        PrivateFiles.folders(f.getParent());
        PrivateFiles.append(f, line + "\n");
      } catch (IOException e) {
        err.println(program + "[" + job + "] cannot write log " + f + ": " + e.getMessage());
        file = null;
      }
    }
  }
}
