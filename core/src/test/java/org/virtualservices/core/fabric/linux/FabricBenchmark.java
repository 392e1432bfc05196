package org.virtualservices.core.fabric.linux;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.fabric.Endpoint;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.NetworkId;
import org.virtualservices.core.fabric.Peer;
import org.virtualservices.core.names.Names;

/**
 * Times {@link LinuxFabric} set-up and teardown on this node against the number of peer nodes, the
 * batch host's case (gateway address and both nftables tables), one VM per node. Makes real
 * devices: run it as root inside a network namespace, as {@code tests/bench/fabric.sh} does.
 *
 * <p>Arguments: {@code LOCAL_ADDRESS [ROUNDS [PEERS...]]}, e.g. {@code 10.78.0.1 7 1 16 256 1023}.
 */
public final class FabricBenchmark {

  private static final int VNI = 990001;

  private FabricBenchmark() {
  }

  public static void main(String[] args) {
    // the fabric logs every set-up and teardown at INFO: a few thousand lines would bury the table
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length < 1) {
      err.println("usage: FabricBenchmark LOCAL_ADDRESS [ROUNDS [PEERS...]]");
      return 2;
    }
    String local = args[0];
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    int[] sizes = args.length > 2
        ? Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray()
        : new int[] {1, 16, 256, 1023};
    AtomicInteger processes = new AtomicInteger();
    ProcessCommandRunner real = new ProcessCommandRunner();
    CommandRunner counting = c -> {
      processes.incrementAndGet();
      return real.run(c);
    };
    LinuxFabric fabric = new LinuxFabric(counting);

    out.printf("LinuxFabric on one node, batch host, 1 VM per node, median and max of %d rounds (1 warm-up)%n",
        rounds);
    out.println("| peers | FDB entries | processes set-up / teardown | set-up median | set-up max "
        + "| teardown median | teardown max |");
    out.println("|---:|---:|---:|---:|---:|---:|---:|");
    for (int peers : sizes) {
      FabricSpec spec = spec(local, peers);
      long[] up = new long[rounds];
      long[] down = new long[rounds];
      int upProcs = 0;
      int downProcs = 0;
      int fdb = 0;
      for (int i = -1; i < rounds; i++) {
        processes.set(0);
        long t0 = System.nanoTime();
        fabric.setUp(spec);
        long t1 = System.nanoTime();
        upProcs = processes.get();
        if (i == 0) {
          fdb = fdbEntries(real, spec.vxlan());
        }
        processes.set(0);
        long t2 = System.nanoTime();
        List<String> left = fabric.tearDown(spec.id());
        long t3 = System.nanoTime();
        downProcs = processes.get();
        if (!left.isEmpty()) {
          err.println("teardown left: " + left);
          return 1;
        }
        if (i >= 0) {
          up[i] = t1 - t0;
          down[i] = t3 - t2;
        }
      }
      out.printf("| %d | %d | %d / %d | %s | %s | %s | %s |%n", peers, fdb, upProcs, downProcs,
          ms(median(up)), ms(max(up)), ms(median(down)), ms(max(down)));
    }
    return 0;
  }

  /**
   * Peers at 10.78.(i/250).(i%250 + 2), each with one VM whose MAC and IP are known (so each gets a
   * neighbour entry and a bridge forwarding entry too); nothing is ever sent to them.
   */
  static FabricSpec spec(String local, int peers) {
    List<Peer> list = new ArrayList<>();
    for (int i = 0; i < peers; i++) {
      String addr = "10.78." + (1 + i / 250) + "." + (2 + i % 250);
      list.add(new Peer("node" + (i + 1), addr,
          List.of(String.format("52:54:00:%02x:%02x:%02x", (i + 1) >> 16 & 0xff, (i + 1) >> 8 & 0xff, (i + 1) & 0xff)),
          List.of("10.99." + ((i + 2) / 256) + "." + ((i + 2) % 256))));
    }
    Endpoint vm = new Endpoint(Names.tap(VNI, 0), "52:54:00:00:00:00", "10.99.0.1");
    return new FabricSpec("bench", VNI, Names.bridge(VNI), Names.vxlan(VNI), 4789, 1450, local, null, list,
        null, "10.99.255.254/16", "10.99.0.0/16", 4242, List.of(vm), false);
  }

  private static int fdbEntries(CommandRunner runner, String vxlan) {
    CommandResult r = runner.run(Command.of("bridge", "fdb", "show", "dev", vxlan));
    return (int) r.stdout().lines().filter(l -> l.contains(" dst ")).count();
  }

  private static long median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static long max(long[] v) {
    return Arrays.stream(v).max().orElse(0);
  }

  private static String ms(long nanos) {
    return String.format("%.1f ms", nanos / 1e6);
  }
}
