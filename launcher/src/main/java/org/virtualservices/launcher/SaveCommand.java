package org.virtualservices.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.report.ReportFiles;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.RequestParser;
import org.virtualservices.core.save.SavePolicy;
import org.virtualservices.core.save.SaveRequestFile;

/**
 * {@code vcluster save NAME}, run inside a job (its script, or a shell in its allocation): asks for
 * the head VM's disk to be kept at the job's end as a new revision of the user's image NAME, as
 * {@code --vc-save=NAME} would have at submission (and instead of it). It runs as the user with no
 * privilege: it writes the request, {@code NAME} and a newline, into the report's copy in the job's
 * working folder ({@code vcluster-<job>/save}, {@link SaveRequestFile}), which the epilog reads as
 * the user. Written whole under a temporary name and renamed, so the epilog never reads half of it.
 */
final class SaveCommand {

  static final String NAME = "vcluster save";
  static final String USAGE = "usage: " + NAME + " NAME";

  private final PrintStream out;
  private final PrintStream err;
  private final Tools tools;
  private final Map<String, String> env;

  SaveCommand(PrintStream out, PrintStream err, Tools tools) {
    this.out = out;
    this.err = err;
    this.tools = tools;
    this.env = tools.env();
  }

  int run(List<String> args) {
    try {
      Options o = new Options().addOption(ClusterArgs.help()).addOption(Option.builder().longOpt("config").hasArg()
          .argName("FILE").desc("site configuration (default: $VC_CONFIG, else /etc/vcluster/site.yaml)").get());
      CommandLine cmd = ClusterArgs.parse(o, args, false, USAGE);
      if (cmd.hasOption("help")) {
        out.println(USAGE);
        out.println("Inside a job: at the job's end, power the head VM off and keep its disk as a new revision of your"
            + " image NAME (a later job boots it as user:NAME, this revision as user:NAME@REV). Instead of"
            + " --vc-save, if it was given; the last call wins. Exit 0: asked; 2: refused; 1: could not ask.");
        return 0;
      }
      if (cmd.getArgList().size() != 1) {
        throw new LauncherException(2, "give one NAME (" + USAGE + ")");
      }
      String name = refusal(() -> RequestParser.saveName(NAME, cmd.getArgList().get(0)));
      ReportFiles copy = new ClusterLocator(tools).ownCopy().orElseThrow(() -> new LauncherException(2,
          "not inside a job (no SLURM_JOB_ID or PBS_JOBID): run it in the job's script or allocation"));
      VirtualCluster c = VirtualCluster.load(copy);
      SiteConfig site = SiteFiles.load(cmd, env, err, NAME, true);
      if (site != null) {
        refusal(() -> {
          SavePolicy.check(NAME, name, site);
          return name;
        });
      }
      write(copy.dir(), name);
      out.println("at the job's end, " + c.head().name() + " will be powered off and its disk saved as a new"
          + " revision of user:" + name);
      return 0;
    } catch (LauncherException e) {
      err.println(NAME + ": " + e.getMessage());
      return e.exitCode();
    }
  }

  /** A refused request as this command's one line (exit 2), without the field that the line starts with already. */
  private static String refusal(java.util.function.Supplier<String> check) {
    try {
      return check.get();
    } catch (RequestException e) {
      throw new LauncherException(2, e.getMessage().substring(NAME.length() + 2));
    }
  }

  /** The request, whole: written under a temporary name (0600) and renamed over any earlier one. */
  private static void write(Path dir, String name) {
    Path tmp = dir.resolve("." + SaveRequestFile.FILE + ".tmp");
    try {
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, name + "\n", StandardCharsets.US_ASCII);
      Files.move(tmp, dir.resolve(SaveRequestFile.FILE), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new LauncherException(1, "cannot write the request in " + dir + ": " + e.getMessage());
    }
  }
}
