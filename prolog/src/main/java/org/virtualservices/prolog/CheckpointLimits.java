package org.virtualservices.prolog;

import java.util.List;
import org.virtualservices.core.checkpoint.NoShares;
import org.virtualservices.core.plan.Share;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.VcRequest;

/**
 * What a checkpointed job cannot have (docs/users.md, "Checkpoint at requeue"), refused before
 * anything is made: a shared host folder, since QEMU cannot save a VM with a virtiofs device
 * ("non-migratable device: vhost-user-fs"; its open files live in a daemon on the host).
 */
final class CheckpointLimits {

  private CheckpointLimits() {
  }

  static void check(VcRequest request, List<Share> shares) {
    if (request.checkpointOnTimeout() && !shares.isEmpty()) {
      throw new RequestException("checkpoint", NoShares.message("on-timeout", shares.size()));
    }
    if (request.restore() != null && !shares.isEmpty()) {
      throw new RequestException("restore", "restored VMs cannot get host folders (" + shares.size() + " asked): a"
          + " checkpoint holds none; leave mounts out or say mounts=none");
    }
  }
}
