package org.virtualservices.core.ready;

/**
 * A condition a VM must meet before the job may start; small and composable
 * ({@link DomainRunning}, {@link MarkerSeen}, {@link PortOpen}).
 */
public interface ReadinessCheck {

  /** What is awaited, where: "domain vc42-0 running on qemu:///system". */
  String describe();

  /** One look; cheap, never blocks for long. */
  Status check();
}
