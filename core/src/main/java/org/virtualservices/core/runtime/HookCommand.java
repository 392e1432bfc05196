package org.virtualservices.core.runtime;

import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.log.JobLog;

/**
 * A hook's command line: what the prolog and the epilog do alike (parse, --help, the
 * configuration commands) before each does its own. Takes argv and the environment map and
 * returns the exit status, so it is tested in-process; mains only call it and exit.
 */
public abstract class HookCommand {

  protected final PrintStream out;
  protected final PrintStream err;
  protected final BiFunction<SiteConfig, JobLog, NodeServices> wiring;
  protected final Clock clock;
  /** Started once the hook knows that the job asks for a virtual cluster, before it reads its configuration. */
  protected final Runnable warmUp;
  private final String program;
  private final boolean prolog;

  protected HookCommand(String program, boolean prolog, PrintStream out, PrintStream err,
      BiFunction<SiteConfig, JobLog, NodeServices> wiring, Clock clock) {
    this(program, prolog, out, err, wiring, () -> { }, clock);
  }

  protected HookCommand(String program, boolean prolog, PrintStream out, PrintStream err,
      BiFunction<SiteConfig, JobLog, NodeServices> wiring, Runnable warmUp, Clock clock) {
    this.warmUp = warmUp;
    this.program = program;
    this.prolog = prolog;
    this.out = out;
    this.err = err;
    this.wiring = wiring;
    this.clock = clock;
  }

  public final int run(List<String> args, Map<String, String> env) {
    Optional<HookCli> parsed = HookCli.parse(program, prolog, args, err);
    if (parsed.isEmpty()) {
      return HookCli.USAGE;
    }
    HookCli cli = parsed.get();
    if (cli.has("help")) {
      cli.help(out, prolog);
      return 0;
    }
    Optional<Integer> configCommand = cli.configCommands(env, out, err);
    if (configCommand.isPresent()) {
      return configCommand.get();
    }
    return hook(cli, env);
  }

  /** The hook's own work, once the command line is read. */
  protected abstract int hook(HookCli cli, Map<String, String> env);

  /** The log of this call: every line names the job and node once the hook knows them. */
  protected JobLog log(HookCli cli) {
    return new JobLog(program, err, clock, cli.has("debug"));
  }
}
