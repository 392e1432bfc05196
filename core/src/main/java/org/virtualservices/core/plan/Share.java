package org.virtualservices.core.plan;

import java.nio.file.Path;

/**
 * A host folder shared into every VM of a job (docs/hooks.md, "Host folders").
 *
 * @param tag the virtiofs tag the guest mounts it by ({@code vcfs0}, ...; at most 36 bytes)
 * @param source the folder on the host, served as the job's user
 * @param target where it appears in the VMs
 * @param readOnly mounted read-only by the guest
 */
public record Share(String tag, Path source, Path target, boolean readOnly) {

  /** The socket of this folder's virtiofsd for one VM, in the job's state folder on the node (root's only). */
  public Path socket(Path nodeDir, String vm) {
    return nodeDir.resolve(vm + "." + tag + ".sock");
  }
}
