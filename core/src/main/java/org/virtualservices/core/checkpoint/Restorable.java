package org.virtualservices.core.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.virtualservices.core.files.PrivateFiles;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.VmPlan;

/**
 * A node's current checkpoint, verified and matched against the new run's plan: the same image, the
 * same VMs on this node with the same names, addresses, MACs, vCPUs and memory (a saved guest only
 * comes back into the machine it was saved from), so the guests notice nothing but a jump of the
 * clock.
 */
public final class Restorable {

  private final Path folder;
  private final CheckpointManifest manifest;

  private Restorable(Path folder, CheckpointManifest manifest) {
    this.folder = folder;
    this.manifest = manifest;
  }

  /** A checkpoint already read and verified in {@code folder} (another job's, named with {@code restore=}). */
  static Restorable of(Path folder, CheckpointManifest manifest) {
    return new Restorable(folder, manifest);
  }

  /**
   * The checkpoint in {@code store} to restore, if there is one: the newest that all the job's nodes
   * hold ({@link CheckpointStore#newestCommon}).
   *
   * @throws CheckpointException when it does not verify or does not fit {@code mine}, or the nodes
   *     have none in common
   */
  public static Optional<Restorable> find(CheckpointStore store, Plan plan, NodePlan mine) {
    Optional<Path> current = store.newestCommon(plan.nodes().size());
    if (current.isEmpty()) {
      return Optional.empty();
    }
    Path dir = current.get();
    CheckpointManifest m = CheckpointManifest.read(dir);
    match(m, plan, mine, dir);
    m.verify(dir);
    return Optional.of(new Restorable(dir, m));
  }

  static void match(CheckpointManifest m, Plan plan, NodePlan mine, Path dir) {
    if (!m.jobId().equals(plan.job()) || !m.image().equals(plan.image())) {
      throw new CheckpointException("checkpoint " + dir + " is of job " + m.jobId() + ", image " + m.image()
          + "; this is job " + plan.job() + ", image " + plan.image());
    }
    List<VmPlan> vms = mine.vms();
    if (vms.size() != m.vms().size()) {
      throw new CheckpointException("checkpoint " + dir + " has " + m.vms().size() + " VM(s) for this node; the job"
          + " has " + vms.size() + " here (the same count per node is needed)");
    }
    for (int i = 0; i < vms.size(); i++) {
      VmPlan v = vms.get(i);
      CheckpointManifest.Vm c = m.vms().get(i);
      if (!c.name().equals(v.name()) || !c.ip().equals(v.ip()) || !c.mac().equals(v.mac()) || c.vcpus() != v.vcpus()
          || c.memoryMiB() != v.memoryMiB()) {
        throw new CheckpointException("checkpoint " + dir + ": VM " + c.name() + " (" + c.ip() + ", " + c.mac() + ", "
            + c.vcpus() + " vCPUs, " + c.memoryMiB() + " MiB) is not " + v.name() + " (" + v.ip() + ", " + v.mac()
            + ", " + v.vcpus() + " vCPUs, " + v.memoryMiB() + " MiB) of this run");
      }
    }
  }

  public Path folder() {
    return folder;
  }

  public CheckpointManifest manifest() {
    return manifest;
  }

  /**
   * The saved VM that comes back as {@code v}: the one at the same place in the job (the same name in a
   * requeued run of the job; another job's name when restored with {@code restore=}).
   */
  CheckpointManifest.Vm saved(VmPlan v) {
    return manifest.vms().stream().filter(x -> x.index() == v.index()).findFirst()
        .orElseThrow(() -> new CheckpointException("checkpoint " + folder + " has no VM at place " + v.index()
            + " for " + v.name()));
  }

  /** The VM's saved memory state (libvirtd reads it, as root). */
  public Path state(VmPlan v) {
    return folder.resolve(CheckpointManifest.stateFile(saved(v).name()));
  }

  /**
   * The VM's overlay as it was saved, copied to the new run's {@code v.disk()} (a new file, 0600, in
   * root's folder) and handed to QEMU's account, as a fresh overlay is.
   */
  public void placeDisk(VmPlan v, int uid, int gid) throws IOException {
    java.nio.file.Files.deleteIfExists(v.disk());
    Checkpointer.copy(folder.resolve(CheckpointManifest.diskFile(saved(v).name())), v.disk());
    PrivateFiles.handTo(v.disk(), uid, gid);
  }

  /** The new run's rendered definition of {@code v} with the saved domain's UUID. */
  public String definition(VmPlan v, String rendered) {
    return DomainXml.withUuid(rendered, saved(v).uuid());
  }
}
