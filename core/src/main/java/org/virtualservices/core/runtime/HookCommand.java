package org.virtualservices.core.runtime;

import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.request.ResourceManager;

/**
 * A hook's command line: what the prolog and the epilog do alike (parse, --help, the
 * configuration commands) before each does its own. Takes argv and the environment map and
 * returns the exit status, so it is tested in-process; mains only call it and exit. One instance
 * runs one call at a time.
 */
public abstract class HookCommand {

  protected final PrintStream out;
  protected final PrintStream err;
  protected final BiFunction<SiteConfig, JobLog, NodeServices> wiring;
  protected final Clock clock;
  private final String program;
  private final boolean prolog;
  /** This call's log, once the hook made it. */
  private JobLog current;

  protected HookCommand(String program, boolean prolog, PrintStream out, PrintStream err,
      BiFunction<SiteConfig, JobLog, NodeServices> wiring, Clock clock) {
    this.program = program;
    this.prolog = prolog;
    this.out = out;
    this.err = err;
    this.wiring = wiring;
    this.clock = clock;
  }

  /**
   * The hook: every failure ends here as an exit status, never as a stack trace. What the hook
   * itself does not handle is logged in one line (its stack goes to the job's log file) and
   * classified by {@link Fault#of}: the node's fault unless it is known to be the user's.
   */
  public final int run(List<String> args, Map<String, String> env) {
    current = null;
    ResourceManager rm = ResourceManager.SLURM;
    try {
      Optional<HookCli> parsed = HookCli.parse(program, prolog, args, err);
      if (parsed.isEmpty()) {
        return HookCli.USAGE;
      }
      HookCli cli = parsed.get();
      rm = cli.resourceManager();
      if (cli.has("help")) {
        cli.help(out, prolog);
        return 0;
      }
      Optional<Integer> configCommand = cli.configCommands(env, out, err);
      if (configCommand.isPresent()) {
        return configCommand.get();
      }
      return hook(cli, env);
    } catch (Exception | LinkageError | VirtualMachineError e) {
      // LinkageError: libvirt's library or a class missing; VirtualMachineError: out of memory, say
      Fault fault = Fault.of(e);
      try {
        JobLog log = current != null ? current : new JobLog(program, err, clock, false);
        log.error("unexpected {0}{1}: {2}", e.getClass().getSimpleName(), where(e),
            Shown.line(String.valueOf(e.getMessage()), 300));
        log.stack(e);
      } catch (RuntimeException | Error again) {
        err.println(program + ": unexpected " + e.getClass().getSimpleName());
      }
      return exitStatus(fault, rm);
    }
  }

  /** The hook's own work, once the command line is read. */
  protected abstract int hook(HookCli cli, Map<String, String> env);

  /** The exit status for a failure the hook did not handle itself. */
  protected abstract int exitStatus(Fault fault, ResourceManager rm);

  /**
   * The log of this call: every line names the job and node once the hook knows them. One per
   * call of {@link #run}, so that a failure the hook did not handle is logged where its others are.
   */
  protected JobLog log(HookCli cli) {
    if (current == null) {
      current = new JobLog(program, err, clock, cli.has("debug"));
    }
    return current;
  }

  /** " at Prolog.java:123", the first frame of ours, for the one line an admin sees. */
  private static String where(Throwable e) {
    for (StackTraceElement f : e.getStackTrace()) {
      if (f.getClassName().startsWith("org.virtualservices.")) {
        return " at " + f.getFileName() + ":" + f.getLineNumber();
      }
    }
    return "";
  }
}
