package org.virtualservices.core.rm;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandRunner;

/**
 * {@link PbsVariableList} read from {@code qstat -f JOBID}, whose {@code Variable_List} line is the
 * job attribute described in pbs_job_attributes(7B)
 * (https://manpages.ubuntu.com/manpages/trusty/man7/pbs_job_attributes.7B.html). qstat folds long
 * attributes onto continuation lines that start with a tab; values may hold escaped commas.
 */
public final class QstatVariableList implements PbsVariableList {

  private final CommandRunner runner;
  private final String qstat;
  /** The last job asked and its output: the prologue reads both its variables and its ctime once. */
  private String lastJob;
  private String lastOutput;

  public QstatVariableList(CommandRunner runner, String qstat) {
    this.runner = runner;
    this.qstat = qstat;
  }

  @Override
  public Map<String, String> read(String jobId) {
    return parseQstat(ask(jobId));
  }

  @Override
  public String instance(String jobId) {
    return parseCtime(ask(jobId));
  }

  private synchronized String ask(String jobId) {
    if (!jobId.equals(lastJob)) {
      lastOutput = runner.check(Command.of(qstat, "-f", jobId).withTimeout(Duration.ofSeconds(60))).stdout();
      lastJob = jobId;
    }
    return lastOutput;
  }

  /**
   * The job's {@code ctime} (its creation time, which the server sets: pbs_job_attributes(7B)),
   * spaces collapsed; empty when there is none. Variable values are the user's: a second
   * {@code ctime} line (a value holding a newline) is refused rather than chosen from.
   */
  public static String parseCtime(String output) {
    String found = null;
    for (String line : output.split("\n", -1)) {
      String s = line.strip();
      int eq = s.indexOf('=');
      if (eq > 0 && s.substring(0, eq).strip().equals("ctime")) {
        if (found != null) {
          throw new org.virtualservices.core.request.RequestException("qstat -f",
              "'ctime' appears more than once in the job's record (in a variable's value?)");
        }
        found = s.substring(eq + 1).strip().replaceAll("\\s+", " ");
      }
    }
    if (found != null && !found.matches("[A-Za-z0-9:./ -]{1,64}")) {
      throw new IllegalStateException("qstat -f gave ctime '" + found.replaceAll("\\p{Cntrl}", "?") + "', not a time");
    }
    return found == null ? "" : found;
  }

  /** The variables in {@code qstat -f} output; empty when it has no Variable_List. */
  public static Map<String, String> parseQstat(String output) {
    StringBuilder joined = new StringBuilder();
    for (String line : output.split("\n", -1)) {
      if (line.startsWith("\t")) {
        joined.append(line.substring(1)); // a folded attribute goes on where it stopped
      } else {
        joined.append('\n').append(line);
      }
    }
    for (String line : joined.toString().split("\n")) {
      String s = line.strip();
      if (s.startsWith("Variable_List")) {
        int eq = s.indexOf('=');
        if (eq > 0 && s.substring(0, eq).strip().equals("Variable_List")) {
          return parseList(s.substring(eq + 1).strip());
        }
      }
    }
    return Map.of();
  }

  /** {@code A=1,B=x\,y} as A -> 1, B -> "x,y"; an item without '=' gets an empty value. */
  public static Map<String, String> parseList(String list) {
    Map<String, String> vars = new LinkedHashMap<>();
    StringBuilder item = new StringBuilder();
    for (int i = 0; i <= list.length(); i++) {
      char c = i < list.length() ? list.charAt(i) : ',';
      if (c == '\\' && i + 1 < list.length()) {
        item.append(list.charAt(++i));
      } else if (c == ',') {
        String s = item.toString();
        if (!s.isEmpty()) {
          int eq = s.indexOf('=');
          vars.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
        }
        item.setLength(0);
      } else {
        item.append(c);
      }
    }
    return vars;
  }
}
