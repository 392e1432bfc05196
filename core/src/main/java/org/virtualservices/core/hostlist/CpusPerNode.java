package org.virtualservices.core.hostlist;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtualservices.core.request.RequestException;

/**
 * Expands Slurm's run-length CPU counts, {@code SLURM_JOB_CPUS_PER_NODE=2(x3),1} meaning 2, 2, 2, 1
 * (https://slurm.schedmd.com/prolog_epilog.html, sbatch(1) "OUTPUT ENVIRONMENT VARIABLES").
 */
public final class CpusPerNode {

  /** The variable named in errors when the caller does not give one. */
  public static final String DEFAULT_FIELD = "SLURM_JOB_CPUS_PER_NODE";

  private static final Pattern ITEM = Pattern.compile("([0-9]{1,9})(?:\\(x([0-9]{1,9})\\))?");

  private CpusPerNode() {
  }

  /** Expands {@code spec} and checks that it covers exactly {@code nodeCount} nodes. */
  public static List<Integer> expand(String spec, int nodeCount) {
    return expand(DEFAULT_FIELD, spec, nodeCount);
  }

  public static List<Integer> expand(String field, String spec, int nodeCount) {
    if (spec == null || spec.isBlank()) {
      throw new RequestException(field, "empty CPU count list");
    }
    List<Integer> cpus = new ArrayList<>();
    for (String item : spec.split(",", -1)) {
      Matcher m = ITEM.matcher(item.strip());
      if (!m.matches()) {
        throw new RequestException(field, "invalid item '" + item + "' in '" + spec + "' (expected N or N(xK))");
      }
      int count = Integer.parseInt(m.group(1));
      int repeat = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
      if (count < 1 || repeat < 1) {
        throw new RequestException(field, "zero in '" + item + "' of '" + spec + "'");
      }
      if ((long) cpus.size() + repeat > nodeCount) {
        throw new RequestException(field, "'" + spec + "' describes more than the job's " + nodeCount + " nodes");
      }
      for (int i = 0; i < repeat; i++) {
        cpus.add(count);
      }
    }
    if (cpus.size() != nodeCount) {
      throw new RequestException(field, "'" + spec + "' describes " + cpus.size() + " nodes, the job has " + nodeCount);
    }
    return List.copyOf(cpus);
  }
}
