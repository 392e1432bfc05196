package org.virtualservices.prolog;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.virtualservices.core.checkpoint.CheckpointManifest;
import org.virtualservices.core.checkpoint.NamedCheckpoint;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.VcRequest;
import org.virtualservices.core.runtime.NodeServices;

/**
 * The prolog's look at the checkpoint a job names with {@code restore=JOBID} (docs/users.md, "Restoring a
 * checkpoint in a new job"), before anything is made: found, owned by the job's user, fitting the job, every
 * file verified ({@link NamedCheckpoint}), and none of its VMs still a domain of this node.
 */
final class RestoreAdmission {

  private RestoreAdmission() {
  }

  /**
   * @return the checkpoint, or empty when the request names none
   * @throws RequestException the user's mistake: no such checkpoint of theirs, one that does not fit, the
   *     earlier job still running here
   * @throws IllegalStateException the node's fault: the hypervisor cannot be asked
   */
  static Optional<NamedCheckpoint> find(NodeServices s, JobLog log, JobContext job, VcRequest request) {
    if (request.restore() == null) {
      return Optional.empty();
    }
    Instant t = s.clock().instant();
    NamedCheckpoint c = NamedCheckpoint.admit(s.config().checkpoint().dir(), job, request);
    Hypervisor hv;
    try {
      hv = s.hypervisors().apply(s.config().libvirtUri());
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot ask the hypervisor whether job " + request.restore()
          + "'s VMs are still here: " + e.getMessage(), e);
    }
    try (hv) {
      c.notStillThere(hv);
    } catch (RequestException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot ask the hypervisor whether job " + request.restore()
          + "'s VMs are still here: " + e.getMessage(), e);
    }
    CheckpointManifest m = c.checkpoint().manifest();
    log.info("restore: the checkpoint of job {0} taken {1} ({2} VM(s) of image {3}, subnet {4}) verified in {5}s",
        m.jobId(), m.time(), m.vms().size(), m.image(), m.subnet(),
        String.format("%.3f", Duration.between(t, s.clock().instant()).toNanos() / 1e9));
    return Optional.of(c);
  }
}
