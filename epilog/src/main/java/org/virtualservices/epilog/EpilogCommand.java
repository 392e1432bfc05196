package org.virtualservices.epilog;

import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.virtualservices.core.config.ConfigException;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.HookPhase;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.rm.SlurmHook;
import org.virtualservices.core.runtime.HookCli;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.runtime.Wiring;

/**
 * {@code vcluster-epilog}: exit 0 only when nothing of the job is left on the node. A non-zero
 * epilog drains a Slurm node, which is right when something of the job is left there.
 */
public final class EpilogCommand {

  private final PrintStream out;
  private final PrintStream err;
  private final Function<SiteConfig, NodeServices> wiring;
  private final Clock clock;

  public EpilogCommand(PrintStream out, PrintStream err, Function<SiteConfig, NodeServices> wiring, Clock clock) {
    this.out = out;
    this.err = err;
    this.wiring = wiring;
    this.clock = clock;
  }

  public static EpilogCommand production(PrintStream out, PrintStream err, boolean debug) {
    JobLog log = new JobLog("vcluster-epilog", err, Clock.systemUTC(), debug);
    return new EpilogCommand(out, err, c -> Wiring.production(c, log), Clock.systemUTC());
  }

  public int run(List<String> args, Map<String, String> env) {
    Optional<HookCli> parsed = HookCli.parse("vcluster-epilog", false, args, err);
    if (parsed.isEmpty()) {
      return HookCli.USAGE;
    }
    HookCli cli = parsed.get();
    if (cli.has("help")) {
      cli.help(out, false);
      return 0;
    }
    Optional<Integer> configCommand = cli.configCommands(env, out, err);
    if (configCommand.isPresent()) {
      return configCommand.get();
    }
    ResourceManager rm = cli.resourceManager();
    JobLog log = new JobLog("vcluster-epilog", err, clock, cli.has("debug"));
    SiteConfig config;
    try {
      config = SiteConfigLoader.load(cli.configPath(env));
    } catch (ConfigException e) {
      if (rm == ResourceManager.SLURM && SlurmHook.request(env).isEmpty()) {
        return 0;
      }
      log.error("{0}", e.getMessage());
      return 1;
    }
    NodeServices services = wiring.apply(config);
    HookInvocation inv;
    try {
      inv = cli.invocation(HookPhase.EPILOG, env, config, services.runner());
    } catch (RequestException e) {
      log.error("cannot read the job''s hook environment: {0}", e.getMessage());
      return 1;
    }
    return new Epilog(services, log).run(inv) ? 0 : 1;
  }
}
