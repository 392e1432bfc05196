package org.virtualservices.launcher;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.virtualservices.core.runtime.CliHelp;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.virtualservices.core.config.ConfigException;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.RequestParser;
import org.virtualservices.core.request.RequestParser.Field;
import org.virtualservices.core.request.RequestParser.Key;
import org.virtualservices.core.request.VcRequest;

/**
 * {@code vcluster validate}: would the prolog accept this request? The same syntax checks
 * ({@link RequestParser}) and the same policy checks ({@link Planner#checkRequest},
 * {@link Planner#checkAllocation}, {@link Planner#checkJobSize}) as the prolog, run at submission
 * by the SPANK plugin and by users.
 *
 * <p>Exit 0 with one line {@code ok image=... vcpus=... mem=...M vms=...}; exit 2 with one line
 * {@code FIELD: what is wrong} (FIELD is image, vcpus, mem, vms, nodes or cpus-per-node), which the
 * SPANK plugin shows as {@code --vc-FIELD: ...}; exit 1 when the site configuration cannot be read,
 * as then nothing can be said.
 */
final class ValidateCommand {

  static final String NAME = "vcluster validate";
  /** Sanity bounds on the allocation's shape; Slurm's own are far lower in practice. */
  static final int MAX_NODES = 1_000_000;
  static final int MAX_CPUS_PER_NODE = 1_000_000;

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  ValidateCommand(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  static Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("config").hasArg().argName("FILE")
        .desc("site configuration (default: $VC_CONFIG, else /etc/vcluster/site.yaml)").get());
    o.addOption(Option.builder().longOpt("image").hasArg().argName("NAME").desc("image of the site's catalog, or user:NAME[@REV]").get());
    o.addOption(Option.builder().longOpt("vcpus").hasArg().argName("N").desc("virtual CPUs of each VM").get());
    o.addOption(Option.builder().longOpt("mem").hasArg().argName("SIZE").desc("memory of each VM (512M, 2G)").get());
    o.addOption(Option.builder().longOpt("vms").hasArg().argName("K").desc("VMs on each node").get());
    o.addOption(Option.builder().longOpt("mounts").hasArg().argName("FOLDERS")
        .desc("host folders in the VMs: none, or PATH[=ro][:PATH...]").get());
    o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("WHEN")
        .desc("on-timeout: the VMs are checkpointed when the job is requeued and restored when it runs again").get());
    o.addOption(Option.builder().longOpt("save").hasArg().argName("NAME")
        .desc("keep the head VM's disk at the job's end as a new revision of your image NAME").get());
    o.addOption(Option.builder().longOpt("restore").hasArg().argName("JOBID")
        .desc("restore the checkpoint of your earlier job JOBID instead of booting (the image may then be left out)")
        .get());
    o.addOption(Option.builder().longOpt("nodes").hasArg().argName("N")
        .desc("nodes of the job: checks that its VMs fit the job's subnet").get());
    o.addOption(Option.builder().longOpt("cpus-per-node").hasArg().argName("N")
        .desc("CPUs the job has on each node: checks the site's allocation rule").get());
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
      CliHelp.print(out, NAME + " [--config FILE] --image NAME [--vcpus N] [--mem SIZE] [--vms K]"
          + " [--mounts FOLDERS] [--save NAME] [--restore JOBID] [--nodes N] [--cpus-per-node N]", "Checks a request as the prolog would. Exit 0: ok; 2: refused"
          + " (one line naming the field); 1: the site configuration cannot be read.", options());
      return 0;
    }
    if (!cmd.getArgList().isEmpty()) {
      err.println(NAME + ": unexpected argument '" + cmd.getArgList().get(0) + "' (see --help)");
      return 2;
    }
    VcRequest request;
    Integer nodes;
    Integer cpus;
    try {
      request = request(cmd);
      nodes = positive(cmd, "nodes", MAX_NODES);
      cpus = positive(cmd, "cpus-per-node", MAX_CPUS_PER_NODE);
    } catch (RequestException e) {
      err.println(e.getMessage());
      return 2;
    }
    SiteConfig site;
    try {
      site = SiteConfigLoader.load(SiteConfigLoader.locate(Optional.ofNullable(cmd.getOptionValue("config")), env));
    } catch (ConfigException e) {
      err.println(NAME + ": cannot check against the site configuration: " + oneLine(e));
      return 1;
    }
    if (request.image() == null) {
      // a restore without --image: the checkpoint says the image and the size, checked by the prolog
      out.println("ok restore=" + request.restore());
      return 0;
    }
    try {
      Planner.Sizing sizing = check(request, nodes, cpus, site);
      out.println("ok image=" + sizing.imageName() + " vcpus=" + sizing.vcpus() + " mem=" + sizing.memoryMiB()
          + "M vms=" + sizing.vmsPerNode() + (nodes == null ? "" : " nodes=" + nodes)
          + (cpus == null ? "" : " cpus-per-node=" + cpus)
          + (request.mounts() == null ? "" : " mounts=" + (request.mounts().none() ? 0 : request.mounts().extra().size()))
          + (cmd.hasOption("checkpoint") ? " checkpoint=" + (request.checkpointOnTimeout() ? 1 : 0) : "")
          + (request.save() == null ? "" : " save=" + request.save())
          + (request.restore() == null ? "" : " restore=" + request.restore()));
      return 0;
    } catch (RequestException e) {
      err.println(e.getMessage());
      return 2;
    }
  }

  /**
   * The prolog's policy checks of a request, for what is known before the job exists: the request
   * against the catalog and limits, and, when given, the allocation's CPUs per node and node count.
   * Shared by {@code vcluster submit}, so that a request it submits is one this command accepts.
   */
  static Planner.Sizing check(VcRequest request, Integer nodes, Integer cpus, SiteConfig site) {
    Planner.Sizing sizing = Planner.checkRequest(request, site);
    if (cpus != null) {
      Planner.checkAllocation(sizing, site.limits(), List.of("each node"), List.of(cpus));
    }
    if (nodes != null) {
      Planner.checkJobSize(sizing, nodes, site);
    }
    return sizing;
  }

  /** A configuration error in one line: "FILE: N errors: the first; the second", cut at 300 characters. */
  static String oneLine(ConfigException e) {
    String head = e.getMessage().lines().findFirst().orElse("");
    String text = (head + ": " + String.join("; ", e.errors())).replaceAll("\\s*\\R\\s*", " ");
    text = text.strip();
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }

  /** The request, named by the words the prolog's messages use: image, vcpus, mem, vms. */
  static VcRequest request(CommandLine cmd) {
    if (!cmd.hasOption("image") && !cmd.hasOption(Key.RESTORE.option())) {
      throw new RequestException("image", "missing (--image NAME: an image of the site's catalog)");
    }
    List<Field> fields = new ArrayList<>();
    for (Key key : Key.values()) {
      String[] values = cmd.getOptionValues(key.word());
      if (values == null && !key.option().equals(key.word())) {
        values = cmd.getOptionValues(key.option()); // vcluster submit's --mount
      }
      if (values != null) {
        for (String v : values) {
          fields.add(new Field(key, key.word(), v));
        }
      }
    }
    return RequestParser.parse(fields, "vcluster validate");
  }

  static Integer positive(CommandLine cmd, String name, int max) {
    String v = cmd.getOptionValue(name);
    if (v == null) {
      return null;
    }
    if (!v.matches("[0-9]{1,9}") || Integer.parseInt(v) < 1 || Integer.parseInt(v) > max) {
      throw new RequestException(name, "'" + v + "' is not a whole number from 1 to " + max);
    }
    return Integer.parseInt(v);
  }
}
