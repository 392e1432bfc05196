package org.virtualservices.prolog;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.checkpoint.AtRequeue;
import org.virtualservices.core.checkpoint.CheckpointManifest;
import org.virtualservices.core.checkpoint.NamedCheckpoint;
import org.virtualservices.core.checkpoint.Restorable;
import org.virtualservices.core.confine.JobCpus;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.files.StateFolders;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.OpeningHypervisor;
import org.virtualservices.core.hypervisor.QemuAccount;
import org.virtualservices.core.journal.Journal;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.Share;
import org.virtualservices.core.plan.Shares;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.report.JobFolder;
import org.virtualservices.core.report.PhaseTimer;
import org.virtualservices.core.report.ReportFiles;
import org.virtualservices.core.report.ReportRefusedException;
import org.virtualservices.core.report.ReportWriter;
import org.virtualservices.core.report.Timing;
import org.virtualservices.core.report.UserCopy;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.VcRequest;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.teardown.Teardown;
import org.virtualservices.core.teardown.TeardownResult;
import org.virtualservices.core.plan.StatePaths;

/**
 * The prolog on one node: request, plan, journal, fabric, disks, domains, ready, report (DESIGN.md
 * steps 1-8). Every resource is written to the journal before it is made; on any failure the
 * evidence is kept and everything made is rolled back, and the outcome tells the resource manager
 * whether the user or the node was at fault. This class keeps the order of the steps; the make
 * phase is {@link NodeMake}'s, the wait for the boot {@link BootWait}'s, the evidence
 * {@link Evidence}'s, and what a failure means {@link Failure}'s.
 */
public final class Prolog {

  private final NodeServices s;
  private final JobLog log;
  private final PhaseTimer timer;

  /** The templates a prolog renders: the domain, the seed's files, the report's files. */
  static final List<String> TEMPLATES = List.of("domain.ftlx", "meta-data.ftl", "user-data.ftl",
      "network-config.ftl", "hostfile.ftl", "ssh_config.ftl", "report.txt.ftl");

  public Prolog(NodeServices services, JobLog log) {
    this.s = services;
    this.log = log;
    this.timer = new PhaseTimer(services.clock(), INSIDE_OF);
  }

  /** Prints the plan as JSON and makes nothing. */
  public Outcome dryRun(HookInvocation inv, PrintStream out) {
    if (inv.request().isEmpty()) {
      out.println("{}");
      return Outcome.OK;
    }
    Plan plan = NamedCheckpoint.plan(inv.job(), inv.request().get(), s.config());
    try {
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .registerModule(new SimpleModule().addSerializer(Path.class, ToStringSerializer.instance))
          .writeValueAsString(plan));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Outcome.OK;
  }

  public Outcome run(HookInvocation inv) {
    return run(inv, null);
  }

  /**
   * The prolog, with {@code othersDone} run after this node's VMs are started and before the
   * readiness probes: a PBS mother superior waits there for its sister nodes, and throws
   * {@link OtherNodesFailedException} when one failed; null when there is nothing to wait for.
   */
  public Outcome run(HookInvocation inv, Runnable othersDone) {
    if (!inv.asked()) {
      return Outcome.OK;
    }
    try {
      Admitted admitted = admit(inv);
      return admitted.refusal() != null ? admitted.refusal() : make(admitted, othersDone);
    } finally {
      recordPhases();
    }
  }

  /** Puts the phases timed so far into the outcome line (a PBS mother superior, which runs admit and make itself). */
  void recordPhases() {
    timer.recordInto(log.outcome());
  }

  /**
   * What the prolog decided before making anything, on this node.
   *
   * @param qemu whom the job's QEMU processes run as on this node
   * @param cpus the job's CPUs on this node, where its VMs' threads are pinned (empty: unpinned)
   * @param shares the host folders shared into the VMs
   * @param refusal the outcome when the job gets no virtual cluster here (the user's mistake, told
   *     to the user; or the node's fault), already logged; null when admitted
   * @param checkpoint the job asked checkpoint=on-timeout: a run after a requeue restores its checkpoint
   * @param restarts how many times Slurm has requeued the job, from the record read at admission; null: not known
   * @param named the checkpoint of an earlier job the request names with restore=, verified; empty: none
   */
  record Admitted(JobContext job, Plan plan, NodePlan mine, Optional<UserCopy.Target> copy, QemuAccount qemu,
      JobCpus cpus, List<Share> shares, BaseImage base, Outcome refusal, boolean checkpoint, Integer restarts,
      Optional<Restorable> named) {
    static Admitted refused(Outcome outcome) {
      return new Admitted(null, null, null, Optional.empty(), null, null, List.of(), null, outcome, false, null,
          Optional.empty());
    }
  }

  /**
   * The request read, the job planned and admitted on this node, the working folder looked at:
   * everything that can refuse the job before anything is made. A PBS mother superior does this
   * before it reaches any sister. Only for a job that asked for a virtual cluster (both callers
   * return before it for one that did not).
   */
  Admitted admit(HookInvocation inv) {
    SiteConfig cfg = s.config();
    log.attach(inv.job().jobId(), inv.job().thisNode(),
        StatePaths.of(cfg).log(inv.job().jobId()));
    if (inv.refused().isPresent()) {
      // a typo in the request: nothing is made, and the user reads why (docs/hooks.md, "Exit codes")
      return Admitted.refused(refused(inv.job(), null, inv.refused().get()));
    }
    VcRequest request = inv.request().get();
    final Admission admission;
    final List<Share> shares;
    Instant t = timer.start();
    try {
      admission = Admission.decide(s, log, inv.job(), request);
      request = admission.request(); // with restore=, completed by the checkpoint
      // the shared folders, each looked at as the job's user before anything is made
      shares = Shares.of(cfg.mounts(), request.mounts(), admission.job().workDir());
      CheckpointLimits.check(request, shares);
      new ShareCheck(s).asUser(admission.job(), shares);
    } catch (RequestException e) {
      return Admitted.refused(refused(inv.job(), request.channel(), e));
    } catch (IllegalStateException | java.io.UncheckedIOException e) {
      log.failed("admission", "cannot admit the job on this node: {0}", e.getMessage());
      return Admitted.refused(Outcome.NODE_FAULT);
    }
    JobContext job = admission.job();
    Plan plan = admission.plan();
    NodePlan mine = plan.node(job.thisNode()).orElse(null);
    if (mine == null) {
      log.failed("node-list", "node {0} is not in the job''s node list {1}", job.thisNode(), job.nodes());
      return Admitted.refused(Outcome.NODE_FAULT);
    }
    // the copy of the report goes into the working folder, which must be the user's (looked at now,
    // before anything is made: a user's mistake costs the node nothing)
    Optional<UserCopy.Target> copy;
    try {
      copy = copyTarget(job);
    } catch (ReportRefusedException e) {
      log.failed("report-refused", "no virtual cluster: {0}", e.getMessage());
      reportError(job, "no virtual cluster: " + e.getMessage(), Optional.empty());
      return Admitted.refused(Outcome.USER_ERROR);
    }
    timer.lap("plan", t);
    log.info("plan: {0} VM(s) of image {1} on this node, network {2} VNI {3}{4}", mine.vms().size(),
        plan.image(), plan.subnet(), plan.vni(), plan.isBatchHost(job.thisNode()) ? ", batch host" : "");
    return new Admitted(job, plan, mine, copy, admission.qemu(), admission.cpus(), shares, admission.base(), null,
        request.checkpointOnTimeout(), admission.restarts(), admission.named());
  }

  /**
   * Makes the admitted job's part on this node, with {@code othersDone} run after its VMs are
   * started and before the readiness probes (null when there is nothing to wait for).
   */
  Outcome make(Admitted admitted, Runnable othersDone) {
    SiteConfig cfg = s.config();
    JobContext job = admitted.job();
    Plan plan = admitted.plan();
    NodePlan mine = admitted.mine();
    Optional<UserCopy.Target> copy = admitted.copy();
    QemuAccount qemu = admitted.qemu();
    JobCpus cpus = admitted.cpus();
    List<Share> shares = admitted.shares();
    Instant t;

    Path nodeDir = StatePaths.of(cfg).node(job.jobId(), job.thisNode());
    JobFolder folder = JobFolder.of(StatePaths.of(cfg), job.jobId());
    PerVm.Step step = new PerVm.Step();
    step.is("job folder");
    // What waits on a program or on libvirtd runs at once (docs/bench.md): libvirt's connection
    // opens, the network is made, the domains are defined while the disks are made; the report is
    // written while the VMs boot. Every pending step ends before a rollback starts.
    List<Pending<?>> pending = new ArrayList<>();
    // the keys need only the site secret and the names: derived meanwhile, waited for by the seeds
    Instant found = timer.start();
    AtRequeue.Start restart = admitted.checkpoint()
        ? new AtRequeue(s, log).atStart(job, plan, mine, admitted.restarts())
        : new AtRequeue.Start(-1, Optional.empty(), job.instance());
    if (admitted.checkpoint()) {
      timer.lap("checkpoint", found); // the restarts asked, a checkpoint found and verified
    }
    if (restart.restore().isEmpty() && admitted.named().isPresent()) {
      // restore=JOBID: the earlier job's checkpoint, unless this job's own (a requeued run) was found above
      CheckpointManifest m = admitted.named().get().manifest();
      restart = new AtRequeue.Start(restart.restarts(), admitted.named(), m.instance(), m.keysOf());
      log.info("restoring the checkpoint of job {0} taken {1} ({2})", m.jobId(), m.time(), admitted.named().get()
          .folder());
    }
    Optional<Restorable> restore = restart.restore();
    // a restored guest holds the keys of the run it was saved in (of another job, with restore=)
    JobContext keyed = job.withAllocation(restart.keysInstance(), job.memoryMiBPerNode());
    String keysJob = restart.keysOf(job.jobId());
    Pending<JobKeys> keys = Pending.compute("keys", at -> JobKeys.derive(s.keys().get(), keyed, plan.vms(),
        keysJob));
    pending.add(keys);
    try (Hypervisor hv = OpeningHypervisor.open(cfg.libvirtUri(), s.hypervisors())) {
      try {
        // the marker first: from now on the epilog has work here, whatever the user changes
        folder.create();
        step.is("journal");
        Journal journal = Journal.open(nodeDir, job.jobId(), job.thisNode(), plan.vni());
        // QEMU runs as the job's user: it must reach its overlays and seeds, and nobody else
        StateFolders.openTo(cfg.stateDir(), nodeDir, qemu.gid());
        s.faults().reached("journal");
        restart.record(nodeDir, log);

        t = timer.start();
        Image image = admitted.base().image();
        String login = image.loginUser() != null ? image.loginUser() : job.user();
        new NodeMake(s, log, timer, cpus).run(hv, job, plan, mine, nodeDir, journal, admitted.base(), login, qemu,
            shares, keys, pending, step, restore);
        timer.lap("make", t);

        t = timer.start();
        try {
          PerVm.run(mine.vms(), (v, at) -> {
            at.is("start " + v.name());
            if (restore.isPresent()) {
              Restored.start(hv, s, log, restore.get(), v, nodeDir);
            } else if (cfg.domain().memoryHardLimit()) {
              hv.start(v.name(), cfg.domain().hardLimitMiB(v.memoryMiB()));
            } else {
              hv.start(v.name());
            }
            s.faults().reached("start:" + v.name());
          });
        } catch (PerVm.Failed f) {
          step.is(f.step());
          f.rethrow();
        }
        for (VmPlan v : mine.vms()) {
          log.info("started {0} ({1}, {2}){3}", v.name(), v.ip(), v.mac(), cfg.domain().memoryHardLimit()
              ? ", memory limit " + cfg.domain().hardLimitMiB(v.memoryMiB()) + " MiB" : "");
        }
        timer.lap("start", t);

        if (othersDone != null) {
          step.is("sister nodes");
          t = timer.start();
          othersDone.run();
          timer.lap("sisters", t);
        }

        // the report is written while the VMs boot; a VM that never answers rolls it back
        Pending<Void> report = null;
        ReportFiles files = null;
        if (plan.isBatchHost(job.thisNode())) {
          files = folder.files();
          List<Timing> all = timer.timings();
          report = Pending.start("report", at -> {
            JobKeys k = keys.await();
            new ReportWriter(s.templates(), copier()).write(folder, copy, plan, job.user(), login, job.uid(),
                job.gid(), k.job(), k.knownHosts(), all);
          });
          pending.add(report);
        }

        step.is("ready");
        t = timer.start();
        new BootWait(s).await(hv, plan, mine, job.thisNode(), restore.isPresent());
        log.info("{0} VM(s) ready", mine.vms().size());
        s.faults().reached("ready");
        if (report != null) {
          try {
            report.join();
          } catch (PerVm.Failed f) {
            step.is(f.step());
            f.rethrow();
          }
        }
        timer.lap("ready", t);
        if (report != null) {
          timer.timed("report", report.seconds());
          s.faults().reached("report");
          log.info("report in {0}", files.dir());
        }
        log.info("prolog done: {0}", timer.line());
        return Outcome.OK;
      } catch (RuntimeException | IOException e) {
        Failure f = Failure.of(e, job, step.name(), copy);
        log.failed(f.code(), "{0}", f.message());
        if (f.keepEvidence()) {
          log.outcome().step(step.name());
        }
        t = timer.start();
        pending.forEach(Pending::settle);
        if (f.keepEvidence()) {
          new Evidence(s, log).keep(job, nodeDir, mine, f.message());
        }
        rollback(hv, job, nodeDir, plan);
        timer.lap("rollback", t);
        reportError(job, f.message(), f.copy());
        return f.outcome();
      } catch (Error e) {
        // not handled (a test's kill -9 at a fault point among them): only its steps end first
        pending.forEach(Pending::settle);
        throw e;
      }
    } catch (RuntimeException e) {
      log.failed("unexpected", "prolog failed on node {0}: {1}", job.thisNode(), message(e));
      return Outcome.NODE_FAULT;
    }
  }

  /** Records a phase its caller ran before this prolog (the configuration's loading). */
  public void timed(String phase, Duration took) {
    timer.timed(phase, took);
  }

  /** The timings of the phases run so far, for the report and benchmarks. */
  public List<Timing> timings() {
    return timer.timings();
  }

  /** Other nodes' hooks failed (a PBS mother superior's sisters): the outcome says whose fault it is. */
  static final class OtherNodesFailedException extends RuntimeException {
    private final Outcome outcome;

    OtherNodesFailedException(Outcome outcome, String message) {
      super(message);
      this.outcome = outcome;
    }

    Outcome outcome() {
      return outcome;
    }
  }

  private void rollback(Hypervisor hv, JobContext job, Path nodeDir, Plan plan) {
    TeardownResult r = new Teardown(hv, s.fabric(), log, s.faults(), copier()).run(job.jobId(), job.thisNode(),
        nodeDir, Optional.of(plan), Optional.of(JobFolder.of(StatePaths.of(s.config()), job.jobId())));
    log.outcome().teardown(r.removed(), r.leftovers());
    if (r.clean()) {
      log.info("rolled back: {0}", r.removed().isEmpty() ? "nothing had been made" : String.join(", ", r.removed()));
    } else {
      log.error("rollback incomplete; failures: {0}; left: {1}", r.failures(), r.leftovers());
    }
  }

  /** The user's mistake, found before anything was made: logged, told to the user, no node drained. */
  private Outcome refused(JobContext job, String channel, RequestException e) {
    log.failed("request", "request refused{0}: {1}", channel == null ? "" : " (" + channel + ")", e.getMessage());
    reportError(job, "virtual cluster request refused: " + e.getMessage());
    return Outcome.USER_ERROR;
  }

  /**
   * Writes {@code ERROR} for the user (batch host only): in the job's folder of the run tree (the
   * TaskProlog shows it to the job) and, as the user, in {@code copy}, the user's to keep.
   */
  void reportError(JobContext job, String message) {
    reportError(job, message, copyTargetOrNone(job));
  }

  void reportError(JobContext job, String message, Optional<UserCopy.Target> copy) {
    if (!job.isBatchHost()) {
      return;
    }
    message = Shown.lines(message, ERROR_LINES, ERROR_LINE_CHARS);
    try {
      new ReportWriter(s.templates(), copier()).writeError(JobFolder.of(StatePaths.of(s.config()), job.jobId()), copy,
          message, job.uid(), job.gid());
    } catch (RuntimeException e) {
      log.warn("could not write the error for the user: {0}", e.getMessage());
    }
  }

  /** Where the report's copy goes: none off the batch host or without a working folder. */
  private static Optional<UserCopy.Target> copyTarget(JobContext job) {
    if (!job.isBatchHost() || job.workDir() == null) {
      return Optional.empty();
    }
    return Optional.of(UserCopy.target(job.workDir(), job.jobId(), job.uid(), job.gid()));
  }

  static Optional<UserCopy.Target> copyTargetOrNone(JobContext job) {
    try {
      return copyTarget(job);
    } catch (ReportRefusedException e) {
      return Optional.empty();
    }
  }

  private UserCopy copier() {
    return new UserCopy(s.runner(), s.config().tools());
  }

  /** The phases that run at once, inside another: each with the one it runs in. */
  private static final Map<String, String> INSIDE_OF = Map.of("disks", "make", "fabric", "make", "define", "make",
      "report", "ready");

  /** An ERROR file holds the reason (one line) or a sister's last lines (docs/hooks.md, "PBS"). */
  private static final int ERROR_LINES = 30;
  private static final int ERROR_LINE_CHARS = 400;

  static String message(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
