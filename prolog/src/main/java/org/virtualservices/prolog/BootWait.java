package org.virtualservices.prolog;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.virtualservices.core.config.Boot;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.ready.DomainRunning;
import org.virtualservices.core.ready.InOrder;
import org.virtualservices.core.ready.MarkerSeen;
import org.virtualservices.core.ready.NotReadyException;
import org.virtualservices.core.ready.PortOpen;
import org.virtualservices.core.ready.PortsOpen;
import org.virtualservices.core.ready.Readiness;
import org.virtualservices.core.ready.ReadinessCheck;
import org.virtualservices.core.ready.Sleeper;
import org.virtualservices.core.runtime.NodeServices;

/**
 * The prolog's wait for the VMs to boot (docs/hooks.md, step "ready"): this node's VMs by the
 * configured probes, then, on the batch host with the port probe, the other nodes' VMs over the
 * job's network.
 */
final class BootWait {

  /** The least time between two looks at the consoles when their logs are written to. */
  private static final Duration CONSOLE_LOOKS_APART = Duration.ofMillis(50);

  private final NodeServices s;

  BootWait(NodeServices services) {
    this.s = services;
  }

  /**
   * Waits for this node's VMs (a timeout is this node's fault), then, on the batch host with the
   * port probe, for the other nodes' VMs. Those being late is not this node's fault: their own
   * nodes' prologs say why, and draining the batch host for it would take a healthy node out of
   * service.
   *
   * @param restored the VMs were restored from a checkpoint, not booted
   * @throws NotReadyException when this node's VMs are not ready in time
   * @throws PeersNotReadyException when the other nodes' VMs are not
   */
  void await(Hypervisor hv, Plan plan, NodePlan mine, String thisNode, boolean restored) {
    Boot boot = s.config().boot();
    boolean ports = boot.readiness().contains(Boot.Probe.port) && plan.isBatchHost(thisNode);
    List<ReadinessCheck> local = new ArrayList<>();
    Map<ReadinessCheck, VmPlan> vmOf = new IdentityHashMap<>();
    for (VmPlan v : mine.vms()) {
      // one VM's probes in order: its port is not probed before its console says it is ready
      List<ReadinessCheck> steps = new ArrayList<>();
      if (boot.readiness().contains(Boot.Probe.running)) {
        steps.add(new DomainRunning(hv, v.name()));
      }
      // a restored guest does not boot: its console never says the marker again
      if (boot.readiness().contains(Boot.Probe.marker) && !restored) {
        steps.add(new MarkerSeen(v.console(), boot.marker() + " " + v.name(), boot.failureMarker()));
      }
      if (ports) {
        steps.add(portOf(v, boot));
      }
      if (!steps.isEmpty()) {
        InOrder one = new InOrder(steps);
        local.add(one);
        vmOf.put(one, v);
      }
    }
    Duration poll = Duration.ofMillis(boot.pollMillis());
    Readiness readiness = new Readiness(s.clock(), s.sleeper(), poll);
    Instant start = s.clock().instant();
    Duration timeout = Duration.ofSeconds(boot.timeoutSeconds());
    try (Sleeper.Waking waking = consoleSleeper(mine, boot, poll)) {
      new Readiness(s.clock(), waking, poll).await(local, timeout, "on node " + thisNode);
    } catch (NotReadyException e) {
      // the VMs named, each with its console's last lines (escaped: the guest wrote them)
      List<VmPlan> late = e.pending().stream().map(vmOf::get).filter(Objects::nonNull).toList();
      throw new NotReadyException(e.getMessage() + ConsoleQuote.of(late), e.pending());
    }
    if (!ports) {
      return;
    }
    // all of them probed at once: one after another, each late VM would cost a connect timeout
    List<PortOpen> others = plan.vms().stream().filter(v -> !v.node().equals(thisNode))
        .map(v -> portOf(v, boot)).toList();
    List<ReadinessCheck> remote = others.isEmpty() ? List.of()
        : List.of(new PortsOpen(others, Math.min(1000, boot.pollMillis() * 5)));
    Duration left = timeout.minus(Duration.between(start, s.clock().instant()));
    try {
      readiness.await(remote, left.isNegative() ? Duration.ZERO : left, "on batch host " + thisNode);
    } catch (NotReadyException e) {
      throw new PeersNotReadyException(e.getMessage() + " (the other nodes' own logs say why)");
    }
  }

  /**
   * With the marker probe, the wait on this node's VMs also wakes when a console log is written:
   * the ready line is seen at once (the injected sleeper decides how; tests' do not sleep at all).
   */
  private Sleeper.Waking consoleSleeper(NodePlan mine, Boot boot, Duration poll) {
    List<Path> folders = boot.readiness().contains(Boot.Probe.marker)
        ? mine.vms().stream().map(v -> v.console().getParent()).distinct().toList() : List.of();
    return s.sleeper().wakingOn(folders, CONSOLE_LOOKS_APART.compareTo(poll) < 0 ? CONSOLE_LOOKS_APART : poll);
  }

  private static PortOpen portOf(VmPlan v, Boot boot) {
    return new PortOpen(v.name() + " on " + v.node(), v.ip(), boot.port(), Math.min(1000, boot.pollMillis() * 5));
  }

  /** VMs of other nodes did not answer the batch host: not this node's fault. */
  static final class PeersNotReadyException extends RuntimeException {
    PeersNotReadyException(String message) {
      super(message);
    }
  }
}
