package org.virtualservices.prolog;

import java.util.List;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.UserImagePolicy;
import org.virtualservices.core.plan.UserImageBoot;
import org.virtualservices.core.disk.UserImageCheck;
import org.virtualservices.core.images.UserImages;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.runtime.NodeServices;

/**
 * A user's own image on this node (docs/hooks.md, "Users' own images"): found in the user's
 * repository and checked by processes that run as the job's user, with the user's uid, primary gid
 * and groups (as QEMU, which libvirt starts with them), before anything is made. Root never opens
 * the user's path: not here, not for the overlay (made with the checked size, its base unopened),
 * not in libvirt (the domain names the base's format and ends its chain).
 */
final class UserImageAdmission {

  private UserImageAdmission() {
  }

  /**
   * @throws RequestException anything wrong with the image: the user's mistake, nothing is made
   * @throws IllegalStateException a tool of the check could not run here: the node's fault
   */
  static BaseImage check(NodeServices s, JobLog log, JobContext job, String ref) {
    SiteConfig cfg = s.config();
    UserImagePolicy policy = cfg.userImages();
    UserImages repo;
    try {
      repo = UserImages.forUser(policy.repository(), job.user(), job.uid());
    } catch (IllegalArgumentException e) {
      throw new RequestException("image", "no repository of user images for " + Shown.value(job.user()) + ": "
          + e.getMessage());
    }
    long maxMiB = Math.min(policy.maxVirtualMiB(), cfg.limits().maxDiskMiBPerVm());
    String limit = policy.maxVirtualMiB() <= cfg.limits().maxDiskMiBPerVm()
        ? "userImages.maxVirtualMiB = " + maxMiB + " MiB" : "limits.maxDiskMiBPerVm = " + maxMiB + " MiB";
    List<String> asUser = List.of(cfg.tools().setpriv(), "--reuid=" + job.uid(), "--regid=" + job.gid(),
        "--init-groups", "--");
    UserImageCheck.Checked c = new UserImageCheck(s.runner(), asUser, policy.find(), cfg.tools().qemuImg(),
        policy.formats(), maxMiB << 20, limit).check(repo, UserImages.parseRef(ref));
    log.info("user image {0}: revision {1} ({2}, {3} MiB virtual), checked as uid {4}", ref, c.revision().number(),
        c.format().extension(), c.virtualBytes() >> 20, job.uid());
    String chosen = UserImages.PREFIX + c.revision().name() + "@" + c.revision().number();
    return new BaseImage(UserImageBoot.image(cfg, c.revision().path(), c.format().extension(), chosen),
        Math.max(1, c.virtualBytes()));
  }
}
