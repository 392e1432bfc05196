package org.virtualservices.core.hypervisor;

/** What the hypervisor says of a domain, reduced to what the hooks act on. */
public enum DomainState {
  RUNNING,
  PAUSED,
  SHUTOFF,
  CRASHED,
  OTHER,
  /** no such domain */
  ABSENT
}
