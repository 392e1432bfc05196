package org.virtualservices.core.ready;

import org.virtualservices.core.hypervisor.DomainState;
import org.virtualservices.core.hypervisor.Hypervisor;

/** The domain runs; one that shut off or crashed never will by itself. */
public record DomainRunning(Hypervisor hypervisor, String domain) implements ReadinessCheck {

  @Override
  public String describe() {
    return "domain " + domain + " running on " + hypervisor.uri();
  }

  @Override
  public Status check() {
    DomainState s = hypervisor.state(domain);
    return switch (s) {
      case RUNNING -> Status.ready();
      case SHUTOFF, CRASHED, ABSENT -> Status.failed("domain " + domain + " is " + s.name().toLowerCase());
      default -> Status.notYet("domain " + domain + " is " + s.name().toLowerCase());
    };
  }
}
