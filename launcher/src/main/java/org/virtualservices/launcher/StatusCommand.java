package org.virtualservices.launcher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.ggf.drmaa.DrmaaException;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.ready.Sleeper;
import org.virtualservices.core.report.ReportFiles;
import org.virtualservices.core.runtime.CliHelp;
import org.virtualservices.launcher.drmaa.DrmaaStates;
import org.virtualservices.launcher.drmaa.GridSession;
import org.virtualservices.launcher.drmaa.JobStatus;
import org.virtualservices.launcher.drmaa.Sessions;

/**
 * {@code vcluster status [JOB] [--json]}: a job's state through the DRMAA session and, for a
 * virtual-cluster job whose report is readable ({@code vcluster-JOB/report.json} in its working
 * folder), its VMs. Without JOB: inside a job, that job (SLURM_JOB_ID, PBS_JOBID); outside, every
 * job of the user the scheduler still knows. {@code --json}: one object for a job, an array for
 * the user's jobs.
 */
final class StatusCommand {

  static final String NAME = "vcluster status";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final CommandRunner runner;
  private final Clock clock;

  StatusCommand(PrintStream out, PrintStream err, Map<String, String> env) {
    this(out, err, env, new ProcessCommandRunner(), Clock.systemUTC());
  }

  StatusCommand(PrintStream out, PrintStream err, Map<String, String> env, CommandRunner runner, Clock clock) {
    this.out = out;
    this.err = err;
    this.env = env;
    this.runner = runner;
    this.clock = clock;
  }

  static Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("json").desc("JSON for scripts").get());
    o.addOption(Option.builder().longOpt("config").hasArg().argName("FILE").desc("site configuration").get());
    o.addOption(Option.builder("h").longOpt("help").desc("this help").get());
    return o;
  }

  int run(List<String> args) {
    Optional<CommandLine> parsed = CliHelp.parse(NAME, options(), args, false, err);
    if (parsed.isEmpty()) {
      return 2;
    }
    CommandLine cmd = parsed.get();
    if (cmd.hasOption("help")) {
      CliHelp.print(out, NAME + " [JOB] [--json]", "The job's state and, for a virtual-cluster job, its VMs."
          + " Without JOB: the job this runs in, else all your jobs. Exit 0: shown; 1: unknown job or no scheduler.",
          options());
      return 0;
    }
    if (cmd.getArgList().size() > 1) {
      err.println(NAME + ": one job at most (see --help)");
      return 2;
    }
    String job = cmd.getArgList().isEmpty() ? ownJob() : cmd.getArgList().get(0);
    SiteConfig site = SiteFiles.load(cmd, env, err, NAME, false);
    GridSession session;
    try {
      session = Sessions.create((site != null ? site : SiteFiles.defaults()).submit(), env, runner, clock,
          d -> { });
    } catch (IllegalStateException e) {
      err.println(NAME + ": " + e.getMessage());
      return 1;
    }
    try {
      session.init(null);
      try {
        List<JobStatus> jobs = job == null ? session.userJobs() : List.of(session.status(job));
        show(jobs, job != null, cmd.hasOption("json"));
        return 0;
      } finally {
        session.exit();
      }
    } catch (DrmaaException e) {
      // an unknown job (InvalidJobException) or a scheduler out of reach: one message, exit 1
      err.println(NAME + ": " + e.getMessage());
      return 1;
    }
  }

  /** The job this runs in, from the resource manager's environment; null outside a job. */
  private String ownJob() {
    for (String name : new String[] {"SLURM_JOB_ID", "PBS_JOBID"}) {
      String v = env.get(name);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  private void show(List<JobStatus> jobs, boolean one, boolean json) {
    if (json) {
      ArrayNode list = JSON.createArrayNode();
      jobs.forEach(s -> list.add(toJson(s)));
      try {
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(one ? list.get(0) : list));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("writing the status as JSON", e);
      }
      return;
    }
    for (JobStatus s : jobs) {
      String end = s.exitCode() != null ? ", exit code " + s.exitCode()
          : s.signal() != null ? ", ended by signal " + s.signal() : "";
      out.println("job " + s.id() + " " + s.describe() + end);
      for (JsonNode vm : vms(s)) {
        out.println("  " + vm.path("name").asText() + " " + vm.path("ip").asText() + " on " + vm.path("node").asText());
      }
    }
  }

  private ObjectNode toJson(JobStatus s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("job", s.id());
    o.put("state", s.nativeState());
    o.put("drmaaState", DrmaaStates.name(s.drmaaState()));
    o.put("reason", s.reason());
    if (s.exitCode() != null) {
      o.put("exitCode", s.exitCode());
    }
    if (s.signal() != null) {
      o.put("signal", s.signal());
    }
    o.put("user", s.user());
    o.put("workDir", s.workDir());
    List<JsonNode> vms = vms(s);
    if (!vms.isEmpty()) {
      o.putArray("vms").addAll(vms);
    }
    return o;
  }

  /** The job's VMs from its report, each {name, ip, node}; none when there is no readable report. */
  private static List<JsonNode> vms(JobStatus s) {
    List<JsonNode> vms = new ArrayList<>();
    if (s.workDir().isEmpty()) {
      return vms;
    }
    Path report = ReportFiles.in(Path.of(s.workDir()), s.id()).json();
    if (!Files.isReadable(report)) {
      return vms;
    }
    try {
      for (JsonNode node : JSON.readTree(report.toFile()).path("nodes")) {
        for (JsonNode vm : node.path("vms")) {
          ObjectNode v = JSON.createObjectNode();
          v.put("name", vm.path("name").asText());
          v.put("ip", vm.path("ip").asText());
          v.put("node", node.path("name").asText());
          vms.add(v);
        }
      }
    } catch (IOException e) {
      // a report half-written or being removed by the epilog: the job's state is still worth showing
      return List.of();
    }
    return vms;
  }
}
