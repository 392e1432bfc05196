package org.virtualservices.core.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.virtualservices.core.journal.JournalEntry;
import org.virtualservices.core.keys.SshKeyPair;
import org.virtualservices.core.plan.Names;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.render.Models;
import org.virtualservices.core.render.Templates;

/**
 * Writes, on the batch host, what the job and its user need to use the virtual cluster: the
 * report (JSON for scripts, text for people), the MPI hostfile, an ssh config, the job's private
 * key and a known_hosts with every VM's host key. Each file is recorded in the journal before it is
 * made, and owned by the job's user, readable by nobody else.
 */
public final class ReportWriter {

  // The report is written while the guests boot, on the cores they boot on: with Jackson's
  // streaming generator, not an ObjectMapper, whose set-up alone costs a cold JVM ~20 ms of CPU
  // (docs/bench.md); the text is the same indented JSON.
  private static final JsonFactory JSON = new JsonFactory();

  private final Templates templates;
  private final Consumer<JournalEntry> journal;

  public ReportWriter(Templates templates, Consumer<JournalEntry> journal) {
    this.templates = templates;
    this.journal = journal;
  }

  public ReportFiles write(ReportFiles files, Plan plan, String user, String login, int uid, int gid,
      SshKeyPair jobKey, List<String> knownHosts, List<Timing> timings) {
    makeDir(files.dir(), uid);
    Map<String, Object> model = model(files, plan, user, login, timings);
    file(files.hostfile(), templates.render("hostfile.ftl", model), uid, gid);
    file(files.identity(), jobKey.privateKey(), uid, gid);
    file(files.knownHosts(), String.join("\n", knownHosts) + "\n", uid, gid);
    file(files.sshConfig(), templates.render("ssh_config.ftl", model), uid, gid);
    file(files.text(), templates.render("report.txt.ftl", model), uid, gid);
    try {
      file(files.json(), indented(json(files, plan, user, login, timings)), uid, gid);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    handOver(files.dir(), uid, gid);
    return files;
  }

  /** Writes the one-line reason the job got no virtual cluster where the user will look for it. */
  public void writeError(ReportFiles files, String message, int uid, int gid) {
    makeDir(files.dir(), uid);
    file(files.error(), message + "\n", uid, gid);
    handOver(files.dir(), uid, gid);
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

  /**
   * Makes the report folder root-owned and private; the user gets it only once every file is in
   * place ({@link #handOver}), so they cannot swap a file for a link while root writes. A folder
   * that is already there must be a real folder (not a link) of root's or the user's.
   */
  private void makeDir(Path dir, int uid) {
    try {
      if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          throw new ReportRefusedException("report folder " + dir + " exists and is not a folder; not writing there");
        }
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != 0 && owner != uid) {
          throw new ReportRefusedException("report folder " + dir + " belongs to uid " + owner + "; not writing there");
        }
        chown(dir, 0, 0);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return;
      }
      journal.accept(new JournalEntry(JournalEntry.Kind.DIR, dir.toString()));
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (FileAlreadyExistsException e) {
        throw new ReportRefusedException("report folder " + dir + " appeared while being made; not writing there");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("make report folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void handOver(Path dir, int uid, int gid) {
    try {
      chown(dir, uid, gid);
    } catch (IOException e) {
      throw new UncheckedIOException("give report folder " + dir + " to uid " + uid + ": " + e.getMessage(), e);
    }
  }

  private void file(Path path, String content, int uid, int gid) {
    journal.accept(new JournalEntry(JournalEntry.Kind.FILE, path.toString()));
    try {
      Files.deleteIfExists(path);
      Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(path, content);
      chown(path, uid, gid);
    } catch (IOException e) {
      throw new UncheckedIOException("write " + path + ": " + e.getMessage(), e);
    }
  }

  static void chown(Path p, int uid, int gid) throws IOException {
    if (((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)) != uid) {
      Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    }
    if (((Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)) != gid) {
      Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }
  }
}
