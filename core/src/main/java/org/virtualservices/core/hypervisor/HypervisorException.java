package org.virtualservices.core.hypervisor;

/** A hypervisor operation failed; the message says which operation, on what, at which URI. */
public class HypervisorException extends RuntimeException {
  public HypervisorException(String message, Throwable cause) {
    super(message, cause);
  }

  public HypervisorException(String message) {
    super(message);
  }
}
