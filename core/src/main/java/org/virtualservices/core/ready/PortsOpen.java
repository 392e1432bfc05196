package org.virtualservices.core.ready;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Many VMs' TCP ports, probed all at once: the batch host's look at the other nodes' VMs. One
 * {@link PortOpen} after another costs up to its connect timeout for each VM whose network is not
 * up yet (a SYN to an address nobody answers ARP for), so a round over 1,023 late VMs would take
 * minutes; here every pending port is connected to at the same time (non-blocking sockets, one
 * selector) and a round takes at most one connect timeout, whatever the number of VMs.
 */
public final class PortsOpen implements ReadinessCheck {

  private static final int NAMED = 5;

  private final Map<PortOpen, String> pending = new LinkedHashMap<>();
  private final int connectTimeoutMillis;

  /** @param ports the VMs' ports; their own connect timeouts are not used, this one is */
  public PortsOpen(List<PortOpen> ports, int connectTimeoutMillis) {
    ports.forEach(p -> pending.put(p, "not looked at yet"));
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  @Override
  public String describe() {
    if (pending.isEmpty()) {
      return "TCP ports of every VM accepting connections";
    }
    List<PortOpen> left = new ArrayList<>(pending.keySet());
    String named = left.stream().limit(NAMED).map(p -> p.vm() + " (" + p.address() + ")")
        .collect(Collectors.joining(", "));
    return "TCP port " + left.get(0).port() + " of " + named
        + (left.size() > NAMED ? " and " + (left.size() - NAMED) + " more VMs" : "") + " accepting connections";
  }

  @Override
  public Status check() {
    if (pending.isEmpty()) {
      return Status.ready();
    }
    try (Selector selector = Selector.open()) {
      Map<SocketChannel, PortOpen> connecting = new LinkedHashMap<>();
      try {
        for (PortOpen p : new ArrayList<>(pending.keySet())) {
          SocketChannel ch = SocketChannel.open();
          ch.configureBlocking(false);
          connecting.put(ch, p);
          try {
            if (ch.connect(new InetSocketAddress(p.address(), p.port()))) {
              pending.remove(p);
            } else {
              ch.register(selector, SelectionKey.OP_CONNECT);
            }
          } catch (IOException e) {
            pending.put(p, e.getMessage());
          }
        }
        long deadline = System.nanoTime() + connectTimeoutMillis * 1_000_000L;
        while (!selector.keys().isEmpty()) {
          long left = (deadline - System.nanoTime()) / 1_000_000L;
          if (left <= 0 || selector.select(left) == 0 && System.nanoTime() >= deadline) {
            break;
          }
          for (SelectionKey k : selector.selectedKeys()) {
            SocketChannel ch = (SocketChannel) k.channel();
            PortOpen p = connecting.get(ch);
            try {
              if (ch.finishConnect()) {
                pending.remove(p);
              }
            } catch (IOException e) {
              pending.put(p, e.getMessage());
            }
            k.cancel();
          }
          selector.selectedKeys().clear();
          selector.selectNow(); // drops the cancelled keys
        }
        for (SelectionKey k : selector.keys()) {
          PortOpen p = connecting.get((SocketChannel) k.channel());
          if (pending.containsKey(p)) {
            pending.put(p, "connect timed out after " + connectTimeoutMillis + " ms");
          }
        }
      } finally {
        for (SocketChannel ch : connecting.keySet()) {
          ch.close();
        }
      }
    } catch (IOException e) {
      return Status.notYet("probe: " + e.getMessage());
    }
    if (pending.isEmpty()) {
      return Status.ready();
    }
    Map.Entry<PortOpen, String> first = pending.entrySet().iterator().next();
    return Status.notYet(pending.size() + " not yet; " + first.getKey().vm() + ": " + first.getValue());
  }
}
