package org.virtualservices.launcher;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.ggf.drmaa.DrmaaException;
import org.ggf.drmaa.JobTemplate;
import org.ggf.drmaa.Session;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.Submit;
import org.virtualservices.core.ready.Sleeper;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.RequestParser.Key;
import org.virtualservices.core.request.VcRequest;
import org.virtualservices.core.runtime.CliHelp;
import org.virtualservices.launcher.NativeSpec.Form;
import org.virtualservices.launcher.drmaa.GridJobInfo;
import org.virtualservices.launcher.drmaa.GridSession;
import org.virtualservices.launcher.drmaa.Sessions;

/**
 * {@code vcluster submit [-N nodes] [--image NAME [--vcpus N] [--mem SIZE] [--vms K] [--mount FOLDERS]
 * [--save NAME]] [--wait]
 * script [args]}: submits a batch job through the DRMAA session of the site's resource manager,
 * with the virtual-cluster request in the native specification ({@link NativeSpec}). The request
 * is checked first with the checks of {@code vcluster validate}, so a bad one never reaches the
 * scheduler (one line, exit 2).
 *
 * <p>Prints the job id. With {@code --wait}: a progress line on stderr at each change of state,
 * then the final state and exit code on stdout, and exits with the job's exit code (128 + signal
 * for a job ended by a signal, 1 for one that never ran).
 */
final class SubmitCommand {

  static final String NAME = "vcluster submit";

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final CommandRunner runner;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Path cwd;

  SubmitCommand(PrintStream out, PrintStream err, Map<String, String> env) {
    this(out, err, env, new ProcessCommandRunner(), Clock.systemUTC(), Sleeper.REAL, Path.of("").toAbsolutePath());
  }

  SubmitCommand(PrintStream out, PrintStream err, Map<String, String> env, CommandRunner runner, Clock clock,
      Sleeper sleeper, Path cwd) {
    this.out = out;
    this.err = err;
    this.env = env;
    this.runner = runner;
    this.clock = clock;
    this.sleeper = sleeper;
    this.cwd = cwd;
  }

  static Options options() {
    Options o = new Options();
    o.addOption(Option.builder("N").longOpt("nodes").hasArg().argName("N").desc("nodes of the job").get());
    o.addOption(Option.builder().longOpt("image").hasArg().argName("NAME")
        .desc("image of the site's catalog (vcluster images lists them) or user:NAME[@REV], one of your own"
            + " (vcluster image list): asks for a virtual cluster").get());
    o.addOption(Option.builder().longOpt("vcpus").hasArg().argName("N").desc("virtual CPUs of each VM").get());
    o.addOption(Option.builder().longOpt("mem").hasArg().argName("SIZE").desc("memory of each VM (512M, 2G)").get());
    o.addOption(Option.builder().longOpt("vms").hasArg().argName("K").desc("VMs on each node").get());
    o.addOption(Option.builder().longOpt("mount").hasArg().argName("FOLDERS")
        .desc("host folders in the VMs beyond the working folder and the site's (PATH[=ro][:PATH...]), or none:"
            + " not even the working folder").get());
    o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("WHEN")
        .desc("on-timeout: the VMs are checkpointed when the job is requeued and restored when it runs again").get());
    o.addOption(Option.builder().longOpt("save").hasArg().argName("NAME")
        .desc("at the job's end, shut the head VM down and keep its disk as a new revision of your image NAME"
            + " (a later job boots it as --image user:NAME)").get());
    o.addOption(Option.builder().longOpt("restore").hasArg().argName("JOBID")
        .desc("restore the checkpoint of your earlier job JOBID (checkpoint=on-timeout, requeued or cancelled while"
            + " pending) instead of booting; --image may then be left out").get());
    o.addOption(Option.builder().longOpt("job-name").hasArg().argName("NAME").desc("the job's name").get());
    o.addOption(Option.builder().longOpt("output").hasArg().argName("FILE")
        .desc("the job's output file (the scheduler's default: slurm-JOB.out, NAME.oJOB)").get());
    o.addOption(Option.builder().longOpt("native").hasArg().argName("OPTIONS")
        .desc("more options of sbatch or qsub, as one string ('--time=10 --partition=p')").get());
    o.addOption(Option.builder().longOpt("wait").desc("wait for the job's end; exit with its exit code").get());
    o.addOption(Option.builder().longOpt("config").hasArg().argName("FILE")
        .desc("site configuration (default: $VC_CONFIG, else /etc/vcluster/site.yaml)").get());
    o.addOption(Option.builder("h").longOpt("help").desc("this help").get());
    return o;
  }

  int run(List<String> args) {
    // options stop at the script: its own arguments are the script's
    Optional<CommandLine> parsed = CliHelp.parse(NAME, options(), args, true, err);
    if (parsed.isEmpty()) {
      return 2;
    }
    CommandLine cmd = parsed.get();
    if (cmd.hasOption("help")) {
      CliHelp.print(out, NAME + " [-N nodes] [--image NAME [--vcpus N] [--mem SIZE] [--vms K] [--mount FOLDERS] [--save NAME]] [--restore JOBID] [--wait] script [args]",
          "Submits a batch job through DRMAA to the site's Slurm or PBS; with --image, in a virtual cluster. Exit 0:"
          + " submitted (with --wait: the job's exit code); 2: refused before submission; 1: the scheduler could not"
          + " be reached or refused the job.", options());
      return 0;
    }
    if (cmd.getArgList().isEmpty()) {
      err.println(NAME + ": no script given (usage: " + NAME + " [options] script [args]; see --help)");
      return 2;
    }
    Map<Key, String> words = new LinkedHashMap<>();
    Integer nodes;
    SiteConfig site;
    try {
      nodes = ValidateCommand.positive(cmd, "nodes", ValidateCommand.MAX_NODES);
      if (!cmd.hasOption("image") && !cmd.hasOption(Key.RESTORE.option())) {
        for (Key k : Key.values()) {
          if (cmd.hasOption(k.option())) {
            throw new RequestException("image", "missing; --" + k.option() + " asks for a virtual cluster, which needs"
                + " --image NAME ('vcluster images' lists the site's images) or --restore JOBID");
          }
        }
      }
      for (Key k : Key.values()) {
        if (cmd.hasOption(k.option())) {
          words.put(k, cmd.getOptionValue(k.option()));
        }
      }
      VcRequest request = words.isEmpty() ? null : ValidateCommand.request(cmd);
      site = SiteFiles.load(cmd, env, err, NAME, request != null);
      if (request != null && site != null && request.image() != null) {
        ValidateCommand.check(request, nodes, null, site);
      }
    } catch (RequestException e) {
      err.println(NAME + ": " + e.getMessage());
      return 2;
    }
    Submit conf = (site != null ? site : SiteFiles.defaults()).submit();
    GridSession session;
    try {
      session = Sessions.create(conf, env, runner, clock, sleeper);
    } catch (IllegalStateException e) {
      err.println(NAME + ": " + e.getMessage());
      return 1;
    }
    // a plain job carries no request: no need to ask sbatch --help which form it would take
    Form form = words.isEmpty() && !session.getDrmSystem().equals("PBS") ? Form.SLURM_COMMENT : form(conf, session);
    String spec = NativeSpec.of(form, words, nodes, cmd.getOptionValue("native"));
    try {
      session.init(null);
      try {
        return submit(session, cmd, spec);
      } finally {
        session.exit();
      }
    } catch (DrmaaException e) {
      err.println(NAME + ": " + e.getMessage());
      return 1;
    }
  }

  private int submit(GridSession session, CommandLine cmd, String spec) throws DrmaaException {
    List<String> script = cmd.getArgList();
    JobTemplate t = session.createJobTemplate();
    t.setRemoteCommand(script.get(0));
    t.setArgs(script.subList(1, script.size()));
    t.setWorkingDirectory(cwd.toString());
    t.setNativeSpecification(spec);
    if (cmd.hasOption("job-name")) {
      t.setJobName(cmd.getOptionValue("job-name"));
    }
    if (cmd.hasOption("output")) {
      t.setOutputPath(":" + cwd.resolve(cmd.getOptionValue("output")));
    }
    String id = session.runJob(t);
    session.deleteJobTemplate(t);
    out.println(id);
    out.flush();
    if (!cmd.hasOption("wait")) {
      return 0;
    }
    session.onChange(s -> err.println(NAME + ": job " + s.id() + " " + s.describe()));
    GridJobInfo info = (GridJobInfo) session.wait(id, Session.TIMEOUT_WAIT_FOREVER);
    out.println("job " + id + " " + info.status().nativeState() + ", " + outcome(info));
    return info.shellExitCode();
  }

  static String outcome(GridJobInfo info) {
    if (info.hasExited()) {
      return "exit code " + info.getExitStatus();
    }
    if (info.hasSignaled()) {
      return "ended by " + info.getTerminatingSignal();
    }
    // cancelled before it ran, or (seen with Slurm 22.05, about 1 run in 8) cancelled while running
    // with the batch step's status never recorded: squeue then says 0, which is no exit code
    return "no exit code recorded";
  }

  /**
   * How the request travels: PBS's variable list; on Slurm the --vc-* options where the plugin is
   * installed (sbatch --help lists --vc-image), else the job comment, unless the site says.
   */
  private Form form(Submit conf, GridSession session) {
    if (session.getDrmSystem().equals("PBS")) {
      return Form.PBS;
    }
    return switch (conf.slurmRequest()) {
      case options -> Form.SLURM_OPTIONS;
      case comment -> Form.SLURM_COMMENT;
      case auto -> {
        CommandResult help = runner.run(Command.of(conf.sbatch(), "--help")
            .withTimeout(java.time.Duration.ofSeconds(conf.commandTimeoutSeconds())));
        yield help.ok() && help.stdout().contains("--vc-image") ? Form.SLURM_OPTIONS : Form.SLURM_COMMENT;
      }
    };
  }
}
