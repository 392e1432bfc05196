package org.virtualservices.prolog;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.disk.ImageSize;
import org.virtualservices.core.hypervisor.ConsoleLogBound;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.VcRequest;
import org.virtualservices.core.rm.SlurmJobRecords;
import org.virtualservices.core.runtime.NodeServices;

/**
 * Whether this node may make a job's virtual cluster, decided before anything is made: the job's
 * record from the resource manager (its instance and memory), the plan with every limit of the
 * site (docs/hooks.md, "Limits"), the image's virtual disk against {@code limits.maxDiskMiBPerVm}
 * and libvirt's bound on console logs against {@code limits.maxConsoleLogMiB}.
 *
 * @param job the job as the resource manager's record completes it
 * @param plan its plan
 */
record Admission(JobContext job, Plan plan) {

  /**
   * @throws RequestException the user's mistake: a request beyond a limit of the site or the job
   * @throws IllegalStateException the node's fault: the controller did not answer, libvirt does
   *     not bound console logs, the base image cannot be read
   */
  static Admission decide(NodeServices s, JobLog log, JobContext called, VcRequest request) {
    SiteConfig cfg = s.config();
    JobContext job = SlurmJobRecords.complete(called, s.runner(), cfg.tools().scontrol());
    // every node must log the same instance: the tests compare them (e2e prolog-env, PbsSshFanOutTest)
    log.info("job record: instance {0}, memory per node {1}", job.instance(),
        job.memoryMiBPerNode().isEmpty() ? "not given (the per-CPU rule)" : job.memoryMiBPerNode() + " MiB");
    Plan plan = Planner.plan(job, request, cfg);
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
    ConsoleLogBound.problem(cfg.libvirtUri(), cfg.domain().libvirtQemuConf(), cfg.domain().virtlogdConf(),
        cfg.limits().maxConsoleLogMiB()).ifPresent(p -> {
          throw new IllegalStateException(p);
        });
    checkWorkDir(job);
    return new Admission(job, plan);
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
