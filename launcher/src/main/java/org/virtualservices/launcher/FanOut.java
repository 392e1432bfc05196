package org.virtualservices.launcher;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.virtualservices.core.remote.RemoteException;
import org.virtualservices.core.remote.RemoteHost;
import org.virtualservices.core.remote.RemoteResult;
import org.virtualservices.core.remote.RemoteShell;

/**
 * Does one thing on several VMs at once and sums up how it went, as pdsh does: each VM's outcome,
 * a one-line account on stderr of those that failed, and one exit code.
 */
final class FanOut {

  /** Exit code when a VM could not run the command at all (unreachable, refused, timed out), as ssh's. */
  static final int UNREACHABLE = 255;
  /** More VMs than this are served in turns: each in-flight VM holds an SSH session and a thread. */
  private static final int MAX_PARALLEL = 64;

  /** How one VM did: the exit status, or why it could not run the command. */
  record Outcome(VirtualCluster.Vm vm, int exitStatus, String failure) {
    boolean ok() {
      return failure == null && exitStatus == 0;
    }

    String describe() {
      if (failure != null) {
        return vm.name() + " (" + failure + ")";
      }
      return vm.name() + (exitStatus == RemoteResult.NO_STATUS ? " (no exit status: killed by a signal?)" : " (exit " + exitStatus + ")");
    }
  }

  private FanOut() {}

  /** Runs {@code argv} on every target with its output lines prefixed by the VM name. */
  static List<Outcome> exec(RemoteShell shell, String login, List<VirtualCluster.Vm> targets, List<String> argv,
      Duration timeout, PrintStream out, PrintStream err) {
    return each(targets, vm -> {
      String prefix = vm.name() + ": ";
      RemoteResult r = shell.run(vm.host(login), argv, timeout, l -> out.println(prefix + l), l -> err.println(prefix + l));
      return r.exitStatus();
    });
  }

  /**
   * Runs {@code argv} on one VM with its output as it is (not prefixed): {@code vcluster ssh VM --
   * CMD} and mpirun on the head. The command's exit status, or {@link #UNREACHABLE} with the reason
   * on stderr when it could not run or ended without a status.
   */
  static int one(RemoteShell shell, RemoteHost host, List<String> argv, Duration timeout, String name,
      PrintStream out, PrintStream err) {
    try {
      RemoteResult r = shell.run(host, argv, timeout, out::println, err::println);
      out.flush();
      return r.exitStatus() < 0 ? UNREACHABLE : r.exitStatus();
    } catch (RemoteException e) {
      err.println(name + ": " + e.getMessage());
      return UNREACHABLE;
    }
  }

  /** Runs {@code task} for every VM in parallel; a {@link RemoteException} becomes that VM's failure. */
  static List<Outcome> each(List<VirtualCluster.Vm> targets, Function<VirtualCluster.Vm, Integer> task) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(targets.size(), MAX_PARALLEL), r -> {
      Thread t = new Thread(r, "vcluster-fanout");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Outcome>> futures = new ArrayList<>();
      for (VirtualCluster.Vm vm : targets) {
        futures.add(pool.submit(() -> {
          try {
            return new Outcome(vm, task.apply(vm), null);
          } catch (RemoteException e) {
            return new Outcome(vm, UNREACHABLE, reason(e));
          }
        }));
      }
      List<Outcome> outcomes = new ArrayList<>();
      for (Future<Outcome> f : futures) {
        outcomes.add(f.get());
      }
      return outcomes;
    } catch (ExecutionException e) {
      throw new IllegalStateException("a VM's task failed unexpectedly", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LauncherException(130, "interrupted");
    } finally {
      pool.shutdownNow();
    }
  }

  /** The exception's message without the "ssh user@address (vm): " that the outcome's VM name replaces. */
  private static String reason(RemoteException e) {
    String m = e.getMessage();
    int colon = m.indexOf("): ");
    return colon >= 0 && m.startsWith("ssh ") ? m.substring(colon + 3) : m;
  }

  /**
   * 0 when every VM succeeded; else names the failed ones on {@code err} and returns the first
   * non-zero exit status in the cluster's order, or {@link #UNREACHABLE} when none of the failed
   * VMs gave one.
   */
  static int summarize(String command, List<Outcome> outcomes, PrintStream err) {
    List<Outcome> failed = outcomes.stream().filter(o -> !o.ok()).toList();
    if (failed.isEmpty()) {
      return 0;
    }
    err.println(command + ": " + failed.size() + " of " + outcomes.size() + " VMs failed: "
        + String.join(", ", failed.stream().map(Outcome::describe).toList()));
    return failed.stream().filter(o -> o.failure() == null && o.exitStatus() > 0).mapToInt(Outcome::exitStatus)
        .findFirst().orElse(UNREACHABLE);
  }
}
