package org.virtualservices.core.fabric;

/**
 * The job's network cannot be made on this node because something of another network is already
 * there under its VNI, its names or its subnet. Thrown before anything is made: the node is fine
 * and must not be drained; the job is refused (and may be requeued), and the other network is left
 * as it is.
 */
public class NetworkClashException extends FabricException {
  public NetworkClashException(String message) {
    super(message);
  }
}
