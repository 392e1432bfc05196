package org.virtualservices.core.remote;

/**
 * How a remote command ended: its exit status, or {@link #NO_STATUS} when the channel closed
 * without one (killed by a signal, or the connection dropped).
 */
public record RemoteResult(RemoteHost host, String command, int exitStatus) {

  public static final int NO_STATUS = -1;

  public boolean ok() {
    return exitStatus == 0;
  }
}
