package org.virtualservices.core.runtime;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.config.Pbs;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.fabric.Fabric;
import org.virtualservices.core.fabric.UnderlayResolver;
import org.virtualservices.core.faults.FaultPoints;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.LibvirtHypervisor;
import org.virtualservices.core.keys.KeyDeriver;
import org.virtualservices.core.ready.Sleeper;
import org.virtualservices.core.remote.JschRemoteShell;
import org.virtualservices.core.remote.RemoteShell;
import org.virtualservices.core.render.Templates;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.rm.ActiveJobs;
import org.virtualservices.core.rm.SchedulerJobs;

/**
 * Everything a hook uses on one node, wired once at start-up: production wiring in
 * {@link #production}, fakes in tests. Nothing here connects to anything until asked: a job
 * without a request must cost nothing.
 *
 * @param hypervisors opens a connection to the node's hypervisor, given its URI
 * @param keys the site's key deriver, read when first needed
 * @param underlay node name -> underlay address, as the site configures
 * @param scheduler which jobs the resource manager still knows (for the admin's sweep, never a hook)
 * @param sisterShell opens the SSH client a PBS mother superior reaches its sister nodes with
 */
public record NodeServices(SiteConfig config, CommandRunner runner, Clock clock, Sleeper sleeper,
    Function<String, Hypervisor> hypervisors, Fabric fabric, Templates templates, Supplier<KeyDeriver> keys,
    UnderlayResolver underlay, FaultPoints faults, Function<ResourceManager, ActiveJobs> scheduler,
    Supplier<RemoteShell> sisterShell) {

  /** Without SSH to sister nodes: everything but a PBS mother superior of a job on several nodes. */
  public NodeServices(SiteConfig config, CommandRunner runner, Clock clock, Sleeper sleeper,
      Function<String, Hypervisor> hypervisors, Fabric fabric, Templates templates, Supplier<KeyDeriver> keys,
      UnderlayResolver underlay, FaultPoints faults, Function<ResourceManager, ActiveJobs> scheduler) {
    this(config, runner, clock, sleeper, hypervisors, fabric, templates, keys, underlay, faults, scheduler, () -> {
      throw new IllegalStateException("no SSH client to the sister nodes is wired here");
    });
  }

  /** The mother superior's SSH client: its key, the sisters' known_hosts only, the connect timeout. */
  public static RemoteShell sisterShell(Pbs pbs) {
    return new JschRemoteShell(pbs.sshIdentity(), pbs.sshKnownHosts(),
        Duration.ofSeconds(pbs.sshConnectTimeoutSeconds()));
  }

  /** The real thing: libvirt at the configured URI, the configured fabric, the system clock. */
  public static NodeServices production(SiteConfig config, CommandRunner runner, Fabric fabric, Path installDir,
      UnderlayResolver underlay) {
    List<Path> templateDirs = new ArrayList<>();
    if (config.templatesDir() != null) {
      templateDirs.add(config.templatesDir());
    }
    if (installDir != null) {
      templateDirs.add(installDir.resolve("templates"));
    }
    return new NodeServices(config, runner, Clock.systemUTC(), Sleeper.REAL, LibvirtHypervisor::open, fabric,
        new Templates(templateDirs), () -> KeyDeriver.fromFile(config.secretFile()), underlay, FaultPoints.from(config.testing()),
        rm -> rm == ResourceManager.PBS ? SchedulerJobs.pbs(runner, config.pbs().qstat())
            : SchedulerJobs.slurm(runner, config.tools().squeue()),
        () -> sisterShell(config.pbs()));
  }
}
