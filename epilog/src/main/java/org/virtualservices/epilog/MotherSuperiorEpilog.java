package org.virtualservices.epilog;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.report.JobFolder;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.rm.SisterCall;
import org.virtualservices.core.rm.SisterFanOut;
import org.virtualservices.core.rm.SisterResult;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.plan.StatePaths;

/**
 * The epilogue of a PBS job's mother superior (docs/hooks.md, "PBS"): the sister epilogue on every
 * sister node over SSH, all at once, while it tears down its own part. It succeeds only when
 * nothing of the job is left anywhere it could see, and names every node where something may be.
 */
public final class MotherSuperiorEpilog {

  private final NodeServices s;
  private final JobLog log;
  private final boolean debug;

  public MotherSuperiorEpilog(NodeServices services, JobLog log, boolean debug) {
    this.s = services;
    this.log = log;
    this.debug = debug;
  }

  /** @return true when nothing of the job is left on this node nor on any sister */
  public boolean run(HookInvocation inv) {
    Epilog epilog = new Epilog(s, log);
    JobContext job = inv.job();
    // no request but this node's journal or job folder: the server could not give the variable
    // list, or the user changed it (qalter); the sisters go by their journals too. What this node
    // holds of the job decides, not the list the user can change.
    boolean journal = Files.exists(StatePaths.of(s.config()).node(job.jobId(), job.thisNode()))
        || JobFolder.of(StatePaths.of(s.config()), job.jobId()).exists();
    if ((inv.request().isEmpty() && !journal) || !job.isBatchHost() || job.nodes().size() < 2) {
      return epilog.run(inv);
    }
    log.attach(job.jobId(), job.thisNode(), StatePaths.of(s.config()).log(job.jobId()));
    if (inv.request().isEmpty()) {
      log.warn("the job''s request is unknown (its variable list could not be read): every node goes by its journal");
    }
    List<SisterCall> calls = SisterCall.forSisters(job, inv.request());
    List<String> left = new ArrayList<>();
    // no check of the configuration first: teardown tries whatever it can, and an SSH client that
    // cannot start (no key, no known_hosts) names every sister as unreachable
    try (SisterFanOut fan = new SisterFanOut(s.sisterShell(), s.config().pbs(), log)) {
      log.info("starting the epilog on {0} sister node(s) over SSH", calls.size());
      SisterFanOut.Batch down = fan.start(calls, s.config().pbs().sisterEpilog(), debug);
      boolean own = epilog.run(inv);
      for (SisterResult r : down.await()) {
        if (!r.ok()) {
          log.failed("sisters", "{0}", r.describe());
          left.add(r.node());
        }
      }
      return finish(own, job, left);
    }
  }

  private boolean finish(boolean own, JobContext job, List<String> sistersLeft) {
    List<String> left = new ArrayList<>();
    if (!own) {
      left.add(job.thisNode());
    }
    left.addAll(sistersLeft);
    if (left.isEmpty()) {
      log.info("nothing of the job is left on any of its {0} node(s)", job.nodes().size());
      return true;
    }
    log.error("something of the job may be left on: {0} (each node''s own log says what)", String.join(", ", left));
    return false;
  }
}
