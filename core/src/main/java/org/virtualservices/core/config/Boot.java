package org.virtualservices.core.config;

import java.util.List;

/** How long VMs may take to become ready, and what "ready" means. */
public record Boot(
    @Doc(value = "seconds the prolog waits for every VM of the node to become ready", defaultValue = "180")
    int timeoutSeconds,
    @Doc(value = "what must hold for a VM to be ready: running (libvirt says so), marker (the console log shows"
        + " the marker line), port (the batch host connects to the port of every VM of the job)",
        defaultValue = "[running, marker]") List<Probe> readiness,
    @Doc(value = "the console line a guest prints when ready; its host name follows", defaultValue = "VC-READY")
    String marker,
    @Doc(value = "the console line a guest prints when its start failed", defaultValue = "VC-FAILED")
    String failureMarker,
    @Doc(value = "the TCP port the port probe connects to", defaultValue = "22") int port,
    @Doc(value = "milliseconds between two looks at a VM that is not ready yet", defaultValue = "200")
    int pollMillis) {

  /** A readiness probe. */
  public enum Probe {
    running,
    marker,
    port
  }
}
