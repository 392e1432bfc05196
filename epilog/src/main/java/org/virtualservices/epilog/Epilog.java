package org.virtualservices.epilog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.checkpoint.AtRequeue;
import org.virtualservices.core.checkpoint.NamedCheckpoint;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.VmUsage;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.report.JobFolder;
import org.virtualservices.core.report.PhaseTimer;
import org.virtualservices.core.report.ReportRefusedException;
import org.virtualservices.core.report.UserCopy;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.teardown.Teardown;
import org.virtualservices.core.teardown.TeardownResult;
import org.virtualservices.core.plan.StatePaths;

/**
 * The epilog on one node: tears down everything of the job there, from the journal or, when it is
 * gone, by name and metadata; idempotent. Succeeds only when nothing of the job is left.
 */
public final class Epilog {

  private final NodeServices s;
  private final JobLog log;

  public Epilog(NodeServices services, JobLog log) {
    this.s = services;
    this.log = log;
  }

  /** @return true when nothing of the job is left on this node */
  public boolean run(HookInvocation inv) {
    JobContext job = inv.job();
    Path nodeDir = StatePaths.of(s.config()).node(job.jobId(), job.thisNode());
    // whether this node holds something of the job is root's state here (the job's folder in the
    // run tree, the journal), never the request: the user can change the comment after submission
    Optional<JobFolder> folder = folder(job);
    if (inv.request().isEmpty() && !Files.exists(nodeDir) && folder.map(f -> !f.exists()).orElse(true)) {
      return true;
    }
    Instant start = s.clock().instant();
    log.attach(job.jobId(), job.thisNode(), StatePaths.of(s.config()).log(job.jobId()));
    Optional<Plan> plan = Optional.empty();
    if (inv.request().isPresent()) {
      try {
        // with restore=, the plan the prolog made: the named checkpoint's addresses (its manifest, only read)
        plan = Optional.of(NamedCheckpoint.plan(job, inv.request().get(), s.config()));
      } catch (RequestException e) {
        log.info("no plan ({0}): going by the journal and names", e.getMessage());
      }
    }
    TeardownResult r;
    PhaseTimer phases = new PhaseTimer(s.clock(), Map.of());
    Instant t = phases.start();
    try (Hypervisor hv = s.hypervisors().apply(s.config().libvirtUri())) {
      phases.lap("plan+connect", t);
      boolean requeued = false;
      if (plan.isPresent() && inv.request().get().checkpointOnTimeout()) {
        t = phases.start();
        requeued = new AtRequeue(s, log).atEnd(hv, job, plan.get(), nodeDir);
        phases.lap("checkpoint", t);
      }
      // before the domains go: the head VM's disk, when a save was asked (docs/hooks.md, "Saving a VM's disk"); not
      // at a requeue, which is not the job's end: its next run ends it, and saves then
      Instant saving = phases.start();
      SaveAtEnd save = new SaveAtEnd(s, log);
      if (!requeued && save.run(job, inv.request(), plan, folder, hv)) {
        phases.lap("save", saving);
      }
      Teardown teardown = new Teardown(hv, s.fabric(), log, s.faults(),
          new UserCopy(s.runner(), s.config().tools()), s.clock());
      r = teardown.run(job.jobId(), job.thisNode(), nodeDir, plan, folder);
      teardown.timings().forEach(x -> phases.timed(x.phase(), x.seconds()));
      Map<String, VmUsage> used = new java.util.TreeMap<>(save.usages()); // the head's, read before it powered off
      used.putAll(teardown.usages());
      tellTheUser(job, used);
    } catch (RuntimeException e) {
      log.failed("teardown", "epilog could not tear down: {0}", e.getMessage());
      return false;
    } finally {
      phases.recordInto(log.outcome());
    }
    log.outcome().teardown(r.removed(), r.leftovers());
    r.failures().forEach(f -> log.failed("left", "teardown failure: {0}", f));
    r.leftovers().forEach(l -> log.failed("left", "left on this node: {0}", l));
    if (r.clean()) {
      log.info("epilog done in {0}s: {1} ({2})", String.format("%.3f", Duration.between(start, s.clock().instant())
          .toNanos() / 1e9), r.removed().isEmpty() ? "nothing was left to remove"
          : r.removed().size() + " resource(s) removed", phases.line());
    }
    return r.clean();
  }

  /**
   * What this node's VMs used, into {@code vcluster-<job>-usage/<node>.json} of the job's working
   * folder (beside the report's copy, which goes with the job: this stays), written as the job's
   * user (as the report's copy is: docs/hooks.md, "Threat model"). A
   * working folder that is not the user's, or a copy the user's side refuses, is logged and fails
   * nothing: the job's log has the same figures.
   */
  private void tellTheUser(JobContext job, Map<String, VmUsage> usages) {
    if (usages.isEmpty() || job.workDir() == null) {
      return;
    }
    try {
      UserCopy.Target report = UserCopy.target(job.workDir(), job.jobId(), job.uid(), job.gid());
      UserCopy.Target t = new UserCopy.Target(job.uid(), job.gid(), report.dir().resolveSibling(
          UsageRecord.folderName(job.jobId())));
      new UserCopy(s.runner(), s.config().tools()).write(t, Map.of(UsageRecord.fileName(job.thisNode()),
          UsageRecord.json(job.jobId(), job.thisNode(), usages)));
      log.info("what the VMs used is in {0}", t.dir().resolve(UsageRecord.fileName(job.thisNode())));
    } catch (ReportRefusedException | IllegalArgumentException e) {
      log.warn("what the VMs used is in this log only: {0}", e.getMessage());
    }
  }

  /** The job's folder in the run tree; none for a job id that cannot name one (nothing was made then). */
  private Optional<JobFolder> folder(JobContext job) {
    try {
      return Optional.of(JobFolder.of(StatePaths.of(s.config()), job.jobId()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
