package org.virtualservices.core.runtime;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.config.ConfigException;
import org.virtualservices.core.config.ConfigReference;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.HookPhase;
import org.virtualservices.core.request.RequestParser.Key;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.rm.GetentAccounts;
import org.virtualservices.core.rm.PbsHook;
import org.virtualservices.core.rm.QstatVariableList;
import org.virtualservices.core.rm.SisterCall;
import org.virtualservices.core.rm.SlurmHook;

/**
 * What the prolog and the epilog share on their command line: options, the configuration, and
 * which resource manager called them. Slurm calls hooks with no arguments and its SLURM_*
 * variables; PBS calls them with the job id, user and group as arguments (and an empty
 * environment), through the wrappers in site-config/pbs, which add {@code --pbs}.
 */
public final class HookCli {

  public static final int USAGE = 2;

  private final String program;
  private final CommandLine cmd;

  private HookCli(String program, CommandLine cmd) {
    this.program = program;
    this.cmd = cmd;
  }

  public static Options options(boolean prolog) {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("config").hasArg().argName("FILE")
        .desc("site configuration (default: $VC_CONFIG, else /etc/vcluster/site.yaml)").get());
    o.addOption(Option.builder().longOpt("pbs").desc("called by PBS/Torque: the arguments are PBS's").get());
    o.addOption(Option.builder().longOpt(SisterCall.OPTION).desc("run by a PBS mother superior over SSH on a sister"
        + " node: the job comes in the options below and JOBID USER").get());
    o.addOption(Option.builder().longOpt("nodes").hasArg().argName("LIST")
        .desc("with --" + SisterCall.OPTION + ": the job's nodes in order, comma-separated").get());
    o.addOption(Option.builder().longOpt("slots").hasArg().argName("LIST")
        .desc("with --" + SisterCall.OPTION + ": each node's slots (node file lines), comma-separated").get());
    o.addOption(Option.builder().longOpt("instance").hasArg().argName("CTIME")
        .desc("with --" + SisterCall.OPTION + ": the job's ctime, as the mother superior read it (its keys depend on it)")
        .get());
    o.addOption(Option.builder().longOpt(SisterCall.WORKDIR).hasArg().argName("DIR")
        .desc("with --" + SisterCall.OPTION + ": the job's working folder (its VMs mount it)").get());
    o.addOption(Option.builder().longOpt("uid").hasArg().argName("N").desc("with --" + SisterCall.OPTION
        + ": the job owner's uid").get());
    o.addOption(Option.builder().longOpt("gid").hasArg().argName("N").desc("with --" + SisterCall.OPTION
        + ": the job owner's gid").get());
    for (Key k : Key.values()) {
      o.addOption(Option.builder().longOpt(SisterCall.option(k)).hasArg().argName("VALUE")
          .desc("with --" + SisterCall.OPTION + ": the job's VC_" + k.word().toUpperCase(java.util.Locale.ROOT)).get());
    }
    o.addOption(Option.builder().longOpt("debug").desc("log each external command").get());
    o.addOption(Option.builder().longOpt("check-config").desc("check the site configuration and exit").get());
    o.addOption(Option.builder().longOpt("describe-config").desc("print every configuration key").get());
    o.addOption(Option.builder("h").longOpt("help").desc("this help").get());
    if (prolog) {
      o.addOption(Option.builder().longOpt("dry-run").desc("print the plan as JSON and make nothing").get());
      o.addOption(Option.builder().longOpt("node").hasArg().argName("NAME")
          .desc("with --" + SisterCall.OPTION + ": this node's name in the job's node list").get());
    } else {
      o.addOption(Option.builder().longOpt("sweep").desc("admin: find what jobs no longer known to the resource"
          + " manager left on this node (dry run unless --yes)").get());
      o.addOption(Option.builder().longOpt("yes").desc("with --sweep: remove what it finds").get());
      o.addOption(Option.builder().longOpt("node").hasArg().argName("NAME")
          .desc("with --sweep or --" + SisterCall.OPTION + ": this node's name in the resource manager (sweep's"
              + " default: the short host name)").get());
    }
    return o;
  }

  /** Parses argv; on a usage error prints one line and returns empty. */
  public static Optional<HookCli> parse(String program, boolean prolog, List<String> args, PrintStream err) {
    try {
      CommandLine cmd = DefaultParser.builder().get().parse(options(prolog), args.toArray(String[]::new), true);
      if (cmd.hasOption("pbs") && cmd.hasOption(SisterCall.OPTION)) {
        err.println(program + ": --pbs and --" + SisterCall.OPTION + " exclude each other");
        return Optional.empty();
      }
      if (!cmd.hasOption("pbs") && !cmd.hasOption(SisterCall.OPTION) && !cmd.getArgList().isEmpty()) {
        err.println(program + ": unexpected argument '" + cmd.getArgList().get(0)
            + "' (Slurm passes none; PBS wrappers pass --pbs first)");
        return Optional.empty();
      }
      return Optional.of(new HookCli(program, cmd));
    } catch (ParseException e) {
      err.println(program + ": " + e.getMessage() + " (see --help)");
      return Optional.empty();
    }
  }

  public Optional<String> value(String option) {
    return Optional.ofNullable(cmd.getOptionValue(option));
  }

  public boolean has(String option) {
    return cmd.hasOption(option);
  }

  public List<String> positional() {
    return cmd.getArgList();
  }

  public void help(PrintStream out, boolean prolog) {
    CliHelp.print(out, program + (prolog ? " [--dry-run]" : " [--sweep [--yes] [--node NAME]]")
        + " [--config FILE] [--pbs JOBID USER GROUP ... | --pbs-sister ... JOBID USER]", "", options(prolog));
  }


  public ResourceManager resourceManager() {
    return cmd.hasOption("pbs") || isSister() ? ResourceManager.PBS : ResourceManager.SLURM;
  }

  /** Run by a PBS mother superior on one of its sister nodes. */
  public boolean isSister() {
    return cmd.hasOption(SisterCall.OPTION);
  }

  /** PBS's mother superior: called by PBS itself, which calls no hook on the sister nodes. */
  public boolean isMotherSuperior() {
    return cmd.hasOption("pbs");
  }

  public Path configPath(Map<String, String> env) {
    return SiteConfigLoader.locate(Optional.ofNullable(cmd.getOptionValue("config")), env);
  }

  /**
   * Handles {@code --describe-config} and {@code --check-config}; returns their exit status, or
   * empty when neither was asked for.
   */
  public Optional<Integer> configCommands(Map<String, String> env, PrintStream out, PrintStream err) {
    if (cmd.hasOption("describe-config")) {
      out.print(ConfigReference.render());
      return Optional.of(0);
    }
    if (!cmd.hasOption("check-config")) {
      return Optional.empty();
    }
    Path file = configPath(env);
    try {
      SiteConfig c = SiteConfigLoader.load(file);
      List<String> missing = new java.util.ArrayList<>(NodeChecks.missingTools(c));
      missing.addAll(NodeChecks.files(c));
      missing.addAll(NodeChecks.qemuUser(c, new GetentAccounts(new ProcessCommandRunner(), c.pbs().getent())));
      if (cmd.hasOption("pbs")) {
        missing.addAll(NodeChecks.pbsFanOut(c));
      }
      if (!missing.isEmpty()) {
        err.println(file + ": " + missing.size() + " error" + (missing.size() == 1 ? "" : "s"));
        missing.forEach(m -> err.println("  " + m));
        return Optional.of(USAGE);
      }
      out.println(file + ": ok (" + c.images().size() + " image(s), libvirt " + c.libvirtUri() + ", network "
          + c.network().mode() + ")");
      return Optional.of(0);
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return Optional.of(USAGE);
    }
  }

  /** Reads the hook call as the resource manager made it. */
  public HookInvocation invocation(HookPhase phase, Map<String, String> env, SiteConfig config,
      CommandRunner runner) {
    if (resourceManager() == ResourceManager.SLURM) {
      return SlurmHook.read(phase, env);
    }
    if (isSister()) {
      return sisterCall().invocation(phase);
    }
    return new PbsHook(new GetentAccounts(runner, config.pbs().getent()),
        new QstatVariableList(runner, config.pbs().qstat()), PbsHook.FILES, config.pbs().home(), hostname())
        .read(phase, positional(), env);
  }

  /** The job as the mother superior passed it (with --pbs-sister). */
  public SisterCall sisterCall() {
    Map<String, String> options = new java.util.HashMap<>();
    for (Option o : cmd.getOptions()) {
      if (o.hasArg()) {
        options.put(o.getLongOpt(), o.getValue());
      }
    }
    return SisterCall.parse(options, positional());
  }

  public String program() {
    return program;
  }

  private static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      throw new IllegalStateException("this node's host name: " + e.getMessage(), e);
    }
  }
}
