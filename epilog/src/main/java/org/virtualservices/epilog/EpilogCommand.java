package org.virtualservices.epilog;

import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
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
 * {@code vcluster-epilog}: exit 0 only when nothing of the job is left on the node. A non-zero
 * epilog drains a Slurm node, which is right when something of the job is left there.
 */
public final class EpilogCommand extends HookCommand {

  public EpilogCommand(PrintStream out, PrintStream err, BiFunction<SiteConfig, JobLog, NodeServices> wiring, Clock clock) {
    super("vcluster-epilog", false, out, err, wiring, clock);
  }

  public static EpilogCommand production(PrintStream out, PrintStream err) {
    return new EpilogCommand(out, err, Wiring::production, Clock.systemUTC());
  }

  /**
   * A failure the epilog did not handle: it cannot say that nothing of the job is left, so 1
   * (whoever's doing it was: the epilog reads no user input it could fail on).
   */
  @Override
  protected int exitStatus(Fault fault, ResourceManager rm) {
    return 1;
  }

  @Override
  protected int hook(HookCli cli, Map<String, String> env) {
    ResourceManager rm = cli.resourceManager();
    JobLog log = log(cli);
    SiteConfig config;
    try {
      config = SiteConfigLoader.load(cli.configPath(env));
    } catch (ConfigException e) {
      if (rm == ResourceManager.SLURM && !SlurmHook.asks(env) && !cli.has("sweep")) {
        return 0;
      }
      List<String> lines = e.getMessage().lines().map(String::strip).toList();
      log.failed("config", "{0}", lines.isEmpty() ? "" : lines.get(0));
      lines.stream().skip(1).forEach(line -> log.error("{0}", line));
      return 1;
    }
    NodeServices services = wiring.apply(config, log);
    if (cli.has("sweep")) {
      String node = cli.value("node").orElseGet(EpilogCommand::shortHostName);
      return new Sweep(services, log, services.scheduler().apply(rm), out).run(node, cli.has("yes"));
    }
    HookInvocation inv;
    try {
      inv = cli.invocation(HookPhase.EPILOG, env, config, services.runner());
    } catch (RequestException e) {
      log.failed("job-record", "cannot read the job''s hook environment: {0}", e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      log.failed("job-record", "cannot read the job: {0}", e.getMessage());
      return 1;
    }
    if (cli.isMotherSuperior()) {
      return new MotherSuperiorEpilog(services, log, cli.has("debug")).run(inv) ? 0 : 1;
    }
    if (cli.isSister() && inv.request().isPresent()) {
      // waits for a prolog of the job that still runs here (given up by the mother superior)
      try (NodeLock lock = NodeLock.acquire(StatePaths.of(config).node(inv.job().jobId(), inv.job().thisNode()))) {
        return new Epilog(services, log).run(inv) ? 0 : 1;
      } catch (java.io.UncheckedIOException e) {
        log.failed("node-lock", "{0}", e.getMessage());
        return 1;
      }
    }
    return new Epilog(services, log).run(inv) ? 0 : 1;
  }

  private static String shortHostName() {
    try {
      String h = java.net.InetAddress.getLocalHost().getHostName();
      return h.contains(".") ? h.substring(0, h.indexOf('.')) : h;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("this node's host name (give --node): " + e.getMessage(), e);
    }
  }
}
