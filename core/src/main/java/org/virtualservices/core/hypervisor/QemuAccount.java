package org.virtualservices.core.hypervisor;

import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.rm.Accounts;

/**
 * Whom a job's QEMU processes run as, and who owns the files they open (docs/hooks.md, "QEMU as the
 * job's user"): the job's own uid and primary gid, or the site's fixed unprivileged user
 * ({@code domain.qemuUser}). Never root: a guest that escapes QEMU gets this account's rights.
 *
 * @param name the account's name, for the log
 */
public record QemuAccount(int uid, int gid, String name) {

  public QemuAccount {
    if (uid == 0) {
      throw new IllegalArgumentException("QEMU must not run as root (uid 0)");
    }
  }

  /**
   * libvirt's DAC label: numeric ("+uid:+gid", libvirt's formatdomain, "Security label"), so libvirt
   * looks no name up and a name that resolves otherwise on another node changes nothing.
   */
  public String label() {
    return "+" + uid + ":+" + gid;
  }

  /**
   * The account for {@code job}: the site's {@code siteUser} when set (then {@code job} is not read),
   * else the job's user.
   *
   * @throws RequestException a job of root with no fixed user: the user's mistake, found before anything is made
   * @throws IllegalStateException the site's user is unknown on this node, or root's: the node's fault
   */
  public static QemuAccount of(String siteUser, JobContext job, Accounts accounts) {
    if (siteUser == null) {
      if (job.uid() == 0) {
        throw new RequestException("user", "QEMU does not run as root, and this job is root's: a job of root gets"
            + " no virtual cluster unless the site names a user for QEMU (domain.qemuUser)");
      }
      return new QemuAccount(job.uid(), job.gid(), job.user());
    }
    int uid = accounts.uid(siteUser).orElseThrow(() -> new IllegalStateException(
        "domain.qemuUser: '" + siteUser + "' is not a user on this node"));
    int gid = accounts.primaryGid(siteUser).orElseThrow(() -> new IllegalStateException(
        "domain.qemuUser: '" + siteUser + "' has no primary group on this node"));
    if (uid == 0 || gid == 0) {
      throw new IllegalStateException("domain.qemuUser: '" + siteUser + "' is uid " + uid + ", gid " + gid
          + " here; QEMU must not run as root or in root's group");
    }
    return new QemuAccount(uid, gid, siteUser);
  }
}
