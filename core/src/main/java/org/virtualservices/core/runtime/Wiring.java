package org.virtualservices.core.runtime;

import java.nio.file.Path;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.config.Network;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.Tools;
import org.virtualservices.core.fabric.Fabric;
import org.virtualservices.core.fabric.NoFabric;
import org.virtualservices.core.fabric.UnderlayResolver;
import org.virtualservices.core.fabric.linux.LinuxFabric;
import org.virtualservices.core.fabric.linux.NetTools;
import org.virtualservices.core.log.JobLog;

/** The production wiring of a hook, from the site configuration. */
public final class Wiring {

  private Wiring() {
  }

  /** The installation folder, which the bin scripts pass as {@code -Dvcluster.home}. */
  public static Path installDir() {
    String home = System.getProperty("vcluster.home");
    return home == null ? null : Path.of(home);
  }

  public static NodeServices production(SiteConfig config, JobLog log) {
    return production(config, log, new ProcessCommandRunner(log));
  }

  /** The production wiring with another runner: the class data sharing archive's training run. */
  public static NodeServices production(SiteConfig config, JobLog log, CommandRunner runner) {
    return NodeServices.production(config, runner, fabric(config, runner, log), installDir(),
        underlay(config.network()));
  }

  static Fabric fabric(SiteConfig config, CommandRunner runner, JobLog log) {
    if (config.network().mode() == Network.Mode.none) {
      return new NoFabric();
    }
    Tools t = config.tools();
    return new LinuxFabric(runner, new NetTools(t.ip(), t.bridge(), t.nft()), log);
  }

  /** Node name -> underlay address, as {@code network.underlay} says. */
  static UnderlayResolver underlay(Network net) {
    return switch (net.underlay()) {
      case resolver -> UnderlayResolver.system();
      case map -> UnderlayResolver.of(net.underlayMap());
      case pattern -> UnderlayResolver.pattern(net.underlayPattern());
    };
  }
}
