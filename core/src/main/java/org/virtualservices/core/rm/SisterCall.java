package org.virtualservices.core.rm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.HookPhase;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.RequestParser.Key;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

/**
 * What the mother superior of a PBS job tells a sister node when it runs the per-node hook there
 * over SSH. PBS runs no hook on the sisters and the SSH session has no PBS environment, so
 * everything the sister's plan depends on travels as arguments: the job id, the owner and their
 * ids, the ordered node list with the slots of each node (the plan is a pure function of these and
 * the request, so the sister computes the mother superior's plan), the request's raw
 * {@code VC_*} values, the job's working folder (which its VMs mount, as the mother superior's
 * do: docs/hooks.md, "Host folders"), and the sister's own name as the node file spells it (a
 * node's host name need not match it, and the sister cannot read the mother superior's node file). One class owns
 * both ends of this format: {@link #argv} writes it, {@link #parse} reads it.
 *
 * <pre>PROGRAM --pbs-sister --node N --nodes MS,N,... --slots 2,2,... --uid U --gid G
 *         [--instance CTIME] [--workdir DIR] [--vc-image X] [--vc-vcpus X] [--vc-mem X] [--vc-vms X]
 *         [--vc-mounts X] [--debug] JOBID USER</pre>
 *
 * <p>{@code instance} is the job's ctime as the mother superior read it (the job's keys depend on
 * it: docs/hooks.md, "Keys without communication"); empty when unknown. {@code workDir}: PBS_O_WORKDIR
 * as the mother superior read it; null when it had none.
 */
public record SisterCall(String jobId, String user, int uid, int gid, String node, List<String> nodes,
    List<Integer> slots, Map<String, String> request, String instance, Path workDir) {

  public static final String OPTION = "pbs-sister";
  /** The option that carries the job's working folder. */
  public static final String WORKDIR = "workdir";
  private static final String NODE_NAME = "[A-Za-z0-9][A-Za-z0-9._-]*";

  public SisterCall {
    nodes = List.copyOf(nodes);
    slots = List.copyOf(slots);
    request = Map.copyOf(new LinkedHashMap<>(request));
    instance = instance == null ? "" : instance;
  }

  /** A call without an instance (a job whose ctime the mother superior did not read). */
  public SisterCall(String jobId, String user, int uid, int gid, String node, List<String> nodes,
      List<Integer> slots, Map<String, String> request) {
    this(jobId, user, uid, gid, node, nodes, slots, request, "", null);
  }

  /** The call for each sister of a job the mother superior read; none for a job on one node. */
  public static List<SisterCall> forSisters(JobContext job, VcRequest vc) {
    return forSisters(job, Optional.of(vc));
  }

  /** As above; with no request (an epilogue that could not read it) the sisters go by their journals. */
  public static List<SisterCall> forSisters(JobContext job, Optional<VcRequest> vc) {
    Map<String, String> request = vc.map(SisterCall::variables).orElse(Map.of());
    List<SisterCall> calls = new ArrayList<>();
    for (String n : job.nodes()) {
      if (!n.equals(job.thisNode())) {
        calls.add(new SisterCall(job.jobId(), job.user(), job.uid(), job.gid(), n, job.nodes(), job.cpusPerNode(),
            request, job.instance(), job.workDir()));
      }
    }
    return calls;
  }

  /**
   * The request as VC_* values that parse back to it (memory in MiB, as {@code 256M}); what the
   * user left out stays out, so the sister applies the same site defaults.
   */
  public static Map<String, String> variables(VcRequest request) {
    Map<String, String> vars = new LinkedHashMap<>();
    if (request.image() != null) {
      vars.put(variable(Key.IMAGE), request.image());
    }
    if (request.vcpus() != null) {
      vars.put(variable(Key.VCPUS), String.valueOf(request.vcpus()));
    }
    if (request.memoryMiB() != null) {
      vars.put(variable(Key.MEM), request.memoryMiB() + "M");
    }
    if (request.vmsPerNode() != null) {
      vars.put(variable(Key.VMS), String.valueOf(request.vmsPerNode()));
    }
    if (request.mounts() != null) {
      vars.put(variable(Key.MOUNTS), request.mounts().text());
    }
    return vars;
  }

  /** The command the sister runs: {@code program} and its arguments, never a shell string. */
  public List<String> argv(String program, boolean debug) {
    List<String> a = new ArrayList<>(List.of(program, "--" + OPTION, "--node", node, "--nodes", String.join(",", nodes)));
    if (!slots.isEmpty()) {
      a.add("--slots");
      a.add(String.join(",", slots.stream().map(String::valueOf).toList()));
    }
    a.addAll(List.of("--uid", String.valueOf(uid), "--gid", String.valueOf(gid)));
    if (!instance.isEmpty()) {
      a.add("--instance");
      a.add(instance);
    }
    if (workDir != null) {
      a.add("--" + WORKDIR);
      a.add(workDir.toString());
    }
    for (Key k : Key.values()) {
      String v = request.get(variable(k));
      if (v != null) {
        a.add("--" + option(k));
        a.add(v);
      }
    }
    if (debug) {
      a.add("--debug");
    }
    a.add(jobId);
    a.add(user);
    return a;
  }

  /** The option that carries {@code key}: {@code vc-image}, as sbatch's SPANK options are named. */
  public static String option(Key key) {
    return "vc-" + key.word();
  }

  private static String variable(Key key) {
    return "VC_" + key.word().toUpperCase(java.util.Locale.ROOT);
  }

  /**
   * Reads the sister's side: {@code options} maps option names (without dashes) to values, as
   * the command line gave them; {@code positional} is JOBID USER.
   */
  public static SisterCall parse(Map<String, String> options, List<String> positional) {
    if (positional.size() != 2) {
      throw new RequestException("--" + OPTION, "expects JOBID USER after its options, got " + positional);
    }
    String jobId = positional.get(0);
    if (!jobId.matches("[0-9]+(\\[[0-9]*\\])?(\\.[A-Za-z0-9.-]+)?")) {
      throw new RequestException("JOBID", "'" + jobId + "' is not a PBS job id");
    }
    String user = positional.get(1);
    String node = required(options, "node");
    List<String> nodes = List.of(required(options, "nodes").split(",", -1));
    for (String n : nodes) {
      if (!n.matches(NODE_NAME)) {
        throw new RequestException("--nodes", "'" + n + "' is not a node name");
      }
    }
    if (!nodes.contains(node)) {
      throw new RequestException("--node", "'" + node + "' is not in --nodes " + nodes);
    }
    List<Integer> slots = new ArrayList<>();
    String s = options.get("slots");
    if (s != null) {
      for (String x : s.split(",", -1)) {
        slots.add(number("--slots", x));
      }
      if (slots.size() != nodes.size()) {
        throw new RequestException("--slots", slots.size() + " counts for " + nodes.size() + " nodes");
      }
    }
    Map<String, String> request = new LinkedHashMap<>();
    for (Key k : Key.values()) {
      String v = options.get(option(k));
      if (v != null) {
        request.put(variable(k), v);
      }
    }
    String instance = options.getOrDefault("instance", "");
    if (!instance.matches("[A-Za-z0-9:./ -]{0,64}")) {
      throw new RequestException("--instance", "'" + instance + "' is not a job's ctime");
    }
    String dir = options.get(WORKDIR);
    if (dir != null && (!dir.startsWith("/") || dir.contains("\0"))) {
      throw new RequestException("--" + WORKDIR, "'" + Shown.value(dir) + "' is not an absolute path");
    }
    return new SisterCall(jobId, user, number("--uid", required(options, "uid")),
        number("--gid", required(options, "gid")), node, nodes, slots, request, instance,
        dir == null ? null : Path.of(dir));
  }

  /** The hook call this sister makes of it: the job as the mother superior read it, seen from here. */
  public HookInvocation invocation(HookPhase phase) {
    Optional<VcRequest> vc = PbsHook.fromVariables(request);
    JobContext job = new JobContext(ResourceManager.PBS, jobId, user, uid, gid, nodes, node, workDir, slots, null,
        instance, List.of());
    return new HookInvocation(phase, job, vc);
  }

  private static String required(Map<String, String> options, String name) {
    String v = options.get(name);
    if (v == null || v.isEmpty()) {
      throw new RequestException("--" + name, "missing (the mother superior passes it with --" + OPTION + ")");
    }
    return v;
  }

  private static int number(String field, String text) {
    if (!text.matches("[0-9]{1,9}")) {
      throw new RequestException(field, "'" + text + "' is not a number");
    }
    return Integer.parseInt(text);
  }
}
