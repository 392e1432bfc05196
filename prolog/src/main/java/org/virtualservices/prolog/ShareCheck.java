package org.virtualservices.prolog;

import java.time.Duration;
import java.util.List;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.plan.Share;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.runtime.NodeServices;

/**
 * Before anything is made, each shared folder is looked at as the job's user, with the user's
 * primary group alone, as its virtiofsd will open it: a folder the user cannot open on this node (missing here,
 * another's, a typo) is the user's mistake, told to the user, and drains no node; found later, by
 * virtiofsd at the domain's start, it would read as the node's fault.
 */
final class ShareCheck {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final NodeServices s;

  ShareCheck(NodeServices services) {
    this.s = services;
  }

  void asUser(JobContext job, List<Share> shares) {
    for (Share sh : shares) {
      String dir = sh.source().toString();
      CommandResult r = s.runner().run(Command.of(List.of(s.config().tools().setpriv(), "--reuid=" + job.uid(),
          "--regid=" + job.gid(), "--clear-groups", "--", s.config().mounts().test(), "-d", dir, "-a", "-x", dir, "-a",
          "-r", dir)).withTimeout(TIMEOUT));
      if (r.exitStatus() == 1) {
        throw new RequestException("mounts", "folder " + Shown.value(dir) + " is not a folder that user "
            + Shown.value(job.user()) + " can open on node " + job.thisNode());
      }
      if (r.exitStatus() != 0) {
        throw new IllegalStateException("checking folder " + dir + " as uid " + job.uid() + ": " + r.exitStatus() + ": " + r.stderr().strip());
      }
    }
  }
}
