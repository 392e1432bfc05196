package org.virtualservices.core.runtime;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.log.OutcomeRecord;
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
   * classified by {@link Fault#of}: the node's fault unless it is known to be the user's. The
   * call's last line is its outcome (docs/hooks.md, "The outcome line").
   */
  public final int run(List<String> args, Map<String, String> env) {
    current = null;
    Instant began = clock.instant();
    int exit = call(args, env);
    if (current != null) {
      try {
        current.writeOutcome(exit, Duration.between(began, clock.instant()));
      } catch (RuntimeException e) {
        err.println(program + ": cannot write the outcome line: " + Shown.line(String.valueOf(e.getMessage()), 200));
      }
    }
    return exit;
  }

  private int call(List<String> args, Map<String, String> env) {
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
        if (current == null) {
          current = new JobLog(program, err, clock, false);
        }
        JobLog log = current;
        log.failed("unexpected", "unexpected {0}{1}: {2}", e.getClass().getSimpleName(), where(e),
            Shown.line(String.valueOf(e.getMessage()), 300));
        log.outcome().kind(fault == Fault.USER ? OutcomeRecord.Kind.USER_ERROR : OutcomeRecord.Kind.NODE_FAULT);
        log.stack(e);
      } catch (RuntimeException | Error again) {
        err.println(program + ": unexpected " + e.getClass().getSimpleName());
      }
      return exitStatus(fault, rm);
    }
  }

  /**
   * The outcome line's kind, for a hook whose exit status does not say it (a Slurm prolog exits 0
   * for a user's mistake); returns {@code exit}.
   */
  protected final int ended(OutcomeRecord.Kind kind, int exit) {
    if (current != null) {
      current.outcome().kind(kind);
    }
    return exit;
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
      String hook = prolog ? "prolog" : cli.has("sweep") ? "sweep" : "epilog";
      current = new JobLog(program, hook, err, clock, cli.has("debug"));
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
