package org.virtualservices.prolog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.checkpoint.Restorable;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.confine.JobCpus;
import org.virtualservices.core.confine.VmPinning;
import org.virtualservices.core.config.Network;
import org.virtualservices.core.disk.Disks;
import org.virtualservices.core.disk.GuestSeed;
import org.virtualservices.core.disk.SeedImage;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.files.ConsoleAccess;
import org.virtualservices.core.files.PrivateFiles;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.QemuAccount;
import org.virtualservices.core.journal.Journal;
import org.virtualservices.core.journal.JournalEntry;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.fabric.JobNetwork;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.Share;
import org.virtualservices.core.share.Virtiofsd;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.render.DomainModel;
import org.virtualservices.core.render.Hostfile;
import org.virtualservices.core.report.PhaseTimer;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.plan.StatePaths;

/**
 * The prolog's make phase on one node (docs/hooks.md, steps "fabric", "disks", "domains"): the
 * job's network, each VM's disk and seed, each VM's domain, all written to the journal before
 * they are made. What waits on a program or on libvirtd runs at once (docs/bench.md): the network
 * is made and the domains are defined while the disks are made. Each step reaches its fault
 * points as it makes its resource, so a test can stop the node half-way through the work.
 */
final class NodeMake {

  private final NodeServices s;
  private final JobLog log;
  private final PhaseTimer timer;
  private final JobCpus cpus;

  /** @param cpus the job's CPUs on this node, where the VMs' threads are pinned; empty: unpinned */
  NodeMake(NodeServices services, JobLog log, PhaseTimer timer, JobCpus cpus) {
    this.s = services;
    this.log = log;
    this.timer = timer;
    this.cpus = cpus;
  }

  /**
   * Makes this node's resources; on a failure every step it started has ended or is in
   * {@code pending}, for the caller to settle before its rollback.
   *
   * @param step where the prolog is, for its failure message
   */
  void run(Hypervisor hv, JobContext job, Plan plan, NodePlan mine, Path nodeDir, Journal journal, BaseImage base,
      String login, QemuAccount qemu, List<Share> shares, Pending<JobKeys> keys, List<Pending<?>> pending,
      PerVm.Step step, Optional<Restorable> restore)
      throws IOException {
    Image image = base.image();
    step.is("fabric");
    Pending<Void> fabric = null;
    FabricSpec spec = null;
    if (s.config().network().mode() == Network.Mode.vxlan) {
      FabricSpec theSpec = JobNetwork.spec(plan, job.thisNode(), s.config().network(), job.uid(), s.underlay());
      spec = theSpec;
      fabric = Pending.start("fabric", at -> {
        s.fabric().setUp(theSpec);
        s.faults().reached("fabric");
      });
      pending.add(fabric);
    }

    step.is("disks");
    Disks disks = new Disks(s.runner(), s.config().tools().qemuImg());
    Virtiofsd daemons = new Virtiofsd(s.config().mounts(), s.config().tools().setpriv());
    SeedImage seeds = new SeedImage(s.runner(), s.config().tools().mkisofs());
    journal.intendAll(entries(mine, shares, nodeDir));
    Map<String, VmPinning> pins = pins(mine);
    // libvirt does not look at a domain's disks before it starts: define while they are made
    Pending<Void> defines = Pending.start("define", at -> PerVm.run(mine.vms(), (v, vmStep) -> {
      vmStep.is("define " + v.name());
      List<DomainModel.Filesystem> fs = shares.stream()
          .map(sh -> new DomainModel.Filesystem(sh.tag(), sh.socket(nodeDir, v.name()))).toList();
      String xml = DomainModel.of(s.config(), plan, v, image, job.user(), qemu, fs).pinned(pins.get(v.name()))
          .render(s.templates());
      if (restore.isPresent()) {
        xml = restore.get().definition(v, xml); // the saved domain's UUID: restored into this definition
      }
      Path xmlFile = StatePaths.domainXml(nodeDir, v.name());
      Files.deleteIfExists(xmlFile);
      PrivateFiles.write(xmlFile, xml);
      // made before virtlogd opens it, so that it keeps the ACL that lets the job's user read it
      ConsoleAccess.grant(nodeDir, v.console(), job.uid());
      hv.define(v.name(), xml);
      s.faults().reached("define:" + v.name());
    }));
    pending.add(defines);
    String hostfile = Hostfile.render(s.templates(), plan);
    try {
      var d = timer.start();
      PerVm.run(mine.vms(), (v, at) -> {
        at.is("disk of " + v.name());
        if (restore.isPresent()) {
          restore.get().placeDisk(v, qemu.uid(), qemu.gid());
        } else if (base.usersOwn()) {
          disks.overlayOfChecked(image.disk(), image.format(), base.checkedBytes(), v.disk(), qemu.uid(), qemu.gid());
        } else {
          disks.overlay(image.disk(), image.format(), v.disk(), qemu.uid(), qemu.gid());
        }
        s.faults().reached("disk:" + v.name());
        at.is("keys");
        JobKeys k = keys.await();
        at.is("seed of " + v.name());
        seeds.write(v.seed(), GuestSeed.files(s.templates(), plan, v, login, job.uid(), job.gid(), k.job(),
            k.host(v.name()), k.knownHosts(), hostfile, shares), qemu.uid(), qemu.gid());
        s.faults().reached("seed:" + v.name());
        for (Share sh : shares) {
          at.is("virtiofsd of " + v.name() + " for " + sh.source());
          Virtiofsd.Started daemon = daemons.start(sh, sh.socket(nodeDir, v.name()), job.uid(), job.gid());
          journal.intend(new JournalEntry(JournalEntry.Kind.PROCESS, daemon.journalName()));
          s.faults().reached("share:" + v.name());
        }
      });
      timer.lap("disks", d);
      if (fabric != null) {
        step.is("fabric");
        fabric.join();
        timer.timed("fabric", fabric.seconds());
      }
      defines.join();
      timer.timed("define", defines.seconds());
    } catch (PerVm.Failed f) {
      step.is(f.step());
      f.rethrow();
    }
    if (spec != null) {
      log.info("network up: bridge {0}, vxlan {1}, {2} peer node(s){3}", spec.bridge(), spec.vxlan(),
          spec.peers().size(), spec.isBatchHost() ? ", gateway " + spec.gatewayCidr() : "");
    }
    log.info("disks and seeds made for {0} VM(s){1}", mine.vms().size(),
        shares.isEmpty() ? "" : ", " + shares.size() + " shared folder(s) served as uid " + job.uid());
  }

  /** Each VM's CPUs: the node's VMs spread over the job's CPUs here; none when they are not known. */
  private Map<String, VmPinning> pins(NodePlan mine) {
    if (!cpus.known()) {
      return Map.of();
    }
    Map<String, Integer> vcpus = new LinkedHashMap<>();
    mine.vms().forEach(v -> vcpus.put(v.name(), v.vcpus()));
    Map<String, VmPinning> pins = VmPinning.spread(cpus.cpus(), vcpus);
    pins.forEach((vm, p) -> log.info("{0}: vCPUs on CPUs {1}, emulator on {2}", vm, p.vcpus(), p.all()));
    return pins;
  }

  /** Every VM's files and domain, for the journal at once (one write), before any is made. */
  private static List<JournalEntry> entries(NodePlan mine, List<Share> shares, Path nodeDir) {
    List<JournalEntry> made = new ArrayList<>();
    mine.vms().forEach(v -> {
      made.add(new JournalEntry(JournalEntry.Kind.FILE, v.disk().toString()));
      made.add(new JournalEntry(JournalEntry.Kind.FILE, v.seed().toString()));
      for (Share sh : shares) {
        made.add(new JournalEntry(JournalEntry.Kind.FILE, sh.socket(nodeDir, v.name()).toString()));
      }
    });
    for (VmPlan v : mine.vms()) {
      made.add(new JournalEntry(JournalEntry.Kind.FILE, v.console().toString()));
      made.add(new JournalEntry(JournalEntry.Kind.DOMAIN, v.name()));
    }
    return made;
  }
}
