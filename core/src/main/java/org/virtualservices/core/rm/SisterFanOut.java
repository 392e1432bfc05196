package org.virtualservices.core.rm;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.virtualservices.core.config.Pbs;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.remote.RemoteException;
import org.virtualservices.core.remote.RemoteHost;
import org.virtualservices.core.remote.RemoteResult;
import org.virtualservices.core.remote.RemoteShell;

/**
 * Runs a hook on every sister node of a PBS job at once, over SSH: PBS calls the prologue and the
 * epilogue on the mother superior only (docs/hooks.md, "PBS"). At most {@code pbs.maxParallel}
 * sisters are reached at a time, each bounded by {@code pbs.sisterTimeoutSeconds}. A sister that
 * cannot be reached, outruns its time or exits non-zero is a result, never an exception, so the
 * caller always hears of every sister.
 */
public final class SisterFanOut implements AutoCloseable {

  /** Lines of a sister's output kept for messages: its last ones say why it failed. */
  static final int TAIL = 20;

  private final Supplier<RemoteShell> shells;
  private final Pbs pbs;
  private final JobLog log;
  private final ExecutorService pool;
  private RemoteShell shell;

  /** @param shells opens the SSH client; called once, on the first start */
  public SisterFanOut(Supplier<RemoteShell> shells, Pbs pbs, JobLog log) {
    this.shells = shells;
    this.pbs = pbs;
    this.log = log;
    this.pool = Executors.newFixedThreadPool(pbs.maxParallel(), r -> {
      Thread t = new Thread(r, "pbs-sister");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts {@code program} on every sister of {@code calls}; {@link Batch#await} collects them. */
  public synchronized Batch start(List<SisterCall> calls, String program, boolean debug) {
    List<Future<SisterResult>> futures = new ArrayList<>();
    RemoteShell ssh;
    try {
      ssh = shell == null ? (shell = shells.get()) : shell;
    } catch (RuntimeException e) {
      String why = "the SSH client could not start: " + e.getMessage();
      List<SisterResult> none = calls.stream()
          .map(c -> new SisterResult(c.node(), SisterResult.Status.UNREACHABLE, -1, why, List.of())).toList();
      return new Batch(calls, List.of(), none);
    }
    for (SisterCall c : calls) {
      futures.add(pool.submit(() -> runOne(ssh, c, c.argv(program, debug))));
    }
    return new Batch(calls, futures, null);
  }

  private SisterResult runOne(RemoteShell ssh, SisterCall call, List<String> argv) {
    RemoteHost host = new RemoteHost(call.node(), pbs.addressOf(call.node()), pbs.sshPort(), pbs.sshUser());
    Deque<String> tail = new ArrayDeque<>();
    java.util.function.Consumer<String> sink = line -> {
      log.debug("sister {0}: {1}", call.node(), line);
      synchronized (tail) {
        if (tail.size() == TAIL) {
          tail.removeFirst();
        }
        tail.addLast(line);
      }
    };
    log.debug("sister {0}: ssh {1} {2}", call.node(), host.display(), argv);
    try {
      RemoteResult r = ssh.run(host, argv, Duration.ofSeconds(pbs.sisterTimeoutSeconds()), sink, sink);
      List<String> out;
      synchronized (tail) {
        out = List.copyOf(tail);
      }
      if (r.ok()) {
        return new SisterResult(call.node(), SisterResult.Status.OK, 0, "done", out);
      }
      String detail = r.exitStatus() == RemoteResult.NO_STATUS ? argv.get(0) + " ended without an exit status"
          : argv.get(0) + " exited " + r.exitStatus();
      return new SisterResult(call.node(), SisterResult.Status.FAILED, r.exitStatus(), detail, out);
    } catch (RemoteException | IllegalArgumentException e) {
      List<String> out;
      synchronized (tail) {
        out = List.copyOf(tail);
      }
      return new SisterResult(call.node(), SisterResult.Status.UNREACHABLE, -1, message(e), out);
    }
  }

  /** The sisters started together; {@link #await} waits for every one. */
  public final class Batch {
    private final List<SisterCall> calls;
    private final List<Future<SisterResult>> futures;
    private List<SisterResult> results;

    private Batch(List<SisterCall> calls, List<Future<SisterResult>> futures, List<SisterResult> results) {
      this.calls = calls;
      this.futures = futures;
      this.results = results;
    }

    /** Every sister's result, in the order of the calls; waits as long as the slowest takes. */
    public synchronized List<SisterResult> await() {
      if (results != null) {
        return results;
      }
      // a safety net only: the remote shell itself stops a command at its timeout
      long guard = pbs.sisterTimeoutSeconds() + pbs.sshConnectTimeoutSeconds() + 60L;
      List<SisterResult> all = new ArrayList<>();
      for (int i = 0; i < futures.size(); i++) {
        String node = calls.get(i).node();
        try {
          all.add(futures.get(i).get(guard, TimeUnit.SECONDS));
        } catch (TimeoutException e) {
          futures.get(i).cancel(true);
          all.add(new SisterResult(node, SisterResult.Status.UNREACHABLE, -1, "no answer after " + guard + " s",
              List.of()));
        } catch (ExecutionException e) {
          all.add(new SisterResult(node, SisterResult.Status.UNREACHABLE, -1, message(e.getCause()), List.of()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          all.add(new SisterResult(node, SisterResult.Status.UNREACHABLE, -1, "interrupted while waiting",
              List.of()));
        }
      }
      results = List.copyOf(all);
      return results;
    }
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  @Override
  public synchronized void close() {
    pool.shutdownNow();
    if (shell != null) {
      shell.close();
    }
  }
}
