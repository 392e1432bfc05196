package org.virtualservices.core.remote;

import java.util.Objects;

/**
 * A host reached over SSH: a name for messages and output prefixes (a VM or node name), the
 * address to connect to, the port and the login.
 */
public record RemoteHost(String name, String address, int port, String user) {

  public RemoteHost {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(user, "user");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("ssh port of " + name + " out of range: " + port);
    }
  }

  public static RemoteHost of(String name, String address, String user) {
    return new RemoteHost(name, address, 22, user);
  }

  /** user@address:port, as messages name it. */
  public String display() {
    return user + "@" + address + (port == 22 ? "" : ":" + port) + (name.equals(address) ? "" : " (" + name + ")");
  }
}
