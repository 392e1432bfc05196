package org.virtualservices.core.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.keys.SshKeyPair;
import org.virtualservices.core.names.Names;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.render.Hostfile;
import org.virtualservices.core.render.Templates;

/**
 * Writes, on the batch host, what the job and its user need to use the virtual cluster: the
 * report (JSON for scripts, text for people), the MPI hostfile, an ssh config, the job's private
 * key and a known_hosts with every VM's host key: into the job's folder of the root-owned run tree
 * ({@link JobFolder}, {@code VC_DIR}), each file owned by the job's user and readable by nobody
 * else, and a copy into the job's working folder written as the user ({@link UserCopy}).
 */
public final class ReportWriter {

  private static final ObjectMapper JSON = new ObjectMapper();

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

  /**
   * The report's files, name -> text, each naming the paths of {@code files}: {@code report.json}
   * is the one model, as JSON; {@code report.txt} and {@code ssh_config} are the same model through
   * their templates; the hostfile is the one every guest's seed holds ({@link Hostfile}).
   */
  private Map<String, String> render(ReportFiles files, Plan plan, String user, String login, SshKeyPair jobKey,
      List<String> knownHosts, List<Timing> timings) {
    Map<String, Object> model = model(files, plan, user, login, timings);
    Map<String, String> out = new LinkedHashMap<>();
    out.put(name(files.hostfile()), Hostfile.render(templates, plan));
    out.put(name(files.identity()), jobKey.privateKey());
    out.put(name(files.knownHosts()), String.join("\n", knownHosts) + "\n");
    out.put(name(files.sshConfig()), templates.render("ssh_config.ftl", model));
    out.put(name(files.text()), templates.render("report.txt.ftl", model));
    out.put(name(files.json()), json(model));
    return out;
  }

  private static String name(Path p) {
    return p.getFileName().toString();
  }

  /**
   * The report: what {@code report.json} holds (scripts and {@code vcluster} read it) and what the
   * report's templates see (docs/hooks.md, "The report").
   */
  static Map<String, Object> model(ReportFiles files, Plan plan, String user, String login, List<Timing> timings) {
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
    for (NodePlan n : plan.nodes()) {
      List<Map<String, Object>> vms = new ArrayList<>();
      for (VmPlan v : n.vms()) {
        Map<String, Object> vm = new LinkedHashMap<>();
        vm.put("name", v.name());
        vm.put("ip", v.ip());
        vm.put("mac", v.mac());
        vm.put("vcpus", v.vcpus());
        vm.put("memoryMiB", v.memoryMiB());
        vm.put("console", v.console().toString()); // vcluster console reads it on the node, as the user
        vms.add(vm);
      }
      Map<String, Object> node = new LinkedHashMap<>();
      node.put("name", n.name());
      node.put("vms", vms);
      nodes.add(node);
    }
    m.put("nodes", nodes);
    m.put("enter", "ssh -F " + files.sshConfig() + " " + plan.vms().get(0).name());
    // the VMs' names' prefix: the job's, or the saved job's for one that restored its checkpoint (restore=)
    String first = plan.vms().get(0).name();
    m.put("hostPattern", first.substring(0, first.lastIndexOf('-') + 1) + "*");
    Map<String, String> paths = new LinkedHashMap<>();
    paths.put("hostfile", files.hostfile().toString());
    paths.put("sshConfig", files.sshConfig().toString());
    paths.put("identity", files.identity().toString());
    paths.put("knownHosts", files.knownHosts().toString());
    m.put("files", paths);
    Map<String, Double> t = new LinkedHashMap<>();
    timings.forEach(x -> t.put(x.phase(), Math.round(x.seconds() * 1000) / 1000.0));
    m.put("timings", t);
    return m;
  }

  static String json(Map<String, Object> model) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(model);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("report.json: " + e.getMessage(), e);
    }
  }
}
