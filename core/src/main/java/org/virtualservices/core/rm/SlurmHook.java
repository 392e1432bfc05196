package org.virtualservices.core.rm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.virtualservices.core.hostlist.CpusPerNode;
import org.virtualservices.core.hostlist.Hostlist;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.HookPhase;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.RequestParser;
import org.virtualservices.core.request.RequestParser.Field;
import org.virtualservices.core.request.RequestParser.Key;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

/**
 * Reads a Slurm Prolog/Epilog call from its environment (Slurm 22.05 as packaged by Debian: no
 * arguments, no PATH; https://slurm.schedmd.com/prolog_epilog.html lists the variables). The job's
 * own {@code --export} variables do not reach these hooks, so a request comes from one of two
 * channels, in this order:
 * <ol>
 *   <li>{@code SPANK_VC_IMAGE}, {@code SPANK_VC_VCPUS}, {@code SPANK_VC_MEM}, {@code SPANK_VC_VMS}, {@code SPANK_VC_MOUNT},
 *       {@code SPANK_VC_CHECKPOINT}, {@code SPANK_VC_SAVE}, {@code SPANK_VC_RESTORE},
 *       set by our SPANK plugin with {@code spank_job_control_setenv} from {@code --vc-*} options;
 *       when any of them is set the comment is not read; other {@code SPANK_VC_*} names are
 *       ignored, so that a newer plugin does not break an older prolog;</li>
 *   <li>the job comment, {@code SLURM_JOB_COMMENT}, with a {@code vc:} part (see
 *       {@link RequestParser#fromComment}).</li>
 * </ol>
 * A job with no request costs nothing: nothing else in the environment is checked and reading never
 * fails; its {@link JobContext} holds what could be read (-1 for an unreadable uid or gid). With a
 * request every fact the boot needs is checked, and a missing or contradictory one is a
 * {@link RequestException} naming the variable.
 */
public final class SlurmHook {

  /** Channel names kept in {@link VcRequest#channel()}. */
  public static final String CHANNEL_SPANK = "SPANK options";
  public static final String CHANNEL_COMMENT = "--comment";

  private static final String SPANK_PREFIX = "SPANK_VC_";

  private SlurmHook() {
  }

  /**
   * Reads the call.
   *
   * @param phase the hook that runs (the prolog and the epilog are separate programs and know it);
   *     with a request, {@code SLURM_SCRIPT_CONTEXT} must agree when it is set
   * @param env the hook's environment
   */
  public static HookInvocation read(HookPhase phase, Map<String, String> env) {
    Optional<VcRequest> request;
    try {
      request = request(env);
    } catch (RequestException e) {
      // the user's typo: the job is read as for any request, so its user can be told
      return new HookInvocation(phase, strictContext(phase, env), Optional.empty(), Optional.of(e));
    }
    JobContext job = request.isPresent() ? strictContext(phase, env) : lenientContext(env);
    return new HookInvocation(phase, job, request);
  }

  /**
   * Whether the job asks for a virtual cluster at all, readable or not: a {@code SPANK_VC_*}
   * variable, or a {@code vc:} part in the comment. Never fails: a plain job costs this look.
   */
  public static boolean asks(Map<String, String> env) {
    try {
      return request(env).isPresent();
    } catch (RequestException e) {
      return true;
    }
  }

  /** The request alone, from the SPANK variables or else the comment; empty for a plain job. */
  public static Optional<VcRequest> request(Map<String, String> env) {
    List<Field> spank = new ArrayList<>();
    addSpank(env, "IMAGE", Key.IMAGE, "vc-image", spank);
    addSpank(env, "VCPUS", Key.VCPUS, "vc-vcpus", spank);
    addSpank(env, "MEM", Key.MEM, "vc-mem", spank);
    addSpank(env, "VMS", Key.VMS, "vc-vms", spank);
    addSpank(env, "MOUNT", Key.MOUNTS, "vc-mount", spank);
    addSpank(env, "CHECKPOINT", Key.CHECKPOINT, "vc-checkpoint", spank);
    addSpank(env, "SAVE", Key.SAVE, "vc-save", spank);
    addSpank(env, "RESTORE", Key.RESTORE, "vc-restore", spank);
    if (!spank.isEmpty()) {
      return Optional.of(RequestParser.parse(spank, CHANNEL_SPANK));
    }
    return RequestParser.fromComment("comment", env.get("SLURM_JOB_COMMENT"), CHANNEL_COMMENT);
  }

  private static void addSpank(Map<String, String> env, String suffix, Key key, String option, List<Field> out) {
    String value = env.get(SPANK_PREFIX + suffix);
    if (value != null) {
      // the user typed --vc-mem, so that is the name an error should use
      out.add(new Field(key, option, value));
    }
  }

  private static JobContext strictContext(HookPhase phase, Map<String, String> env) {
    String context = env.get("SLURM_SCRIPT_CONTEXT");
    if (context != null) {
      String expected = phase == HookPhase.PROLOG ? "prolog_slurmd" : "epilog_slurmd";
      if (!context.equals(expected)) {
        throw new RequestException("SLURM_SCRIPT_CONTEXT", "'" + context + "' but this is the "
            + phase.name().toLowerCase(java.util.Locale.ROOT) + " (expected '" + expected + "')");
      }
    }
    String jobId = required(env, "SLURM_JOB_ID");
    if (!jobId.matches("[1-9][0-9]{0,9}")) {
      throw new RequestException("SLURM_JOB_ID", "'" + jobId + "' is not a job id (expected digits)");
    }
    String listVar = nodeListVariable(env);
    List<String> nodes = Hostlist.expand(listVar, required(env, listVar));
    Set<String> distinct = new HashSet<>();
    for (String n : nodes) {
      if (!distinct.add(n)) {
        throw new RequestException(listVar, "node '" + n + "' appears twice in '" + env.get(listVar) + "'");
      }
    }
    String numNodes = env.get("SLURM_JOB_NUM_NODES");
    if (numNodes != null && !numNodes.equals(Integer.toString(nodes.size()))) {
      throw new RequestException("SLURM_JOB_NUM_NODES", "'" + numNodes + "' but " + listVar + " '"
          + env.get(listVar) + "' has " + nodes.size() + " nodes");
    }
    String thisNode = required(env, "SLURMD_NODENAME");
    if (!nodes.contains(thisNode)) {
      throw new RequestException("SLURMD_NODENAME", "'" + thisNode + "' is not in " + listVar + " '"
          + env.get(listVar) + "'");
    }
    String user = required(env, "SLURM_JOB_USER");
    int uid = id(env, "SLURM_JOB_UID");
    int gid = id(env, "SLURM_JOB_GID");
    String cpus = env.get("SLURM_JOB_CPUS_PER_NODE");
    List<Integer> cpusPerNode = cpus == null ? List.of() : CpusPerNode.expand(cpus, nodes.size());
    Path workDir = null;
    String dir = env.get("SLURM_JOB_WORK_DIR");
    if (dir != null && !dir.isEmpty()) {
      workDir = Path.of(dir);
      if (!workDir.isAbsolute()) {
        throw new RequestException("SLURM_JOB_WORK_DIR", "'" + dir + "' is not an absolute path");
      }
    }
    Integer exitCode = null;
    if (phase == HookPhase.EPILOG && env.get("SLURM_JOB_EXIT_CODE") != null) {
      exitCode = integer("SLURM_JOB_EXIT_CODE", env.get("SLURM_JOB_EXIT_CODE"));
    }
    return new JobContext(ResourceManager.SLURM, jobId, user, uid, gid, nodes, thisNode, workDir, cpusPerNode,
        exitCode);
  }

  /** What a plain job's hook can know, read without ever failing. */
  private static JobContext lenientContext(Map<String, String> env) {
    String listVar = nodeListVariable(env);
    List<String> nodes = List.of();
    try {
      nodes = Hostlist.expand(listVar, env.get(listVar));
    } catch (RequestException e) {
      // a plain job does not need its node list
    }
    List<Integer> cpus = List.of();
    try {
      cpus = CpusPerNode.expand(env.get("SLURM_JOB_CPUS_PER_NODE"), nodes.size());
    } catch (RequestException e) {
      // nor its CPU counts
    }
    Path workDir = null;
    try {
      String dir = env.get("SLURM_JOB_WORK_DIR");
      workDir = dir == null || dir.isEmpty() ? null : Path.of(dir);
    } catch (java.nio.file.InvalidPathException e) {
      // nor its working directory
    }
    return new JobContext(ResourceManager.SLURM, env.getOrDefault("SLURM_JOB_ID", ""),
        env.getOrDefault("SLURM_JOB_USER", ""), orMinusOne(env.get("SLURM_JOB_UID")),
        orMinusOne(env.get("SLURM_JOB_GID")), nodes, env.getOrDefault("SLURMD_NODENAME", ""), workDir, cpus,
        tryInteger(env.get("SLURM_JOB_EXIT_CODE")));
  }

  /** Slurm 22.05 sets only SLURM_NODELIST in Prolog/Epilog; later versions add SLURM_JOB_NODELIST. */
  private static String nodeListVariable(Map<String, String> env) {
    String v = env.get("SLURM_JOB_NODELIST");
    return v != null && !v.isEmpty() ? "SLURM_JOB_NODELIST" : "SLURM_NODELIST";
  }

  private static String required(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isEmpty()) {
      throw new RequestException(name, "not set, and a virtual cluster needs it");
    }
    return v;
  }

  private static int id(Map<String, String> env, String name) {
    String v = required(env, name);
    if (!v.matches("[0-9]{1,10}") || Long.parseLong(v) > Integer.MAX_VALUE) {
      throw new RequestException(name, "'" + v + "' is not a numeric id");
    }
    return Integer.parseInt(v);
  }

  private static int integer(String name, String v) {
    Integer i = tryInteger(v);
    if (i == null) {
      throw new RequestException(name, "'" + v + "' is not a number");
    }
    return i;
  }

  private static Integer tryInteger(String v) {
    if (v == null || !v.matches("-?[0-9]{1,10}")) {
      return null;
    }
    long l = Long.parseLong(v);
    return l < Integer.MIN_VALUE || l > Integer.MAX_VALUE ? null : (int) l;
  }

  private static int orMinusOne(String v) {
    Integer i = tryInteger(v);
    return i == null || i < 0 ? -1 : i;
  }
}
