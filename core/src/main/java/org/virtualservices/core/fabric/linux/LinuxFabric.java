package org.virtualservices.core.fabric.linux;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandFailedException;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.fabric.Fabric;
import org.virtualservices.core.fabric.FabricException;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.NetworkId;
import org.virtualservices.core.fabric.NetworkClashException;
import org.virtualservices.core.names.Names;

/**
 * A job's network made of real Linux devices: a bridge, a VXLAN device with head-end replication
 * (or a multicast group), and two nftables tables, driven through iproute2 and nft with batch input
 * on stdin. Set-up costs three looks (the clash check) and three processes whatever the number of
 * peers; teardown a handful.
 *
 * <p>Every command goes through the {@link CommandRunner} given, so tests can run the fabric inside
 * a network namespace with a runner that prefixes {@code ip netns exec NS}.
 */
public final class LinuxFabric implements Fabric {


  private final CommandRunner runner;
  private final NetTools tools;
  private final Leftovers leftovers;
  private final Logger log;

  /** @param log where state changes go: the hook's job log in production */
  public LinuxFabric(CommandRunner runner, NetTools tools, Logger log) {
    this.runner = runner;
    this.tools = tools;
    this.leftovers = new Leftovers(runner, tools);
    this.log = log;
  }

  public LinuxFabric(CommandRunner runner) {
    this(runner, NetTools.ON_PATH, System.getLogger(LinuxFabric.class.getName()));
  }

  @Override
  public void setUp(FabricSpec spec) throws FabricException {
    SpecCheck.check(spec);
    String job = "job " + spec.job() + ": ";
    refuseClashes(spec, job);
    // numbers as strings: MessageFormat would print VNI 4201 as "4,201"
    log.log(Level.INFO, "{0}making bridge {1} and vxlan {2} (vni {3}, {4} peers{5})", job, spec.bridge(),
        spec.vxlan(), String.valueOf(spec.vni()), String.valueOf(spec.peers().size()),
        spec.multicastGroup() == null ? "" : ", group " + spec.multicastGroup());
    step(job + "make bridge " + spec.bridge() + " and vxlan " + spec.vxlan(),
        Command.of(tools.ip(), "-batch", "-").withStdin(FabricScripts.ipBatch(spec, tools.ipv6())));
    // The rules name devices rather than point at them, so they load while the forwarding table
    // is written: two programs waited for at once (docs/fabric.md, "Measurements").
    CompletableFuture<Void> rules = async(() -> {
      step(job + "load nftables table " + Names.nftTable(spec.vni()),
          Command.of(tools.nft(), "-f", "-").withStdin(FabricScripts.nftRuleset(spec)));
      return null;
    });
    FabricException failed = null;
    String fdb = FabricScripts.fdbBatch(spec);
    try {
      if (!fdb.isEmpty()) {
        step(job + "write the forwarding table of " + spec.vxlan(),
            Command.of(tools.bridge(), "-batch", "-").withStdin(fdb));
      }
    } catch (FabricException e) {
      failed = e;
    }
    try {
      join(rules); // ended either way before set-up returns or throws: nothing runs behind the caller's back
    } catch (FabricException e) {
      failed = failed != null ? failed : e;
    }
    if (failed != null) {
      throw failed;
    }
    log.log(Level.INFO, "{0}network of vni {1} is up", job, String.valueOf(spec.vni()));
  }

  /**
   * Looks, before anything is made, for what of another network stands under this job's VNI,
   * names or subnet, and refuses the job if there is any: made on top of it, the set-up would
   * fail half-way or, for a subnet, hand the job's user another job's VMs. See {@link Clashes}.
   */
  private void refuseClashes(FabricSpec spec, String job) {
    // three looks at once: each is a wait on another program
    CompletableFuture<List<Leftovers.Link>> links = async(leftovers::links);
    CompletableFuture<List<String>> tables = async(() -> leftovers.tableFamilies(spec.vni()));
    CompletableFuture<String> routes = !spec.isBatchHost() ? CompletableFuture.completedFuture(null) : async(() -> {
      CommandResult r = runner.run(Command.of(tools.ip(), "-json", "-4", "route", "show"));
      if (!r.ok()) {
        throw new FabricException(job + "list routes: " + new CommandFailedException(r).getMessage());
      }
      return r.stdout();
    });
    List<String> clashes = Clashes.find(spec, join(links), join(tables), join(routes));
    if (!clashes.isEmpty()) {
      String what = job + "network of VNI " + spec.vni() + " (subnet " + spec.subnet() + ") not made: "
          + String.join("; ", clashes) + " (nothing made; the job can run once that is gone; if this recurs, the"
          + " site widens network.subnetPool, see docs/fabric.md)";
      log.log(Level.WARNING, "{0}", what);
      throw new NetworkClashException(what);
    }
  }

  @Override
  public List<String> tearDown(NetworkId net) {
    String job = "job " + net.job() + ": ";
    List<String> failures = new ArrayList<>();
    List<String> links;
    try {
      links = Leftovers.ours(leftovers.links(), net).stream().map(Leftovers.Link::name).toList();
    } catch (FabricException e) {
      // We cannot list, so we cannot tell ours from a look-alike: remove nothing, say so.
      links = List.of();
      failures.add(job + e.getMessage());
    }
    // The VXLAN device first (its forwarding entries go with it), then any tap a dead domain left
    // on our bridge, then the bridge (its address goes with it). Only what carries the job's mark
    // (Leftovers.ours): a look-alike another job made under the same name stays.
    for (String link : ordered(links, net)) {
      CommandResult r = runner.run(Command.of(tools.ip(), "link", "del", "dev", link));
      if (!r.ok() && !isGone(r)) {
        failures.add(job + "remove link " + link + ": " + new CommandFailedException(r).getMessage());
      }
    }
    try {
      List<Leftovers.Table> ours = leftovers.tables(net.vni()).stream().filter(t -> net.owns(t.comment())).toList();
      if (!ours.isEmpty()) {
        CommandResult r = runner.run(Command.of(tools.nft(), "-f", "-").withStdin(FabricScripts.nftRemoval(ours)));
        if (!r.ok()) {
          failures.add(job + "remove nftables tables " + Names.nftTable(net.vni()) + ": "
              + new CommandFailedException(r).getMessage());
        }
      }
    } catch (FabricException e) {
      failures.add(job + e.getMessage());
    }
    try {
      for (String left : leftovers.of(net)) {
        failures.add(job + "still there after teardown: " + left);
      }
    } catch (FabricException e) {
      failures.add(job + "cannot check what is left: " + e.getMessage());
    }
    log.log(failures.isEmpty() ? Level.INFO : Level.WARNING, "{0}network of vni {1} removed{2}", job,
        String.valueOf(net.vni()), failures.isEmpty() ? "" : " except: " + String.join("; ", failures));
    return failures;
  }

  @Override
  public java.util.Set<Integer> networks() {
    return leftovers.vnis();
  }

  @Override
  public List<String> leftovers(NetworkId net) {
    return leftovers.of(net);
  }

  private static List<String> ordered(List<String> links, NetworkId net) {
    List<String> out = new ArrayList<>();
    if (links.contains(net.vxlan())) {
      out.add(net.vxlan());
    }
    links.stream().filter(l -> !l.equals(net.vxlan()) && !l.equals(net.bridge())).forEach(out::add);
    if (links.contains(net.bridge())) {
      out.add(net.bridge());
    }
    return out;
  }

  /** Runs the work in a thread of its own (a short wait on a program; the hook is a short-lived process). */
  private static <T> CompletableFuture<T> async(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, r -> {
      Thread t = new Thread(r, "fabric");
      t.setDaemon(true);
      t.start();
    });
  }

  /** The work's result, or its failure as thrown. */
  private static <T> T join(CompletableFuture<T> work) {
    try {
      return work.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  /** iproute2's words when the device is not there: teardown is idempotent, so that is success. */
  static boolean isGone(CommandResult r) {
    String err = r.stderr();
    return err.contains("Cannot find device") || err.contains("does not exist");
  }

  private void step(String what, Command command) {
    try {
      runner.check(command);
    } catch (CommandFailedException e) {
      throw new FabricException(what + ": " + e.getMessage(), e);
    }
  }
}
