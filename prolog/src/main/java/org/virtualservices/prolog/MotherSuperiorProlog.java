package org.virtualservices.prolog;

import java.util.List;
import java.util.stream.Collectors;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.rm.SisterCall;
import org.virtualservices.core.rm.SisterFanOut;
import org.virtualservices.core.rm.SisterResult;
import org.virtualservices.core.runtime.NodeChecks;
import org.virtualservices.core.runtime.NodeServices;

/**
 * The prologue of a PBS job's mother superior, the one node PBS calls it on (docs/hooks.md, "PBS").
 * Once the plan holds, it starts the per-node prolog on every sister node over SSH, all at once,
 * does its own part meanwhile, waits for the sisters before probing readiness, and writes the
 * report. If any node fails, every node is rolled back: its own part here, and the sister epilogue
 * on every sister (best effort), so a requeued job leaves nothing behind.
 */
public final class MotherSuperiorProlog {

  private final NodeServices s;
  private final JobLog log;
  private final boolean debug;

  public MotherSuperiorProlog(NodeServices services, JobLog log, boolean debug) {
    this.s = services;
    this.log = log;
    this.debug = debug;
  }

  /** @param prolog this node's part, which may hold phases timed before (the configuration's) */
  public Outcome run(Prolog prolog, HookInvocation inv) {
    JobContext job = inv.job();
    if (inv.request().isEmpty() || !job.isBatchHost() || job.nodes().size() < 2) {
      return prolog.run(inv);
    }
    try {
      return fanOut(prolog, inv, job);
    } finally {
      prolog.recordPhases();
    }
  }

  private Outcome fanOut(Prolog prolog, HookInvocation inv, JobContext job) {
    SiteConfig cfg = s.config();
    // the user's mistake (or this node's fault) is found here, told, and no sister is bothered
    Prolog.Admitted admitted = prolog.admit(inv);
    if (admitted.refusal() != null) {
      return admitted.refusal();
    }
    List<String> problems = NodeChecks.pbsFanOut(cfg);
    if (!problems.isEmpty()) {
      String what = "no virtual cluster: the mother superior " + job.thisNode() + " cannot reach its sister nodes: "
          + String.join("; ", problems);
      log.failed("sister-ssh", "{0}", what);
      prolog.reportError(job, what);
      return Outcome.NODE_FAULT;
    }
    List<SisterCall> calls = SisterCall.forSisters(job, inv.request().get());
    try (SisterFanOut fan = new SisterFanOut(s.sisterShell(), cfg.pbs(), log)) {
      log.info("starting the prolog on {0} sister node(s) over SSH: {1}", calls.size(), nodes(calls));
      SisterFanOut.Batch boot = fan.start(calls, cfg.pbs().sisterProlog(), debug);
      Outcome own = prolog.make(admitted, () -> sistersDone(boot.await()));
      if (own == Outcome.OK) {
        return own;
      }
      boot.await(); // a sister's epilogue must not race its prologue
      log.info("rolling back the sister node(s): {0}", nodes(calls));
      List<SisterResult> down = fan.start(calls, cfg.pbs().sisterEpilog(), debug).await();
      for (SisterResult r : down) {
        if (!r.ok()) {
          log.error("rollback of {0}", r.describe());
        }
      }
      return own;
    }
  }

  /** Logs every sister; throws when one failed, naming each that did with its last lines. */
  private void sistersDone(List<SisterResult> results) {
    List<SisterResult> failed = results.stream().filter(r -> !r.ok()).toList();
    if (failed.isEmpty()) {
      log.info("{0} sister node(s) done: {1}", results.size(),
          results.stream().map(SisterResult::node).collect(Collectors.joining(", ")));
      return;
    }
    failed.forEach(r -> log.error("{0}", r.describe()));
    // a sister computes the plan the mother superior already accepted, so nothing it refuses is the
    // user's doing: whatever failed there is a node's (or the site's) fault, and PBS should requeue
    String what = failed.size() + " of " + results.size() + " sister node(s) failed: "
        + failed.stream().map(SisterResult::describe).collect(Collectors.joining("\n"));
    throw new Prolog.OtherNodesFailedException(Outcome.PEER_FAULT, what);
  }

  private static String nodes(List<SisterCall> calls) {
    return calls.stream().map(SisterCall::node).collect(Collectors.joining(", "));
  }
}
