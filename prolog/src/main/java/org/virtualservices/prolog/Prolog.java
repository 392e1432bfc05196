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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.config.Boot;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.config.Network;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.disk.Disks;
import org.virtualservices.core.disk.GuestSeed;
import org.virtualservices.core.disk.SeedImage;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.files.PrivateFiles;
import org.virtualservices.core.fabric.NetworkClashException;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.OpeningHypervisor;
import org.virtualservices.core.journal.Journal;
import org.virtualservices.core.journal.JournalEntry;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.fabric.JobNetwork;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.ready.DomainRunning;
import org.virtualservices.core.ready.InOrder;
import org.virtualservices.core.ready.MarkerSeen;
import org.virtualservices.core.ready.NotReadyException;
import org.virtualservices.core.ready.PortOpen;
import org.virtualservices.core.ready.PortsOpen;
import org.virtualservices.core.ready.Readiness;
import org.virtualservices.core.ready.ReadinessCheck;
import org.virtualservices.core.ready.Sleeper;
import org.virtualservices.core.ready.WakingSleeper;
import org.virtualservices.core.render.Models;
import org.virtualservices.core.report.JobFolder;
import org.virtualservices.core.report.ReportFiles;
import org.virtualservices.core.report.ReportRefusedException;
import org.virtualservices.core.report.ReportWriter;
import org.virtualservices.core.report.UserCopy;
import org.virtualservices.core.report.Timing;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.VcRequest;
import org.virtualservices.core.runtime.Fault;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.teardown.Teardown;
import org.virtualservices.core.teardown.TeardownResult;

/**
 * The prolog on one node: request, plan, journal, fabric, disks, domains, ready, report (DESIGN.md
 * steps 1-8). Every resource is written to the journal before it is made; on any failure the
 * evidence is kept and everything made is rolled back, and the outcome tells the resource manager
 * whether the user or the node was at fault.
 */
public final class Prolog {

  /** Only a dry run prints JSON: a holder, so that a real prolog does not build a mapper it never uses. */
  private static final class DryRunJson {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .registerModule(new SimpleModule().addSerializer(Path.class, ToStringSerializer.instance));
  }

  private final NodeServices s;
  private final JobLog log;
  private final List<Timing> timings = new ArrayList<>();

  /** The least time between two looks at the consoles when their logs are written to. */
  private static final Duration CONSOLE_LOOKS_APART = Duration.ofMillis(50);

  /** The templates a prolog renders: the domain, the seed's files, the report's files. */
  static final List<String> TEMPLATES = List.of("domain.ftlx", "meta-data.ftl", "user-data.ftl",
      "network-config.ftl", "hostfile.ftl", "ssh_config.ftl", "report.txt.ftl");

  public Prolog(NodeServices services, JobLog log) {
    this.s = services;
    this.log = log;
  }

  /** Prints the plan as JSON and makes nothing. */
  public Outcome dryRun(HookInvocation inv, PrintStream out) {
    if (inv.request().isEmpty()) {
      out.println("{}");
      return Outcome.OK;
    }
    Plan plan = Planner.plan(inv.job(), inv.request().get(), s.config());
    try {
      out.println(DryRunJson.JSON.writeValueAsString(plan));
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
    SiteConfig cfg = s.config();
    log.attach(inv.job().jobId(), inv.job().thisNode(),
        cfg.stateDir().resolve("logs").resolve(inv.job().jobId() + ".log"));
    if (inv.refused().isPresent()) {
      // a typo in the request: nothing is made, and the user reads why (docs/hooks.md, "Exit codes")
      return refused(inv.job(), null, inv.refused().get());
    }
    VcRequest request = inv.request().get();
    final JobContext job;
    final Plan plan;
    Instant t = s.clock().instant();
    try {
      Admission admitted = Admission.decide(s, log, inv.job(), request);
      job = admitted.job();
      plan = admitted.plan();
      checkWorkDir(job);
    } catch (RequestException e) {
      return refused(inv.job(), request.channel(), e);
    } catch (IllegalStateException | java.io.UncheckedIOException e) {
      log.error("cannot admit the job on this node: {0}", e.getMessage());
      return Outcome.NODE_FAULT;
    }
    NodePlan mine = plan.node(job.thisNode()).orElse(null);
    if (mine == null) {
      log.error("node {0} is not in the job''s node list {1}", job.thisNode(), job.nodes());
      return Outcome.NODE_FAULT;
    }
    // the copy of the report goes into the working folder, which must be the user's (looked at now,
    // before anything is made: a user's mistake costs the node nothing)
    Optional<UserCopy.Target> copy;
    try {
      copy = copyTarget(job);
    } catch (ReportRefusedException e) {
      log.error("no virtual cluster: {0}", e.getMessage());
      reportError(job, "no virtual cluster: " + e.getMessage(), Optional.empty());
      return Outcome.USER_ERROR;
    }
    lap("plan", t);
    log.info("plan: {0} VM(s) of image {1} on this node, network {2} VNI {3}{4}", mine.vms().size(),
        plan.image(), plan.subnet(), plan.vni(), plan.isBatchHost(job.thisNode()) ? ", batch host" : "");

    Path nodeDir = Planner.nodeStateDir(cfg, job.jobId(), job.thisNode());
    JobFolder folder = JobFolder.of(cfg.runDir(), job.jobId());
    String step = "job folder";
    // What waits on a program or on libvirtd runs at once (docs/bench.md): libvirt's connection
    // opens, the network is made, the domains are defined while the disks are made; the report is
    // written while the VMs boot. Every pending step ends before a rollback starts.
    List<Pending<?>> pending = new ArrayList<>();
    // the keys need only the site secret and the names: derived meanwhile, waited for by the seeds
    Pending<JobKeys> keys = Pending.compute("keys", at -> JobKeys.derive(s.keys().get(), job, plan.vms()));
    pending.add(keys);
    try (Hypervisor hv = OpeningHypervisor.open(cfg.libvirtUri(), s.hypervisors())) {
      try {
        // the marker first: from now on the epilog has work here, whatever the user changes
        folder.create();
        step = "journal";
        Journal journal = Journal.open(nodeDir, job.jobId(), job.thisNode());
        journal.network(plan.vni(), plan.bridge(), plan.vxlan());
        s.faults().reached("journal");

        step = "fabric";
        t = s.clock().instant();
        Pending<Void> fabric = null;
        FabricSpec spec = null;
        if (cfg.network().mode() == Network.Mode.vxlan) {
          FabricSpec theSpec = JobNetwork.spec(plan, job.thisNode(), cfg.network(), job.uid(), s.underlay());
          spec = theSpec;
          journal.intend(new JournalEntry(JournalEntry.Kind.FABRIC, String.valueOf(plan.vni())));
          fabric = Pending.start("fabric", at -> s.fabric().setUp(theSpec));
          pending.add(fabric);
        }

        step = "disks";
        Image image = cfg.images().get(plan.image());
        String login = image.loginUser() != null ? image.loginUser() : job.user();
        Disks disks = new Disks(s.runner(), cfg.tools().qemuImg());
        SeedImage seeds = new SeedImage(s.runner(), cfg.tools().mkisofs());
        // every VM's files and domain in the journal at once (one write), before any is made
        List<JournalEntry> made = new ArrayList<>();
        mine.vms().forEach(v -> {
          made.add(new JournalEntry(JournalEntry.Kind.FILE, v.disk().toString()));
          made.add(new JournalEntry(JournalEntry.Kind.FILE, v.seed().toString()));
        });
        for (VmPlan v : mine.vms()) {
          made.add(new JournalEntry(JournalEntry.Kind.FILE, v.console().toString()));
          made.add(new JournalEntry(JournalEntry.Kind.DOMAIN, v.name()));
        }
        journal.intendAll(made);
        // libvirt does not look at a domain's disks before it starts: define while they are made
        Pending<Void> defines = Pending.start("define", at -> PerVm.run(mine.vms(), (v, vmStep) -> {
          vmStep.is("define " + v.name());
          String xml = domainXml(plan, v, image, job);
          Path xmlFile = nodeDir.resolve(v.name() + ".xml");
          Files.deleteIfExists(xmlFile);
          PrivateFiles.write(xmlFile, xml);
          hv.define(v.name(), xml);
        }));
        pending.add(defines);
        Instant d = s.clock().instant();
        try {
          PerVm.run(mine.vms(), (v, at) -> {
            at.is("disk of " + v.name());
            disks.overlay(image.disk(), image.format(), v.disk());
            at.is("keys");
            JobKeys k = keys.await();
            at.is("seed of " + v.name());
            seeds.write(v.seed(), GuestSeed.files(s.templates(), plan, v, login, job.uid(), job.gid(), k.job(),
                k.host(v.name()), k.knownHosts()));
          });
          lap("disks", d);
          if (fabric != null) {
            step = "fabric";
            fabric.join();
            timed("fabric", fabric.seconds());
          }
          defines.join();
          timed("define", defines.seconds());
        } catch (PerVm.Failed f) {
          step = f.step();
          f.rethrow();
        }
        // the fault points in the order of the work, as before it ran at once
        if (spec != null) {
          s.faults().reached("fabric");
          log.info("network up: bridge {0}, vxlan {1}, {2} peer node(s){3}", spec.bridge(), spec.vxlan(),
              spec.peers().size(), spec.isBatchHost() ? ", gateway " + spec.gatewayCidr() : "");
        }
        for (VmPlan v : mine.vms()) {
          s.faults().reached("disk:" + v.name());
          s.faults().reached("seed:" + v.name());
        }
        log.info("disks and seeds made for {0} VM(s)", mine.vms().size());
        for (VmPlan v : mine.vms()) {
          s.faults().reached("define:" + v.name());
        }
        lap("make", t);

        t = s.clock().instant();
        try {
          PerVm.run(mine.vms(), (v, at) -> {
            at.is("start " + v.name());
            hv.start(v.name());
          });
        } catch (PerVm.Failed f) {
          step = f.step();
          f.rethrow();
        }
        for (VmPlan v : mine.vms()) {
          s.faults().reached("start:" + v.name());
          log.info("started {0} ({1}, {2})", v.name(), v.ip(), v.mac());
        }
        lap("start", t);

        if (othersDone != null) {
          step = "sister nodes";
          t = s.clock().instant();
          othersDone.run();
          lap("sisters", t);
        }

        // the report is written while the VMs boot; a VM that never answers rolls it back
        Pending<Void> report = null;
        ReportFiles files = null;
        if (plan.isBatchHost(job.thisNode())) {
          files = folder.files();
          List<Timing> all = new ArrayList<>(timings);
          report = Pending.start("report", at -> {
            JobKeys k = keys.await();
            new ReportWriter(s.templates(), copier()).write(folder, copy, plan, job.user(), login, job.uid(),
                job.gid(), k.job(), k.knownHosts(), all);
          });
          pending.add(report);
        }

        step = "ready";
        t = s.clock().instant();
        awaitReady(hv, plan, mine, job);
        log.info("{0} VM(s) ready", mine.vms().size());
        s.faults().reached("ready");
        if (report != null) {
          try {
            report.join();
          } catch (PerVm.Failed f) {
            step = f.step();
            f.rethrow();
          }
        }
        lap("ready", t);
        if (report != null) {
          timed("report", report.seconds());
          s.faults().reached("report");
          log.info("report in {0}", files.dir());
        }
        log.info("prolog done: {0}", timingLine());
        return Outcome.OK;
      } catch (OtherNodesFailedException e) {
        String what = "no virtual cluster: " + message(e);
        log.error("{0}", what);
        pending.forEach(Pending::settle);
        rollback(hv, job, nodeDir, plan);
        reportError(job, what, copy);
        return e.outcome();
      } catch (PeersNotReadyException e) {
        String what = "no virtual cluster: " + message(e);
        log.error("{0}", what);
        pending.forEach(Pending::settle);
        rollback(hv, job, nodeDir, plan);
        reportError(job, what, copy);
        return Outcome.PEER_FAULT;
      } catch (NetworkClashException e) {
        // another job's network under this one's VNI, names or subnet: found before anything was
        // made, and the rollback removes only what carries this job's mark. The node is fine.
        String what = "no virtual cluster: refused on node " + job.thisNode() + ": " + message(e);
        log.error("{0}", what);
        pending.forEach(Pending::settle);
        rollback(hv, job, nodeDir, plan);
        reportError(job, what);
        return Outcome.PEER_FAULT;
      } catch (ReportRefusedException e) {
        String what = "no virtual cluster: " + message(e);
        log.error("{0}", what);
        pending.forEach(Pending::settle);
        rollback(hv, job, nodeDir, plan);
        reportError(job, what, Optional.empty()); // the copy is what failed
        return Outcome.USER_ERROR;
      } catch (RuntimeException | IOException e) {
        // the one place a failure of the work is classified: the user's (a report folder they
        // made unusable, say) rolls back and tells them; anything else is the node's and drains it
        boolean users = Fault.of(e) == Fault.USER;
        String what = users ? "no virtual cluster: " + message(e)
            : "prolog failed on node " + job.thisNode() + " at step '" + step + "': " + message(e);
        log.error("{0}", what);
        pending.forEach(Pending::settle);
        if (!users) {
          keepEvidence(job, nodeDir, mine, what);
        }
        rollback(hv, job, nodeDir, plan);
        reportError(job, what, copy);
        return users ? Outcome.USER_ERROR : Outcome.NODE_FAULT;
      }
    } catch (RuntimeException e) {
      log.error("prolog failed on node {0}: {1}", job.thisNode(), message(e));
      return Outcome.NODE_FAULT;
    }
  }

  /** Records a phase its caller ran before this prolog (the configuration's loading). */
  public void timed(String phase, Duration took) {
    timings.add(new Timing(phase, took.toNanos() / 1e9));
  }

  private void timed(String phase, double seconds) {
    timings.add(new Timing(phase, seconds));
  }

  /** The timings of the phases run so far, for the report and benchmarks. */
  public List<Timing> timings() {
    return List.copyOf(timings);
  }

  String domainXml(Plan plan, VmPlan v, Image image, JobContext job) {
    SiteConfig cfg = s.config();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("vm", Models.vm(v));
    m.put("job", plan.job());
    m.put("user", job.user());
    m.put("imageName", plan.image());
    m.put("metadataNs", Hypervisor.METADATA_NS);
    Map<String, Object> img = new LinkedHashMap<>();
    img.put("kernel", image.kernel() == null ? "" : image.kernel().toString());
    img.put("initrd", image.initrd() == null ? "" : image.initrd().toString());
    m.put("image", img);
    String cmdline = image.cmdline();
    if (image.guestConfig() == Image.GuestConfig.cmdline) {
      cmdline += " vc.hostname=" + v.name() + " vc.ip=" + v.ip() + "/" + plan.prefixLength() + " vc.mac="
          + v.mac() + " vc.mtu=" + plan.guestMtu();
    }
    m.put("cmdline", cmdline);
    Map<String, Object> dom = new LinkedHashMap<>();
    dom.put("type", cfg.domain().type());
    dom.put("machine", cfg.domain().machine());
    dom.put("arch", cfg.domain().arch());
    dom.put("emulator", cfg.domain().emulator() == null ? "" : cfg.domain().emulator());
    dom.put("cleanTrafficFilter", cfg.domain().cleanTrafficFilter());
    m.put("domain", dom);
    m.put("network", cfg.network().mode() == Network.Mode.vxlan);
    m.put("bridge", plan.bridge());
    m.put("mtu", plan.guestMtu());
    return s.templates().render("domain.ftlx", m);
  }

  /**
   * Waits for this node's VMs (a timeout is this node's fault), then, on the batch host with the
   * port probe, for the other nodes' VMs over the job's network. Those being late is not this
   * node's fault: their own nodes' prologs say why, and draining the batch host for it would take
   * a healthy node out of service.
   */
  private void awaitReady(Hypervisor hv, Plan plan, NodePlan mine, JobContext job) {
    Boot boot = s.config().boot();
    boolean ports = boot.readiness().contains(Boot.Probe.port) && plan.isBatchHost(job.thisNode());
    List<ReadinessCheck> local = new ArrayList<>();
    for (VmPlan v : mine.vms()) {
      // one VM's probes in order: its port is not probed before its console says it is ready
      List<ReadinessCheck> steps = new ArrayList<>();
      if (boot.readiness().contains(Boot.Probe.running)) {
        steps.add(new DomainRunning(hv, v.name()));
      }
      if (boot.readiness().contains(Boot.Probe.marker)) {
        steps.add(new MarkerSeen(v.console(), boot.marker() + " " + v.name(), boot.failureMarker()));
      }
      if (ports) {
        steps.add(portOf(v, boot));
      }
      if (!steps.isEmpty()) {
        local.add(new InOrder(steps));
      }
    }
    Duration poll = Duration.ofMillis(boot.pollMillis());
    Readiness readiness = new Readiness(s.clock(), s.sleeper(), poll);
    Instant start = s.clock().instant();
    Duration timeout = Duration.ofSeconds(boot.timeoutSeconds());
    // a real wait on this node's VMs also wakes when a console log is written: the ready line is
    // seen at once (tests' sleepers do not sleep at all)
    boolean watch = s.sleeper() == Sleeper.REAL && boot.readiness().contains(Boot.Probe.marker);
    try (WakingSleeper waking = watch ? WakingSleeper.on(
        mine.vms().stream().map(v -> v.console().getParent()).distinct().toList(),
        CONSOLE_LOOKS_APART.compareTo(poll) < 0 ? CONSOLE_LOOKS_APART : poll) : null) {
      (waking == null ? readiness : new Readiness(s.clock(), waking, poll))
          .await(local, timeout, "on node " + job.thisNode());
    }
    if (!ports) {
      return;
    }
    // all of them probed at once: one after another, each late VM would cost a connect timeout
    List<PortOpen> others = plan.vms().stream().filter(v -> !v.node().equals(job.thisNode()))
        .map(v -> portOf(v, boot)).toList();
    List<ReadinessCheck> remote = others.isEmpty() ? List.of()
        : List.of(new PortsOpen(others, Math.min(1000, boot.pollMillis() * 5)));
    Duration left = timeout.minus(Duration.between(start, s.clock().instant()));
    try {
      readiness.await(remote, left.isNegative() ? Duration.ZERO : left, "on batch host " + job.thisNode());
    } catch (NotReadyException e) {
      throw new PeersNotReadyException(e.getMessage() + " (the other nodes' own logs say why)");
    }
  }

  private static PortOpen portOf(VmPlan v, Boot boot) {
    return new PortOpen(v.name() + " on " + v.node(), v.ip(), boot.port(), Math.min(1000, boot.pollMillis() * 5));
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

  /** VMs of other nodes did not answer the batch host: not this node's fault. */
  static final class PeersNotReadyException extends RuntimeException {
    PeersNotReadyException(String message) {
      super(message);
    }
  }


  private void keepEvidence(JobContext job, Path nodeDir, NodePlan mine, String what) {
    if (mine == null || !Files.isDirectory(nodeDir)) {
      return;
    }
    Path dir = s.config().stateDir().resolve("evidence")
        .resolve(job.jobId() + "-" + job.thisNode() + "-" + s.clock().instant().toEpochMilli());
    try {
      PrivateFiles.folders(dir.getParent());
      Files.createDirectory(dir, PrivateFiles.FOLDER);
      PrivateFiles.write(dir.resolve("failure.txt"), what + "\n");
      for (VmPlan v : mine.vms()) {
        for (Path p : List.of(nodeDir.resolve(v.name() + ".xml"), v.console())) {
          if (Files.isRegularFile(p)) {
            PrivateFiles.copy(p, dir.resolve(p.getFileName()));
          }
        }
      }
      log.info("evidence kept in {0}", dir);
    } catch (IOException e) {
      log.warn("could not keep evidence in {0}: {1}", dir, e.getMessage());
    }
  }

  private void rollback(Hypervisor hv, JobContext job, Path nodeDir, Plan plan) {
    TeardownResult r = new Teardown(hv, s.fabric(), log, s.faults(), copier()).run(job.jobId(), job.thisNode(),
        nodeDir, Optional.of(plan), Optional.of(JobFolder.of(s.config().runDir(), job.jobId())));
    if (r.clean()) {
      log.info("rolled back: {0}", r.removed().isEmpty() ? "nothing had been made" : String.join(", ", r.removed()));
    } else {
      log.error("rollback incomplete; failures: {0}; left: {1}", r.failures(), r.leftovers());
    }
  }

  /** The user's mistake, found before anything was made: logged, told to the user, no node drained. */
  private Outcome refused(JobContext job, String channel, RequestException e) {
    log.error("request refused{0}: {1}", channel == null ? "" : " (" + channel + ")", e.getMessage());
    reportError(job, "virtual cluster request refused: " + e.getMessage());
    return Outcome.USER_ERROR;
  }

  /**
   * The batch host's report goes to the job's working folder: one that is missing or is not a
   * folder is the user's doing (a typo in --chdir, a folder removed after submission), found
   * before anything is made.
   */
  private static void checkWorkDir(JobContext job) {
    if (!job.isBatchHost() || job.workDir() == null) {
      return;
    }
    Path dir = job.workDir();
    if (!Files.exists(dir)) {
      throw new RequestException("working folder", Shown.value(dir.toString()) + " does not exist");
    }
    if (!Files.isDirectory(dir)) {
      throw new RequestException("working folder", Shown.value(dir.toString()) + " is not a folder");
    }
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
      new ReportWriter(s.templates(), copier()).writeError(JobFolder.of(s.config().runDir(), job.jobId()), copy,
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

  private static Optional<UserCopy.Target> copyTargetOrNone(JobContext job) {
    try {
      return copyTarget(job);
    } catch (ReportRefusedException e) {
      return Optional.empty();
    }
  }

  private UserCopy copier() {
    return new UserCopy(s.runner(), s.config().tools());
  }

  private void lap(String phase, Instant since) {
    timings.add(new Timing(phase, Duration.between(since, s.clock().instant()).toNanos() / 1e9));
  }

  /**
   * "config 0.101s, plan 0.009s, make 0.081s (disks 0.070s, fabric 0.031s, define 0.024s), start
   * 0.330s, ready 4.012s (report 0.031s)": the phases one after another, which add up to the
   * prolog's time, and in parentheses those that ran at once inside the phase before them.
   */
  private String timingLine() {
    StringBuilder sb = new StringBuilder();
    for (Timing x : timings) {
      if (INSIDE_OF.containsKey(x.phase())) {
        continue;
      }
      sb.append(sb.length() == 0 ? "" : ", ").append(format(x));
      List<String> inside = timings.stream().filter(i -> x.phase().equals(INSIDE_OF.get(i.phase())))
          .map(Prolog::format).toList();
      if (!inside.isEmpty()) {
        sb.append(" (").append(String.join(", ", inside)).append(')');
      }
    }
    return sb.toString();
  }

  private static String format(Timing t) {
    return t.phase() + String.format(" %.3fs", t.seconds());
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
