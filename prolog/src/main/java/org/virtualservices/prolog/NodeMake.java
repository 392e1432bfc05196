package org.virtualservices.prolog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.config.Network;
import org.virtualservices.core.disk.Disks;
import org.virtualservices.core.disk.GuestSeed;
import org.virtualservices.core.disk.SeedImage;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.files.PrivateFiles;
import org.virtualservices.core.hypervisor.Hypervisor;
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
import org.virtualservices.core.report.PhaseTimer;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.runtime.NodeServices;

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

  NodeMake(NodeServices services, JobLog log, PhaseTimer timer) {
    this.s = services;
    this.log = log;
    this.timer = timer;
  }

  /**
   * Makes this node's resources; on a failure every step it started has ended or is in
   * {@code pending}, for the caller to settle before its rollback.
   *
   * @param step where the prolog is, for its failure message
   */
  void run(Hypervisor hv, JobContext job, Plan plan, NodePlan mine, Path nodeDir, Journal journal, Image image,
      String login, List<Share> shares, Pending<JobKeys> keys, List<Pending<?>> pending, PerVm.Step step)
      throws IOException {
    step.is("fabric");
    Pending<Void> fabric = null;
    FabricSpec spec = null;
    if (s.config().network().mode() == Network.Mode.vxlan) {
      FabricSpec theSpec = JobNetwork.spec(plan, job.thisNode(), s.config().network(), job.uid(), s.underlay());
      spec = theSpec;
      journal.intend(new JournalEntry(JournalEntry.Kind.FABRIC, String.valueOf(plan.vni())));
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
    // libvirt does not look at a domain's disks before it starts: define while they are made
    Pending<Void> defines = Pending.start("define", at -> PerVm.run(mine.vms(), (v, vmStep) -> {
      vmStep.is("define " + v.name());
      List<DomainModel.Filesystem> fs = shares.stream()
          .map(sh -> new DomainModel.Filesystem(sh.tag(), sh.socket(nodeDir, v.name()))).toList();
      String xml = DomainModel.of(s.config(), plan, v, image, job.user(), fs).render(s.templates());
      Path xmlFile = nodeDir.resolve(v.name() + ".xml");
      Files.deleteIfExists(xmlFile);
      PrivateFiles.write(xmlFile, xml);
      hv.define(v.name(), xml);
      s.faults().reached("define:" + v.name());
    }));
    pending.add(defines);
    try {
      var d = timer.start();
      PerVm.run(mine.vms(), (v, at) -> {
        at.is("disk of " + v.name());
        disks.overlay(image.disk(), image.format(), v.disk());
        s.faults().reached("disk:" + v.name());
        at.is("keys");
        JobKeys k = keys.await();
        at.is("seed of " + v.name());
        seeds.write(v.seed(), GuestSeed.files(s.templates(), plan, v, login, job.uid(), job.gid(), k.job(),
            k.host(v.name()), k.knownHosts(), shares));
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
