package org.virtualservices.core.rm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * Reads a PBS/Torque prologue or epilogue call. What the scripts get is documented in the Torque
 * Administrator Guide, Appendix G "Script environment"
 * (https://docs.adaptivecomputing.com/torque/6-1-1/adminGuide/Content/topics/torque/13-appendices/scriptEnvironment.htm
 * and, for 4.x, .../torque/4-0-2/Content/topics/12-appendices/scriptEnvironment.htm):
 * <ul>
 *   <li>prologue: $1 job id, $2 user, $3 group, $4 job name, $5 requested resources, $6 queue,
 *       $7 account (6.x adds $8 script path, $9 the job's hosts);</li>
 *   <li>epilogue: $1 job id, $2 user, $3 group, $4 job name, $5 session id, $6 requested
 *       resources, $7 used resources, $8 queue, $9 account, $10 exit code;</li>
 *   <li>"For all scripts, the environment passed to the script is empty": neither the job's
 *       variables nor {@code PBS_NODEFILE} reach the script.</li>
 * </ul>
 * Hence the node list is read from the node file that pbs_mom writes for the job,
 * {@code $PBS_HOME/aux/<jobid>} (one line per slot, mother superior first), or from
 * {@code PBS_NODEFILE} when a site wrapper or another PBS flavour sets it; and the request from
 * {@code VC_IMAGE}, {@code VC_VCPUS}, {@code VC_MEM}, {@code VC_VMS} in the job's variable list
 * ({@code qsub -v}), asked of the server through {@link PbsVariableList}. If the environment does
 * carry any {@code VC_*} variable it is used instead, so a wrapper can pass the list itself.
 * Other {@code VC_*} names are ignored: {@code qsub -V} copies the user's whole environment.
 */
public final class PbsHook {

  /** Channel name kept in {@link VcRequest#channel()}. */
  public static final String CHANNEL = "PBS variable list";

  /** Reads a job's node file; tests pass a map. */
  @FunctionalInterface
  public interface NodeFileReader {
    List<String> read(Path file) throws IOException;
  }

  /** The node file as the real file system has it. */
  public static final NodeFileReader FILES = file -> Files.readAllLines(file, StandardCharsets.UTF_8);

  private final Accounts accounts;
  private final PbsVariableList variables;
  private final NodeFileReader nodeFiles;
  private final Path pbsHome;
  private final String thisNode;

  /**
   * @param pbsHome the MOM's home, e.g. {@code /var/spool/torque}, holding {@code aux/<jobid>}
   * @param thisNode this host's name as the node file spells it
   */
  public PbsHook(Accounts accounts, PbsVariableList variables, NodeFileReader nodeFiles, Path pbsHome,
      String thisNode) {
    this.accounts = accounts;
    this.variables = variables;
    this.nodeFiles = nodeFiles;
    this.pbsHome = pbsHome;
    this.thisNode = thisNode;
  }

  /** Reads the call; {@code args} are the script's $1, $2, ... */
  public HookInvocation read(HookPhase phase, List<String> args, Map<String, String> env) {
    String jobId = arg(args, 1, "job id");
    if (!jobId.matches("[0-9]+(\\[[0-9]*\\])?(\\.[A-Za-z0-9.-]+)?")) {
      throw new RequestException("$1", "'" + jobId + "' is not a PBS job id (expected e.g. 123 or 123.server)");
    }
    Map<String, String> vars;
    boolean unknown = false;
    try {
      vars = variables(env, jobId);
    } catch (RuntimeException e) {
      if (phase != HookPhase.EPILOG) {
        throw e;
      }
      // the epilogue must tear down even when the server cannot say what the job asked for (it is
      // down, say): the nodes' journals can, so the job is read as far as the node file goes
      vars = Map.of();
      unknown = true;
    }
    Optional<VcRequest> request;
    Optional<RequestException> refused = Optional.empty();
    try {
      request = fromVariables(vars);
    } catch (RequestException e) {
      // the user's typo in the variable list: the job is read on, so its user can be told
      request = Optional.empty();
      refused = Optional.of(e);
    }
    if (request.isEmpty() && refused.isEmpty() && !unknown) {
      return new HookInvocation(phase, lenientContext(phase, args, jobId), request);
    }
    String user = arg(args, 2, "user name");
    String group = arg(args, 3, "group name");
    int uid = accounts.uid(user).orElseThrow(() -> new RequestException("$2", "user '" + user + "' is unknown here"));
    int gid = accounts.gid(group).orElseThrow(() -> new RequestException("$3", "group '" + group + "' is unknown here"));
    Path nodeFile = nodeFile(env, jobId);
    String fileField = env.containsKey("PBS_NODEFILE") ? "PBS_NODEFILE" : "node file";
    List<String> lines;
    try {
      lines = nodeFiles.read(nodeFile);
    } catch (IOException e) {
      throw new RequestException(fileField, "cannot read " + nodeFile + ": " + e.getMessage());
    }
    Map<String, Integer> slots = slots(lines);
    if (slots.isEmpty()) {
      throw new RequestException(fileField, nodeFile + " lists no nodes");
    }
    List<String> nodes = new ArrayList<>(slots.keySet());
    String here = findThisNode(nodes);
    if (here == null) {
      throw new RequestException("hostname", "this host '" + thisNode + "' is not in " + nodeFile + " " + nodes);
    }
    Integer exitCode = null;
    if (phase == HookPhase.EPILOG && args.size() >= 10) {
      String code = args.get(9);
      if (!code.matches("-?[0-9]{1,9}")) {
        throw new RequestException("$10", "exit code '" + code + "' is not a number");
      }
      exitCode = Integer.parseInt(code);
    }
    // qsub records the folder it ran in as PBS_O_WORKDIR: where the user looks for the report
    String workDir = vars.get("PBS_O_WORKDIR");
    Path work = workDir != null && workDir.startsWith("/") && !workDir.contains("\0") ? Path.of(workDir) : null;
    JobContext job = new JobContext(ResourceManager.PBS, jobId, user, uid, gid, nodes, here, work,
        new ArrayList<>(slots.values()), exitCode);
    if (phase == HookPhase.PROLOG && request.isPresent()) {
      // the job's keys depend on it: the same qstat -f that gave the variables gives the ctime
      job = job.withAllocation(variables.instance(jobId), List.of());
    }
    return new HookInvocation(phase, job, request, refused);
  }

  /** The request from VC_* in the environment if any is there, else from the job's variable list. */
  public Optional<VcRequest> request(Map<String, String> env, String jobId) {
    return fromVariables(variables(env, jobId));
  }

  /** The environment when it carries VC_* (a site's own wrapper may pass them), else the job's variable list. */
  private Map<String, String> variables(Map<String, String> env, String jobId) {
    // by the names alone: a bad value there is the user's typo, told once the job is read
    boolean inEnv = java.util.Arrays.stream(Key.values())
        .anyMatch(k -> env.containsKey("VC_" + k.word().toUpperCase(java.util.Locale.ROOT)));
    return inEnv ? env : variables.read(jobId);
  }

  /** Parses VC_IMAGE, VC_VCPUS, VC_MEM, VC_VMS from a variable map; empty when none is set. */
  public static Optional<VcRequest> fromVariables(Map<String, String> vars) {
    List<Field> fields = new ArrayList<>();
    for (Key k : Key.values()) {
      String name = "VC_" + k.word().toUpperCase(java.util.Locale.ROOT);
      if (vars.containsKey(name)) {
        fields.add(new Field(k, name, vars.get(name)));
      }
    }
    return fields.isEmpty() ? Optional.empty() : Optional.of(RequestParser.parse(fields, CHANNEL));
  }

  /** Distinct nodes in first-seen order, each with its number of lines (slots, i.e. CPUs). */
  public static Map<String, Integer> slots(List<String> lines) {
    Map<String, Integer> slots = new LinkedHashMap<>();
    for (String line : lines) {
      String node = line.strip();
      if (!node.isEmpty()) {
        slots.merge(node, 1, Integer::sum);
      }
    }
    return slots;
  }

  private Path nodeFile(Map<String, String> env, String jobId) {
    String f = env.get("PBS_NODEFILE");
    return f != null && !f.isEmpty() ? Path.of(f) : pbsHome.resolve("aux").resolve(jobId);
  }

  /** This host as the node file spells it: the exact name, else the same short name. */
  private String findThisNode(List<String> nodes) {
    if (thisNode == null || thisNode.isEmpty()) {
      return null;
    }
    if (nodes.contains(thisNode)) {
      return thisNode;
    }
    String shortName = shortName(thisNode);
    for (String n : nodes) {
      if (shortName(n).equals(shortName)) {
        return n;
      }
    }
    return null;
  }

  private static String shortName(String host) {
    int dot = host.indexOf('.');
    return dot < 0 ? host : host.substring(0, dot);
  }

  /** A plain job: what the arguments say, never failing, with no lookups. */
  private static JobContext lenientContext(HookPhase phase, List<String> args, String jobId) {
    Integer exitCode = null;
    if (phase == HookPhase.EPILOG && args.size() >= 10 && args.get(9).matches("-?[0-9]{1,9}")) {
      exitCode = Integer.parseInt(args.get(9));
    }
    return new JobContext(ResourceManager.PBS, jobId, args.size() >= 2 ? args.get(1) : "", -1, -1, List.of(), "",
        null, List.of(), exitCode);
  }

  private static String arg(List<String> args, int position, String what) {
    if (args.size() < position || args.get(position - 1).isEmpty()) {
      throw new RequestException("$" + position, "missing " + what + " (PBS passes it as argument " + position + ")");
    }
    return args.get(position - 1);
  }
}
