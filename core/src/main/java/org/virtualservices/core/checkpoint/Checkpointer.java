package org.virtualservices.core.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;
import java.util.zip.Checksum;
import org.virtualservices.core.faults.FaultPoints;
import org.virtualservices.core.files.PrivateFiles;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.StatePaths;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.request.JobContext;

/**
 * Takes a checkpoint of one node's VMs (docs/hooks.md, "Checkpoints"): the space is checked first;
 * every VM is paused (QEMU flushes its disks), each overlay copied, each VM's memory saved by
 * libvirtd (which stops it), the manifest written and the whole verified, and only then made
 * current. A failure at any step leaves the previous checkpoint current and brings the VMs back as
 * they were: a saved one restored from what it was saved into, a paused one resumed; the new folder
 * is removed.
 */
public final class Checkpointer {

  private final Hypervisor hv;
  private final CheckpointStore store;
  private final Clock clock;
  private final FaultPoints faults;
  private final ToLongFunction<VmPlan> hardLimitMiB;

  /** What was taken: the folder, its manifest, how long it took. */
  public record Taken(Path folder, CheckpointManifest manifest, Duration took, List<Path> pruned) {
    public long bytes() {
      return manifest.files().stream().mapToLong(CheckpointManifest.FileSum::size).sum();
    }
  }

  /**
   * @param hardLimitMiB each VM's memory limit when it is brought back after a failure (0: none), as
   *     the prolog started it
   */
  public Checkpointer(Hypervisor hv, CheckpointStore store, Clock clock, FaultPoints faults,
      ToLongFunction<VmPlan> hardLimitMiB) {
    this.hv = hv;
    this.store = store;
    this.clock = clock;
    this.faults = faults;
    this.hardLimitMiB = hardLimitMiB;
  }

  /** The checkpointer of a node's hooks: the site's memory limit for a VM brought back, as the prolog started it. */
  public static Checkpointer of(Hypervisor hv, CheckpointStore store, org.virtualservices.core.runtime.NodeServices s) {
    org.virtualservices.core.config.SiteConfig cfg = s.config();
    return new Checkpointer(hv, store, s.clock(), s.faults(), v -> cfg.domain().memoryHardLimit()
        ? cfg.domain().hardLimitMiB(v.memoryMiB()) : 0);
  }

  /**
   * Checkpoints {@code mine}'s VMs, whose state (overlays, domain XML) is in {@code nodeDir}.
   *
   * @param job the job, whose user and node list the manifest records
   * @param id the checkpoint's name, the same on every node of the job ({@link CheckpointManifest#id})
   * @param instance the instance the job's keys were derived from (the guests hold those keys)
   * @param spareBytes what must stay free on the checkpoints' file system besides the checkpoint
   * @param keep complete checkpoints kept
   * @throws CheckpointException when none was taken; the VMs then run as before
   */
  public Taken take(JobContext job, Plan plan, NodePlan mine, String id, String instance, Path nodeDir, long spareBytes,
      int keep) {
    return take(job, plan, mine, id, instance, null, nodeDir, spareBytes, keep);
  }

  /**
   * The same, of guests that hold the keys of job {@code keysJob} (they were restored from its checkpoint,
   * {@code restore=}); null or the job's own id: the job's keys.
   */
  public Taken take(JobContext job, Plan plan, NodePlan mine, String id, String instance, String keysJob,
      Path nodeDir, long spareBytes, int keep) {
    Instant start = clock.instant();
    long need = 0;
    for (VmPlan v : mine.vms()) {
      need += (v.memoryMiB() << 20) + sizeOf(v.disk());
    }
    Path written;
    try {
      written = store.begin(start);
    } catch (IOException e) {
      throw new CheckpointException("cannot make a checkpoint folder in " + store.folder() + ": " + e.getMessage(), e);
    }
    List<String> paused = new ArrayList<>();
    List<String> saved = new ArrayList<>();
    try {
      long free = Files.getFileStore(written).getUsableSpace();
      if (free < need + spareBytes) {
        throw new CheckpointException("not enough space for a checkpoint in " + store.folder() + ": "
            + mib(free) + " MiB free, " + mib(need) + " MiB needed and " + mib(spareBytes) + " MiB kept spare");
      }
      // all paused at nearly the same moment, before any is saved: the guests stop together
      for (VmPlan v : mine.vms()) {
        hv.suspend(v.name());
        paused.add(v.name());
      }
      faults.reached("checkpoint-paused");
      List<CheckpointManifest.FileSum> files = new ArrayList<>();
      List<CheckpointManifest.Vm> vms = new ArrayList<>();
      for (VmPlan v : mine.vms()) {
        files.add(copy(v.disk(), written.resolve(CheckpointManifest.diskFile(v.name()))));
        faults.reached("checkpoint-disk:" + v.name());
        String uuid = DomainXml.uuid(hv.xml(v.name()).orElseThrow(() -> new CheckpointException("domain "
            + v.name() + " is gone")));
        vms.add(new CheckpointManifest.Vm(v.name(), v.index(), v.ip(), v.mac(), v.vcpus(), v.memoryMiB(), uuid));
      }
      for (VmPlan v : mine.vms()) {
        Path state = written.resolve(CheckpointManifest.stateFile(v.name()));
        hv.save(v.name(), state);
        saved.add(v.name());
        files.add(CheckpointManifest.sum(state));
        faults.reached("checkpoint-save:" + v.name());
      }
      CheckpointManifest m = new CheckpointManifest(CheckpointManifest.VERSION, plan.job(), plan.image(),
          plan.vni(), plan.subnet(), job.nodes().indexOf(mine.name()), job.nodes().size(), mine.name(), job.uid(),
          instance, id, start.toString(), vms, files, keysJob == null || keysJob.equals(plan.job()) ? null : keysJob);
      PrivateFiles.write(written.resolve(CheckpointManifest.FILE_NAME), m.json());
      faults.reached("checkpoint-manifest");
      CheckpointManifest.read(written).verify(written);
      faults.reached("checkpoint-verified");
      Path done = store.commit(written);
      List<Path> pruned = store.prune(keep);
      return new Taken(done, m, Duration.between(start, clock.instant()), pruned);
    } catch (IOException | RuntimeException e) {
      String back = bringBack(mine, nodeDir, written, paused, saved);
      try {
        store.discard(written);
      } catch (IOException d) {
        back += "; the unfinished folder " + written + " stays: " + d.getMessage();
      }
      throw new CheckpointException("no checkpoint taken: " + e.getMessage() + back, e);
    }
  }

  /**
   * The VMs of {@code taken} (just committed by {@link #take}) running again from it, as a failed
   * checkpoint brings them back: the job goes on (docs/hooks.md, "Checkpoints": {@code vcluster checkpoint}
   * without {@code --stop}).
   *
   * @return "" when all run again, else what was not brought back
   */
  public String resume(Taken taken, NodePlan mine, Path nodeDir) {
    List<String> all = mine.vms().stream().map(VmPlan::name).toList();
    String back = bringBack(mine, nodeDir, taken.folder(), all, all);
    return back.startsWith("; NOT") ? back.substring(2) : "";
  }

  /** The VMs as they were before the checkpoint: saved ones restored from their file, paused ones resumed. */
  private String bringBack(NodePlan mine, Path nodeDir, Path written, List<String> paused, List<String> saved) {
    List<String> failed = new ArrayList<>();
    for (VmPlan v : mine.vms()) {
      try {
        if (saved.contains(v.name())) {
          Optional<String> xml = definedXml(nodeDir, v.name(), written);
          hv.restore(v.name(), written.resolve(CheckpointManifest.stateFile(v.name())), xml, hardLimitMiB.applyAsLong(v));
        } else if (paused.contains(v.name())) {
          hv.resume(v.name());
        }
      } catch (RuntimeException e) {
        failed.add(v.name() + ": " + e.getMessage());
      }
    }
    return failed.isEmpty() ? (paused.isEmpty() ? "" : "; the VMs run again")
        : "; NOT brought back: " + String.join("; ", failed);
  }

  /**
   * The definition the prolog rendered (root's, in the node's folder), with the domain's UUID: the
   * live domain's, else the one {@code folder}'s manifest saved (a transient domain is gone once saved).
   */
  private Optional<String> definedXml(Path nodeDir, String vm, Path folder) {
    try {
      String rendered = Files.readString(StatePaths.domainXml(nodeDir, vm));
      Optional<String> uuid = hv.xml(vm).map(DomainXml::uuid);
      if (uuid.isEmpty() && Files.isRegularFile(folder.resolve(CheckpointManifest.FILE_NAME), LinkOption.NOFOLLOW_LINKS)) {
        uuid = CheckpointManifest.read(folder).vms().stream().filter(v -> v.name().equals(vm))
            .map(CheckpointManifest.Vm::uuid).findFirst();
      }
      return uuid.map(u -> DomainXml.withUuid(rendered, u));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Copies a VM's overlay, read without following a link (it is the job's user's file in root's
   * folder), into a new root-only file, and sums it on the way.
   */
  static CheckpointManifest.FileSum copy(Path from, Path to) throws IOException {
    Checksum sum = new CRC32C();
    long size;
    try (InputStream in = Files.newInputStream(from, LinkOption.NOFOLLOW_LINKS);
        OutputStream out = new CheckedOutputStream(Channels.newOutputStream(Files.newByteChannel(to,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), PrivateFiles.FILE)), sum)) {
      size = in.transferTo(out);
    }
    return new CheckpointManifest.FileSum(to.getFileName().toString(), size, CheckpointManifest.hex(sum));
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  private static long mib(long bytes) {
    return bytes >> 20;
  }
}
