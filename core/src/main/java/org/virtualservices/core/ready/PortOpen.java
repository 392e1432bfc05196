package org.virtualservices.core.ready;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** A TCP port of the VM accepts connections (from the batch host, which has an address on the job's network). */
public record PortOpen(String vm, String address, int port, int connectTimeoutMillis) implements ReadinessCheck {

  @Override
  public String describe() {
    return "TCP port " + port + " of " + vm + " (" + address + ") accepting connections";
  }

  @Override
  public Status check() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), connectTimeoutMillis);
      return Status.ready();
    } catch (IOException e) {
      return Status.notYet(e.getMessage());
    }
  }
}
