package org.virtualservices.prolog;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.virtualservices.core.checkpoint.NamedCheckpoint;
import org.virtualservices.core.checkpoint.Restorable;
import org.virtualservices.core.config.Domain;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.confine.CpuTopology;
import org.virtualservices.core.confine.JobCpus;
import org.virtualservices.core.disk.ImageSize;
import org.virtualservices.core.hypervisor.ConsoleLogBound;
import org.virtualservices.core.hypervisor.QemuAccount;
import org.virtualservices.core.images.UserImages;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;
import org.virtualservices.core.rm.GetentAccounts;
import org.virtualservices.core.rm.SlurmJobRecord;
import org.virtualservices.core.rm.SlurmJobRecords;
import org.virtualservices.core.runtime.NodeServices;

/**
 * Whether this node may make a job's virtual cluster, decided before anything is made: the job's
 * record from the resource manager (its instance and memory), the plan with every limit of the
 * site (docs/hooks.md, "Limits"), the image's virtual disk against {@code limits.maxDiskMiBPerVm}
 * and libvirt's bound on console logs against {@code limits.maxConsoleLogMiB}, the account QEMU
 * runs as (never root: docs/hooks.md, "QEMU as the job's user").
 *
 * @param job the job as the resource manager's record completes it
 * @param plan its plan
 * @param qemu whom the job's QEMU processes run as on this node
 * @param cpus the job's CPUs on this node, where its VMs' threads are pinned (empty: unpinned)
 * @param base what its overlays sit on: the catalog's image or the user's, checked as the user
 * @param restarts how many times Slurm has requeued the job, from its record; null when not known
 * @param request the request as admitted: with {@code restore=}, completed by the checkpoint it names
 * @param named the checkpoint of another job it names with {@code restore=}, verified; empty: none
 */
record Admission(JobContext job, Plan plan, QemuAccount qemu, JobCpus cpus, BaseImage base, Integer restarts,
    VcRequest request, Optional<Restorable> named) {

  /**
   * @throws RequestException the user's mistake: a request beyond a limit of the site or the job
   * @throws IllegalStateException the node's fault: the controller did not answer, libvirt does
   *     not bound console logs, the base image cannot be read, the site's QEMU user is unknown here
   */
  static Admission decide(NodeServices s, JobLog log, JobContext called, VcRequest request) {
    SiteConfig cfg = s.config();
    Optional<SlurmJobRecord> record = SlurmJobRecords.read(called, s.runner(), cfg.tools().scontrol());
    JobContext job = record.map(r -> SlurmJobRecords.complete(called, r)).orElse(called);
    // every node must log the same instance: the tests compare them (e2e prolog-env, PbsSshFanOutTest)
    log.info("job record: instance {0}, memory per node {1}", job.instance(),
        job.memoryMiBPerNode().isEmpty() ? "not given (the per-CPU rule)" : job.memoryMiBPerNode() + " MiB");
    // restore=JOBID: the earlier job's checkpoint, judged before anything else is made (RestoreAdmission)
    Optional<NamedCheckpoint> named = RestoreAdmission.find(s, log, job, request);
    if (named.isPresent()) {
      request = named.get().request();
    }
    Plan plan = Planner.plan(job, request, cfg);
    if (named.isPresent()) {
      plan = named.get().fit(plan);
    }
    BaseImage base = UserImages.isUserRef(plan.image()) ? UserImageAdmission.check(s, log, job, plan.image())
        : catalogImage(s, log, plan);
    ConsoleLogBound.problem(cfg.libvirtUri(), cfg.domain().libvirtQemuConf(), cfg.domain().virtlogdConf(),
        cfg.limits().maxConsoleLogMiB()).ifPresent(p -> {
          throw new IllegalStateException(p);
        });
    String siteUser = cfg.domain().qemuUser();
    QemuAccount qemu = QemuAccount.of(siteUser, job,
        siteUser == null ? null : new GetentAccounts(s.runner(), cfg.pbs().getent()));

    JobCpus cpus = cpus(cfg, job, record);
    if (cpus.known()) {
      log.info("the job''s CPUs here: {0} (from {1})", cpus.cpus(), cpus.source());
    } else {
      log.warn("VMs not pinned: {0}", cpus.source());
    }
    checkWorkDir(job);
    return new Admission(job, plan, qemu, cpus, base, record.map(SlurmJobRecord::restarts).orElse(null), request,
        named.map(NamedCheckpoint::checkpoint));
  }

  /** A catalog image, whose virtual disk must be within {@code limits.maxDiskMiBPerVm}. */
  private static BaseImage catalogImage(NodeServices s, JobLog log, Plan plan) {
    SiteConfig cfg = s.config();
    Image image = cfg.images().get(plan.image());
    long disk;
    try {
      disk = ImageSize.virtualBytes(image.disk(), image.format(), s.runner(), cfg.tools().qemuImg());
    } catch (UncheckedIOException e) {
      // a base image missing or unreadable here boots no VM: the disk step fails on it, keeping the
      // evidence (docs/hooks.md, "When the prolog fails"); there is no overlay to bound
      log.info("image {0}: {1}; the disk step will say more", plan.image(), e.getMessage());
      disk = 0;
    }
    long maxDisk = cfg.limits().maxDiskMiBPerVm();
    if (disk > maxDisk << 20) {
      throw new RequestException("image", "'" + plan.image() + "' has a virtual disk of " + mib(disk)
          + " MiB, more than the site's limit limits.maxDiskMiBPerVm = " + maxDisk + " MiB");
    }
    return new BaseImage(image, 0);
  }

  /**
   * Where the job's VMs may run on this node (docs/hooks.md, "The job's CPUs and memory").
   *
   * @throws IllegalStateException when Slurm's CPUs for the job cannot be learned: the node's fault
   */
  private static JobCpus cpus(SiteConfig cfg, JobContext job, Optional<SlurmJobRecord> record) {
    if (cfg.domain().cpuPinning() == Domain.CpuPinning.none) {
      return JobCpus.unknown("the site's domain.cpuPinning is none");
    }
    CpuTopology topology = CpuTopology.read(CpuTopology.SYSFS);
    if (job.rm() == ResourceManager.SLURM) {
      return JobCpus.forSlurm(JobCpus.CGROUP_ROOT, topology, job.uid(), job.jobId(), job.thisNode(),
          record.flatMap(r -> r.cpuIdsOf(job.thisNode())));
    }
    return JobCpus.forPbs(JobCpus.CGROUP_ROOT, topology.online(), job.jobId());
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

  private static long mib(long bytes) {
    return (bytes + (1 << 20) - 1) >> 20;
  }
}
