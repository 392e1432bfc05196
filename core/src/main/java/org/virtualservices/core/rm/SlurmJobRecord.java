package org.virtualservices.core.rm;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtualservices.core.hostlist.Hostlist;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.request.RequestException;

/**
 * What the Slurm controller records of a job that its Prolog environment lacks (Slurm 22.05 gives
 * the Prolog neither the job's memory nor a time: src/plugins/prep/script/prep_script_slurmd.c
 * {@code _build_env}), read from {@code scontrol show job --oneliner ID} run with
 * {@code SLURM_TIME_FORMAT=%s} (times as seconds since the epoch, whatever the node's time zone).
 *
 * <p>The record is one line of {@code Key=Value} words (src/api/job_info.c
 * {@code slurm_sprint_job_info}), and some values are the user's own text (the job's name, its
 * comment, its command), which may hold {@code MinMemoryNode=999G} or a newline. So every key read
 * here must occur exactly once in the whole output: a forged one makes it twice, and the record is
 * refused rather than guessed at.
 *
 * @param jobId the job id, as the record's first word says
 * @param uid the owner's uid ({@code UserId=name(uid)})
 * @param submitTime {@code SubmitTime}, seconds since the epoch (or the controller's own format)
 * @param memoryPerNodeMiB {@code MinMemoryNode} in MiB, null when the record gives memory per CPU;
 *     0 when the job asked none (Slurm's "all of the node", or no default)
 * @param memoryPerCpuMiB {@code MinMemoryCPU} in MiB ({@code --mem-per-cpu}), or null
 * @param cpuIds each node's CPU_IDs, Slurm's abstract CPU ids of the job there (the detail groups
 *     {@code Nodes=<hostlist> CPU_IDs=<list>} that {@code --details} adds); empty without them
 * @param restarts how many times Slurm has requeued the job ({@link #restarts}), null when the record
 *     cannot tell it safely
 */
public record SlurmJobRecord(String jobId, int uid, String submitTime, Long memoryPerNodeMiB, Long memoryPerCpuMiB,
    Map<String, String> cpuIds, Integer restarts) {

  public SlurmJobRecord {
    cpuIds = Map.copyOf(cpuIds);
  }

  /** The variable a refusal names: the record comes from the controller, through scontrol. */
  public static final String FIELD = "scontrol show job";

  private static final Pattern MEMORY = Pattern.compile("([0-9]{1,12}(?:\\.[0-9]{1,6})?)([KMGTP]?)");

  /** Parses the record of job {@code jobId}; a missing, repeated or malformed key is refused. */
  public static SlurmJobRecord parse(String jobId, String output) {
    String out = output.strip();
    if (!out.startsWith("JobId=" + jobId + " ")) {
      throw new IllegalStateException("scontrol gave no record of job " + jobId + ": '" + firstWords(out) + "'");
    }
    String user = once(out, "UserId", true);
    Matcher u = Pattern.compile(".*\\(([0-9]{1,10})\\)").matcher(user);
    if (!u.matches() || Long.parseLong(u.group(1)) > Integer.MAX_VALUE) {
      throw new IllegalStateException("job " + jobId + ": scontrol's UserId '" + user + "' has no uid");
    }
    String submit = once(out, "SubmitTime", true);
    if (!submit.matches("[0-9T:-]{1,32}")) {
      throw new IllegalStateException("job " + jobId + ": scontrol's SubmitTime '" + submit + "' is not a time");
    }
    String perNode = once(out, "MinMemoryNode", false);
    String perCpu = once(out, "MinMemoryCPU", false);
    if ((perNode == null) == (perCpu == null)) {
      throw new RequestException(FIELD, "job " + jobId + " has " + (perNode == null ? "neither" : "both")
          + " MinMemoryNode and MinMemoryCPU in its record");
    }
    Integer restarts;
    try {
      restarts = restarts(jobId, out);
    } catch (IllegalStateException e) {
      restarts = null; // only a job that asks for checkpoints needs it, and asks again (the strict message then)
    }
    return new SlurmJobRecord(jobId, Integer.parseInt(u.group(1)), submit,
        perNode == null ? null : mebibytes(perNode), perCpu == null ? null : mebibytes(perCpu), cpuIds(out), restarts);
  }

  private static final Pattern RESTARTS = Pattern.compile("(?:^|\\s)Restarts=([0-9]{1,6})(?=\\s|$)");

  /**
   * How many times Slurm has requeued the job: {@code Restarts=} (src/api/job_info.c), raised when the
   * job is requeued. The word must occur once: a job's name or comment holding {@code Restarts=9}
   * makes it twice, and the record is refused rather than guessed at.
   *
   * @throws IllegalStateException no record of the job, no such word, or the word twice
   */
  public static int restarts(String jobId, String output) {
    String out = output.strip();
    if (!out.startsWith("JobId=" + jobId + " ")) {
      throw new IllegalStateException("scontrol gave no record of job " + jobId);
    }
    Matcher m = RESTARTS.matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("job " + jobId + ": scontrol's record has no Restarts");
    }
    int n = Integer.parseInt(m.group(1));
    if (out.indexOf("Restarts=") != out.lastIndexOf("Restarts=")) {
      throw new IllegalStateException("job " + jobId + ": 'Restarts=' is in the record more than once (in the job's"
          + " name or comment?), so it cannot be read safely");
    }
    return n;
  }

  /**
   * The detail groups {@code Nodes=<hostlist> CPU_IDs=<list>} (src/api/job_info.c
   * {@code slurm_sprint_job_info}, one group per run of nodes with the same CPUs and memory). A
   * user's text can hold such words too (the job's name comes before the groups, its comment after):
   * a CPU_IDs word not right after a Nodes word, or a node named by two groups, refuses the record,
   * since the controller names each node of the job once.
   */
  private static Map<String, String> cpuIds(String out) {
    Map<String, String> ids = new HashMap<>();
    String[] words = out.split("\\s+");
    for (int i = 0; i < words.length; i++) {
      if (!words[i].startsWith("CPU_IDs=")) {
        continue;
      }
      if (i == 0 || !words[i - 1].startsWith("Nodes=")) {
        throw new RequestException(FIELD, "'CPU_IDs=' appears in the job's record outside the controller's node"
            + " groups (in its name, comment or command?), so its CPUs cannot be read safely; submit it without"
            + " that text");
      }
      String value = words[i].substring("CPU_IDs=".length());
      for (String node : Hostlist.expand(FIELD, words[i - 1].substring("Nodes=".length()))) {
        if (ids.put(node, value) != null) {
          throw new RequestException(FIELD, "node " + Shown.value(node) + " has CPU_IDs twice in the job's record"
              + " (in its name, comment or command?), so its CPUs cannot be read safely; submit it without that"
              + " text");
        }
      }
    }
    return ids;
  }

  /** This node's CPU_IDs, when the record has the detail groups. */
  public Optional<String> cpuIdsOf(String node) {
    return Optional.ofNullable(cpuIds.get(node));
  }

  /**
   * The memory the job has on each of its {@code nodeCount} nodes, in MiB, given its CPUs there
   * ({@code SLURM_JOB_CPUS_PER_NODE}, needed for {@code --mem-per-cpu} only); empty when the job
   * asked none ({@code --mem=0} or nothing, without a site default) or its CPUs are unknown.
   */
  public List<Long> memoryPerNode(int nodeCount, List<Integer> cpusPerNode) {
    if (memoryPerNodeMiB == null && cpusPerNode.size() != nodeCount) {
      return List.of();
    }
    List<Long> mem = new ArrayList<>();
    for (int i = 0; i < nodeCount; i++) {
      long m = memoryPerNodeMiB != null ? memoryPerNodeMiB : memoryPerCpuMiB * cpusPerNode.get(i);
      if (m <= 0) {
        return List.of();
      }
      mem.add(m);
    }
    return List.copyOf(mem);
  }

  /**
   * The value of {@code key}, which must be a word of its own ({@code key=} at the start or after a
   * space) and occur once in the whole output, counted as plain text so that no user's text can
   * add one unseen.
   */
  private static String once(String out, String key, boolean required) {
    String needle = key + "=";
    int first = out.indexOf(needle);
    if (first < 0) {
      if (required) {
        throw new IllegalStateException("scontrol's record has no " + key);
      }
      return null;
    }
    if (out.indexOf(needle, first + 1) >= 0) {
      throw new RequestException(FIELD, "'" + needle + "' appears more than once in the job's record (in its name,"
          + " comment or command?), so its " + key + " cannot be read safely; submit it without that text");
    }
    if (first > 0 && out.charAt(first - 1) != ' ') {
      throw new RequestException(FIELD, "'" + needle + "' is part of another word in the job's record (in its name,"
          + " comment or command?); submit it without that text");
    }
    int end = first + needle.length();
    while (end < out.length() && !Character.isWhitespace(out.charAt(end))) {
      end++;
    }
    return out.substring(first + needle.length(), end);
  }

  /** Slurm's memory as scontrol prints it ({@code 0}, {@code 512M}, {@code 2G}, {@code 1.50G}; bare: MiB). */
  static long mebibytes(String v) {
    Matcher m = MEMORY.matcher(v);
    if (!m.matches()) {
      throw new IllegalStateException("scontrol printed memory '" + v + "', not a size");
    }
    int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
      case "K" -> -10;
      case "G" -> 10;
      case "T" -> 20;
      case "P" -> 30;
      default -> 0;
    };
    BigDecimal n = new BigDecimal(m.group(1));
    BigDecimal mib = shift >= 0 ? n.multiply(BigDecimal.valueOf(1L << shift)) : n.divide(BigDecimal.valueOf(1024));
    return mib.longValue();
  }

  private static String firstWords(String out) {
    String s = out.length() > 60 ? out.substring(0, 60) + "..." : out;
    return s.replaceAll("\\p{Cntrl}", "?");
  }
}
