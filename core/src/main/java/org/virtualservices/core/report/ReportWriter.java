package org.virtualservices.core.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.keys.SshKeyPair;
import org.virtualservices.core.names.Names;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.render.Models;
import org.virtualservices.core.render.Templates;

/**
 * Writes, on the batch host, what the job and its user need to use the virtual cluster: the
 * report (JSON for scripts, text for people), the MPI hostfile, an ssh config, the job's private
 * key and a known_hosts with every VM's host key: into the job's folder of the root-owned run tree
 * ({@link JobFolder}, {@code VC_DIR}), each file owned by the job's user and readable by nobody
 * else, and a copy into the job's working folder written as the user ({@link UserCopy}).
 */
public final class ReportWriter {

  // The report is written while the guests boot, on the cores they boot on: with Jackson's
  // streaming generator, not an ObjectMapper, whose set-up alone costs a cold JVM ~20 ms of CPU
  // (docs/bench.md); the text is the same indented JSON.
  private static final JsonFactory JSON = new JsonFactory();

  private final Templates templates;
  private final UserCopy copier;

  /** @param copier writes the copy in the job's working folder, as the job's user */
  public ReportWriter(Templates templates, UserCopy copier) {
    this.templates = templates;
    this.copier = copier;
  }

  /**
   * Writes the report into the job's folder of the run tree (which must exist: the prolog made it
   * first) and opens it to the job's user for reading; then, when {@code copy} is given, the same
   * report, naming the copy's own paths, into the job's working folder, as the user.
   *
   * @throws ReportRefusedException when the user's side refuses the copy
   */
  public ReportFiles write(JobFolder folder, Optional<UserCopy.Target> copy, Plan plan, String user, String login,
      int uid, int gid, SshKeyPair jobKey, List<String> knownHosts, List<Timing> timings) {
    render(folder.files(), plan, user, login, jobKey, knownHosts, timings)
        .forEach((name, content) -> folder.write(name, content, uid, gid));
    folder.handOver(gid);
    if (copy.isPresent()) {
      folder.recordCopy(copy.get());
      copier.write(copy.get(), render(new ReportFiles(copy.get().dir()), plan, user, login, jobKey, knownHosts,
          timings));
    }
    return folder.files();
  }

  /**
   * Writes the one-line reason the job got no virtual cluster where the user will look for it:
   * {@code ERROR} in the job's folder of the run tree (made if need be) and, when {@code copy} is
   * given, in the working folder's copy, as the user. The latter is the user's to keep: no
   * teardown removes it.
   */
  public void writeError(JobFolder folder, Optional<UserCopy.Target> copy, String message, int uid, int gid) {
    folder.create();
    folder.write("ERROR", message + "\n", uid, gid);
    folder.handOver(gid);
    if (copy.isPresent()) {
      folder.recordCopy(copy.get());
      copier.write(copy.get(), Map.of("ERROR", message + "\n"));
    }
  }

  /** The report's files, name -> text, each naming the paths of {@code files}. */
  private Map<String, String> render(ReportFiles files, Plan plan, String user, String login, SshKeyPair jobKey,
      List<String> knownHosts, List<Timing> timings) {
    Map<String, Object> model = model(files, plan, user, login, timings);
    Map<String, String> out = new LinkedHashMap<>();
    out.put(name(files.hostfile()), templates.render("hostfile.ftl", model));
    out.put(name(files.identity()), jobKey.privateKey());
    out.put(name(files.knownHosts()), String.join("\n", knownHosts) + "\n");
    out.put(name(files.sshConfig()), templates.render("ssh_config.ftl", model));
    out.put(name(files.text()), templates.render("report.txt.ftl", model));
    try {
      out.put(name(files.json()), indented(json(files, plan, user, login, timings)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static String name(Path p) {
    return p.getFileName().toString();
  }

  private Map<String, Object> model(ReportFiles files, Plan plan, String user, String login, List<Timing> timings) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("job", plan.job());
    m.put("user", user);
    m.put("login", login);
    m.put("image", plan.image());
    m.put("vni", plan.vni());
    m.put("subnet", plan.subnet());
    m.put("gateway", plan.gateway());
    m.put("batchHost", plan.batchHost());
    m.put("vmCount", plan.vms().size());
    m.put("nodeCount", plan.nodes().size());
    m.put("vms", plan.vms().stream().map(Models::vm).toList());
    m.put("firstVm", plan.vms().get(0).name());
    m.put("hostPattern", Names.domainPrefix(plan.job()) + "*");
    m.put("sshConfig", files.sshConfig().toString());
    m.put("identityFile", files.identity().toString());
    m.put("knownHosts", files.knownHosts().toString());
    m.put("hostfile", files.hostfile().toString());
    List<Map<String, Object>> t = new ArrayList<>();
    for (Timing x : timings) {
      t.add(Map.of("phase", x.phase(), "seconds", String.format("%.3f", x.seconds())));
    }
    m.put("timings", t);
    return m;
  }

  /** Maps, lists, text and numbers as indented JSON. */
  static String indented(Object value) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      write(g, value);
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value instanceof Map<?, ?> map) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof List<?> list) {
      g.writeStartArray();
      for (Object item : list) {
        write(g, item);
      }
      g.writeEndArray();
    } else if (value instanceof Integer i) {
      g.writeNumber(i);
    } else if (value instanceof Long l) {
      g.writeNumber(l);
    } else if (value instanceof Double d) {
      g.writeNumber(d);
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value == null) {
      g.writeNull();
    } else {
      g.writeString(value.toString());
    }
  }

  private static Map<String, Object> json(ReportFiles files, Plan plan, String user, String login,
      List<Timing> timings) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("job", plan.job());
    m.put("user", user);
    m.put("image", plan.image());
    m.put("vni", plan.vni());
    m.put("subnet", plan.subnet());
    m.put("gateway", plan.gateway());
    m.put("batchHost", plan.batchHost());
    m.put("login", login);
    List<Map<String, Object>> nodes = new ArrayList<>();
    plan.nodes().forEach(n -> {
      List<Map<String, Object>> vms = new ArrayList<>();
      for (VmPlan v : n.vms()) {
        Map<String, Object> vm = new LinkedHashMap<>();
        vm.put("name", v.name());
        vm.put("ip", v.ip());
        vm.put("mac", v.mac());
        vm.put("vcpus", v.vcpus());
        vm.put("memoryMiB", v.memoryMiB());
        vms.add(vm);
      }
      nodes.add(Map.of("name", n.name(), "vms", vms));
    });
    m.put("nodes", nodes);
    m.put("enter", "ssh -F " + files.sshConfig() + " " + plan.vms().get(0).name());
    m.put("files", Map.of("hostfile", files.hostfile().toString(), "sshConfig", files.sshConfig().toString(),
        "identity", files.identity().toString(), "knownHosts", files.knownHosts().toString()));
    Map<String, Double> t = new LinkedHashMap<>();
    timings.forEach(x -> t.put(x.phase(), Math.round(x.seconds() * 1000) / 1000.0));
    m.put("timings", t);
    return m;
  }
}
