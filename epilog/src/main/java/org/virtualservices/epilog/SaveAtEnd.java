package org.virtualservices.epilog;

import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.VmUsage;
import org.virtualservices.core.images.UserImages;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.report.JobFolder;
import org.virtualservices.core.report.ReportRefusedException;
import org.virtualservices.core.report.UserCopy;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.VcRequest;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.save.DiskSave;
import org.virtualservices.core.save.SavePolicy;
import org.virtualservices.core.save.SaveRequestFile;

/**
 * The save of the head VM's disk at the job's end (docs/hooks.md, "Saving a VM's disk"), on the
 * batch host, before the teardown removes the domains: asked at submission ({@code save=NAME}) or
 * in the job ({@code vcluster save NAME}, which wins: it is the later word). Whatever happens here
 * is told (the log, the outcome line, {@code save.txt} beside what the VMs used) and never fails
 * the epilog nor stops the teardown: a save is the user's business, not the node's.
 */
final class SaveAtEnd {

  private final NodeServices s;
  private final JobLog log;
  private final Map<String, VmUsage> usages = new java.util.TreeMap<>();

  SaveAtEnd(NodeServices services, JobLog log) {
    this.s = services;
    this.log = log;
  }

  /** @return whether a save was asked (and so tried or refused) */
  boolean run(JobContext job, Optional<VcRequest> request, Optional<Plan> plan, Optional<JobFolder> folder,
      Hypervisor hv) {
    if (plan.isEmpty() || !plan.get().isBatchHost(job.thisNode())) {
      return false;
    }
    String field = "save";
    String name = request.map(VcRequest::save).orElse(null);
    try {
      Optional<UserCopy.Target> copy = folder.flatMap(JobFolder::copyRecord);
      if (copy.isPresent()) {
        SaveRequestFile requests = new SaveRequestFile(s.runner(), s.config().tools().setpriv(), s.config().save().dd(),
            s.config().tools().rm());
        UserCopy.Target t = copy.get();
        Optional<String> asked;
        try {
          asked = requests.read(t.dir(), t.uid(), t.gid());
        } finally {
          requests.remove(t.dir(), t.uid(), t.gid());
        }
        if (asked.isPresent()) {
          field = SaveRequestFile.FIELD;
          name = asked.get();
        }
      }
      if (name == null) {
        return false;
      }
      SavePolicy.check(field, name, s.config());
    } catch (RequestException e) {
      told(job, name == null ? "?" : name, new DiskSave.Result(name == null ? "?" : name, 0, false, e.getMessage()));
      return true;
    } catch (RuntimeException e) {
      told(job, name == null ? "?" : name, new DiskSave.Result(name == null ? "?" : name, 0, false,
          "the save's request: " + e.getMessage()));
      return true;
    }
    VmPlan head = plan.get().node(job.thisNode()).orElseThrow().vms().get(0);
    // what it used, read while its QEMU runs: after the power-off the teardown finds it stopped
    hv.usage(head.name()).ifPresent(u -> {
      usages.put(head.name(), u);
      log.info("{0} used {1}", head.name(), u.line());
    });
    log.info("saving the disk of {0} as a new revision of user:{1}", head.name(), name);
    DiskSave.Result r;
    try {
      UserImages repo = UserImages.forUser(s.config().userImages().repository(), job.user(), job.uid());
      r = new DiskSave(hv, s.runner(), s.config().tools(), s.config().userImages().find(), s.config().save(),
          s.clock(), s.sleeper(), s.faults()).save(new DiskSave.Job(job.uid(), job.gid(), head.name(), head.disk(),
          repo, name));
    } catch (RuntimeException e) {
      r = new DiskSave.Result(name, 0, false, e.getMessage());
    }
    told(job, name, r);
    return true;
  }

  /** What the head VM had used when it was asked to power off, by name; empty when no save ran. */
  Map<String, VmUsage> usages() {
    return Map.copyOf(usages);
  }

  /** Into the log, the outcome line and, as the user, {@code save.txt} beside what the VMs used. */
  private void told(JobContext job, String name, DiskSave.Result r) {
    if (r.saved()) {
      log.info("{0}", r.message());
    } else {
      log.warn("the disk was not saved as user:{0}: {1}", name, r.message());
    }
    log.outcome().save(name, r.revision(), r.saved(), r.message());
    if (job.workDir() == null) {
      return;
    }
    try {
      UserCopy.Target report = UserCopy.target(job.workDir(), job.jobId(), job.uid(), job.gid());
      UserCopy.Target t = new UserCopy.Target(job.uid(), job.gid(), report.dir().resolveSibling(
          UsageRecord.folderName(job.jobId())));
      new UserCopy(s.runner(), s.config().tools()).write(t, Map.of("save.txt", (r.saved() ? "" : "not saved: ")
          + r.message() + "\n"));
    } catch (ReportRefusedException | IllegalArgumentException e) {
      log.warn("how the save went is in this log only: {0}", e.getMessage());
    }
  }
}
