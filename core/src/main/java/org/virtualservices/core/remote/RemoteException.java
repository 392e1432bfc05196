package org.virtualservices.core.remote;

/**
 * The remote command could not be run at all: connection refused, authentication failed, a host
 * key that is unknown or does not match, a timeout. The message names the host and what failed.
 */
public final class RemoteException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public RemoteException(RemoteHost host, String what, Throwable cause) {
    super("ssh " + host.display() + ": " + what + (cause == null ? "" : ": " + cause.getMessage()), cause);
  }
}
