package org.virtualservices.launcher;

import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.ggf.drmaa.DrmaaException;
import org.ggf.drmaa.Session;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.launcher.drmaa.GridSession;
import org.virtualservices.launcher.drmaa.Sessions;

/**
 * {@code vcluster cancel JOB...}: ends jobs through the DRMAA session (control TERMINATE: scancel,
 * qdel). A job that has already ended is left as it is. Exit 0 when every job was ended or had
 * ended; 1 when one is unknown or could not be ended; 2 usage.
 */
final class CancelCommand {

  static final String NAME = "vcluster cancel";

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final CommandRunner runner;

  CancelCommand(PrintStream out, PrintStream err, Map<String, String> env) {
    this(out, err, env, new ProcessCommandRunner());
  }

  CancelCommand(PrintStream out, PrintStream err, Map<String, String> env, CommandRunner runner) {
    this.out = out;
    this.err = err;
    this.env = env;
    this.runner = runner;
  }

  int run(List<String> args) {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("config").hasArg().argName("FILE").desc("site configuration").get());
    o.addOption(Option.builder("h").longOpt("help").desc("this help").get());
    CommandLine cmd;
    try {
      cmd = DefaultParser.builder().get().parse(o, args.toArray(String[]::new));
    } catch (ParseException e) {
      err.println(NAME + ": " + e.getMessage() + " (usage: " + NAME + " [--config FILE] JOB...)");
      return 2;
    }
    if (cmd.hasOption("help")) {
      out.println("usage: " + NAME + " [--config FILE] JOB...  (ends the jobs: scancel or qdel, through DRMAA)");
      return 0;
    }
    if (cmd.getArgList().isEmpty()) {
      err.println(NAME + ": no job given (usage: " + NAME + " [--config FILE] JOB...)");
      return 2;
    }
    SiteConfig site = SiteFiles.load(cmd, env, err, NAME, false);
    site = site != null ? site : SiteFiles.defaults();
    GridSession session;
    try {
      session = Sessions.create(site.submit(), env, runner, Clock.systemUTC(), d -> { });
    } catch (IllegalStateException e) {
      err.println(NAME + ": " + e.getMessage());
      return 1;
    }
    int rc = 0;
    try {
      session.init(null);
      for (String job : cmd.getArgList()) {
        try {
          session.control(job, Session.TERMINATE);
          out.println("job " + job + ": terminate asked");
        } catch (DrmaaException e) {
          err.println(NAME + ": " + e.getMessage());
          rc = 1;
        }
      }
      session.exit();
    } catch (DrmaaException e) {
      err.println(NAME + ": " + e.getMessage());
      return 1;
    }
    return rc;
  }
}
