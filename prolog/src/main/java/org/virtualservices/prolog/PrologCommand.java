package org.virtualservices.prolog;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.virtualservices.core.checkpoint.RecordedCall;
import org.virtualservices.core.config.ConfigException;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.journal.NodeLock;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.HookPhase;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.rm.SlurmHook;
import org.virtualservices.core.runtime.Fault;
import org.virtualservices.core.runtime.HookCli;
import org.virtualservices.core.runtime.HookCommand;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.runtime.Wiring;
import org.virtualservices.core.plan.StatePaths;

/**
 * {@code vcluster-prolog}: reads the call as the resource manager makes it (argv and environment),
 * and returns the exit status. Testable in-process: the wiring is a function of the configuration.
 */
public final class PrologCommand extends HookCommand {

  public PrologCommand(PrintStream out, PrintStream err, BiFunction<SiteConfig, JobLog, NodeServices> wiring, Clock clock) {
    super("vcluster-prolog", true, out, err, wiring, clock);
  }

  /** The production command. */
  public static PrologCommand production(PrintStream out, PrintStream err) {
    return new PrologCommand(out, err, Wiring::production, Clock.systemUTC());
  }

  /** A failure the prolog did not handle: the node's, unless it is known to be the user's. */
  @Override
  protected int exitStatus(Fault fault, ResourceManager rm) {
    return (fault == Fault.USER ? Outcome.USER_ERROR : Outcome.NODE_FAULT).exitStatus(rm);
  }

  @Override
  protected int hook(HookCli cli, Map<String, String> env) {
    ResourceManager rm = cli.resourceManager();
    // the hook runs for every job of the site: a job without a request costs no more than this
    if (rm == ResourceManager.SLURM && !cli.has("dry-run") && !SlurmHook.asks(env)) {
      return 0;
    }
    JobLog log = log(cli);
    SiteConfig config;
    Instant loading = clock.instant();
    try {
      config = SiteConfigLoader.load(cli.configPath(env));
    } catch (ConfigException e) {
      configError(log, e);
      return exit(Outcome.NODE_FAULT, rm);
    }
    NodeServices services = wiring.apply(config, log);
    HookInvocation inv;
    try {
      inv = cli.invocation(HookPhase.PROLOG, env, config, services.runner());
    } catch (RequestException e) {
      if (cli.has("dry-run") || cli.isSister()) {
        // a sister's call is written by the mother superior, never by a user: a bad one is a usage error
        log.error("cannot read the job''s request: {0}", e.getMessage());
        err.println("vcluster-prolog: " + e.getMessage());
        return HookCli.USAGE;
      }
      log.failed("request", "cannot read the job''s request: {0}", e.getMessage());
      return exit(Outcome.USER_ERROR, rm);
    } catch (RuntimeException e) {
      // PBS's server did not answer qstat, say: not the user's doing, and the job may run later
      log.failed("job-record", "cannot read the job''s request: {0}", Prolog.message(e));
      return exit(Outcome.NODE_FAULT, rm);
    }
    if (inv.refused().isPresent() && (cli.has("dry-run") || cli.isSister())) {
      err.println("vcluster-prolog: request refused: " + inv.refused().get().getMessage());
      return HookCli.USAGE;
    }
    if (!cli.has("dry-run") && inv.request().isPresent()) {
      // parsed meanwhile for the renders to come; a job without a request (PBS) renders nothing
      services.templates().prepare(Prolog.TEMPLATES);
    }
    Prolog prolog = new Prolog(services, log);
    // the configuration's parsing and the wiring: the first work of the hook after the JVM start
    prolog.timed("config", Duration.between(loading, clock.instant()));
    if (cli.has("dry-run")) {
      try {
        return exit(prolog.dryRun(inv, out), rm);
      } catch (RequestException e) {
        err.println("vcluster-prolog: request refused: " + e.getMessage());
        return HookCli.USAGE;
      }
    }
    if (cli.isMotherSuperior()) {
      return exit(new MotherSuperiorProlog(services, log, cli.has("debug")).run(prolog, inv), rm);
    }
    if (cli.isSister() && inv.request().isPresent()) {
      // the mother superior may give this prolog up and run the epilog here while it still runs
      try (NodeLock lock = NodeLock.acquire(StatePaths.of(config).node(inv.job().jobId(), inv.job().thisNode()))) {
        return exit(prolog.run(inv), rm);
      } catch (java.io.UncheckedIOException e) {
        log.failed("node-lock", "{0}", e.getMessage());
        return exit(Outcome.NODE_FAULT, rm);
      }
    }
    Outcome outcome = prolog.run(inv);
    if (outcome == Outcome.OK && rm == ResourceManager.SLURM && inv.request().isPresent()) {
      // what the helper of vcluster checkpoint rebuilds the job's plan from (its step's environment is the user's)
      try {
        RecordedCall.write(StatePaths.of(config).node(inv.job().jobId(), inv.job().thisNode()), env);
      } catch (java.io.IOException | RuntimeException e) {
        log.warn("vcluster checkpoint is off for this job here: {0}", e.getMessage());
      }
    }
    return exit(outcome, rm);
  }

  /** The exit status of {@code outcome}, which the outcome line names as such. */
  private int exit(Outcome outcome, ResourceManager rm) {
    return ended(outcome.kind(), outcome.exitStatus(rm));
  }

  /** A configuration error: each of its lines logged, the first the outcome line's error. */
  static void configError(JobLog log, ConfigException e) {
    List<String> lines = e.getMessage().lines().map(String::strip).toList();
    log.failed("config", "{0}", lines.isEmpty() ? "" : lines.get(0));
    lines.stream().skip(1).forEach(line -> log.error("{0}", line));
  }
}
