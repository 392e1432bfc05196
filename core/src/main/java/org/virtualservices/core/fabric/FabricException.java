package org.virtualservices.core.fabric;

/** The fabric could not be made; the message says which step on which device. */
public class FabricException extends RuntimeException {
  public FabricException(String message) {
    super(message);
  }

  public FabricException(String message, Throwable cause) {
    super(message, cause);
  }
}
