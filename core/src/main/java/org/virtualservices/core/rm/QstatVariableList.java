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

  public QstatVariableList(CommandRunner runner, String qstat) {
    this.runner = runner;
    this.qstat = qstat;
  }

  @Override
  public Map<String, String> read(String jobId) {
    String out = runner.check(Command.of(qstat, "-f", jobId).withTimeout(Duration.ofSeconds(60))).stdout();
    return parseQstat(out);
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
