package org.virtualservices.core.checkpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.plan.SavedNetwork;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.MountRequest;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.RequestParser;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

/**
 * The checkpoint a new job names with {@code restore=JOBID} (docs/users.md, "Restoring a checkpoint in a new
 * job"): the earlier job's checkpoint of this node's place in the job ({@code <checkpoint.dir>/<JOBID>/n<k>}),
 * found, judged and fitted to the new job before anything is made. Every refusal is the user's mistake, a
 * {@link RequestException} of one line. A checkpoint that is not the job's user's is answered exactly as one
 * that does not exist, so nobody learns which jobs of others were checkpointed. Each node needs only its own
 * manifest to plan the whole job; the nodes agree because one job wrote them all.
 *
 * <p>The checkpoint is only read: it is the earlier job's, and nothing of this job ever changes or removes it.
 *
 * @param checkpoint the checkpoint, read (and by {@link #admit}, verified)
 * @param request the job's request with what the checkpoint says where the request said nothing
 */
public record NamedCheckpoint(Restorable checkpoint, VcRequest request) {

  static final String FIELD = "restore";

  /**
   * Finds job {@code request.restore()}'s checkpoint for this node, checks whose it is and that it fits the
   * job and its request, and verifies every file's checksum.
   *
   * @param root the site's {@code checkpoint.dir}
   * @throws RequestException why it cannot be restored here, in one line
   */
  public static NamedCheckpoint admit(Path root, JobContext job, VcRequest request) {
    NamedCheckpoint c = read(root, job, request);
    try {
      c.checkpoint.manifest().verify(c.checkpoint.folder());
    } catch (CheckpointException e) {
      throw new RequestException(FIELD, "the checkpoint of job " + request.restore() + " cannot be restored: it is"
          + " damaged (" + e.getMessage() + ")");
    }
    return c;
  }

  /**
   * The plan of a job: {@link Planner#plan}, and for one that restores a checkpoint, of the request the
   * checkpoint completes, with the checkpoint's addresses ({@link #fit}). The prolog and the epilog both plan
   * through here, so they agree.
   */
  public static Plan plan(JobContext job, VcRequest request, SiteConfig site) {
    if (request.restore() == null) {
      return Planner.plan(job, request, site);
    }
    NamedCheckpoint c = read(site.checkpoint().dir(), job, request);
    return c.fit(Planner.plan(job, c.request, site));
  }

  /**
   * {@code plan} (of {@link #request}) with the saved job's subnet, gateway, addresses, MACs and domain names
   * ({@link SavedNetwork}); its own VNI, bridge, VXLAN and state folder.
   *
   * @throws RequestException when this node's VMs in the checkpoint are not those the plan places here
   */
  public Plan fit(Plan plan) {
    CheckpointManifest m = checkpoint.manifest();
    Plan fitted;
    try {
      fitted = SavedNetwork.apply(plan, m.vni(), m.subnet(), m.keysOf());
    } catch (IllegalArgumentException e) {
      throw new RequestException(FIELD, "the checkpoint of job " + m.jobId() + " cannot be restored: " + e.getMessage());
    }
    NodePlan mine = fitted.nodes().get(m.nodeIndex());
    List<VmPlan> vms = mine.vms();
    for (int i = 0; i < vms.size(); i++) {
      VmPlan v = vms.get(i);
      CheckpointManifest.Vm c = m.vms().get(i);
      if (c.index() != v.index() || !c.name().equals(v.name()) || !c.ip().equals(v.ip()) || !c.mac().equals(v.mac()) || c.vcpus() != v.vcpus()
          || c.memoryMiB() != v.memoryMiB()) {
        throw new RequestException(FIELD, "the checkpoint of job " + m.jobId() + " cannot be restored: its VM "
            + c.name() + " (" + c.ip() + ", " + c.mac() + ", " + c.vcpus() + " vCPUs, " + c.memoryMiB() + " MiB) is not"
            + " what this job places at " + v.name() + " (" + v.ip() + ", " + v.mac() + ", " + v.vcpus() + " vCPUs, "
            + v.memoryMiB() + " MiB)");
      }
    }
    return fitted;
  }

  /**
   * Refuses the restore while a domain of this node has a saved VM's UUID or name (the earlier job still runs
   * here, or its VMs are still defined): libvirt keeps one domain per UUID and per name, and the restored VM
   * must have the saved ones.
   *
   * @throws RequestException naming the domain
   */
  public void notStillThere(Hypervisor hv) {
    List<String> saved = checkpoint.manifest().vms().stream().map(CheckpointManifest.Vm::uuid).toList();
    List<String> names = checkpoint.manifest().vms().stream().map(CheckpointManifest.Vm::name).toList();
    for (DomainInfo d : hv.domains()) {
      if (names.contains(d.name()) || hv.xml(d.name()).map(NamedCheckpoint::uuidOf).filter(saved::contains)
          .isPresent()) {
        throw new RequestException(FIELD, "job " + checkpoint.manifest().jobId() + "'s VM is still here as domain "
            + d.name() + " (" + d.state().name().toLowerCase(java.util.Locale.ROOT) + "): a checkpoint is restored once"
            + " the job it was taken of has ended (scancel it first)");
      }
    }
  }

  private static String uuidOf(String xml) {
    try {
      return DomainXml.uuid(xml);
    } catch (CheckpointException e) {
      return null; // a domain without one is none of the saved ones
    }
  }

  /** As {@link #admit}, without the checksums (the epilog's plan needs only the manifest). */
  static NamedCheckpoint read(Path root, JobContext job, VcRequest request) {
    String from = RequestParser.restoreJob(FIELD, request.restore()); // again: it names a folder
    if (job.rm() != ResourceManager.SLURM) {
      throw new RequestException(FIELD, "jobs are checkpointed under Slurm only; this job runs under " + job.rm());
    }
    if (from.equals(job.jobId())) {
      throw new RequestException(FIELD, "job " + from + " is this job (a requeued job restores its own checkpoint"
          + " with checkpoint=on-timeout)");
    }
    int index = job.nodes().indexOf(job.thisNode());
    CheckpointStore store = CheckpointStore.of(root, from, index);
    String none = "job " + from + " has no checkpoint of yours to restore (for node " + (index + 1) + " of this job's "
        + job.nodes().size() + ")";
    // the newest checkpoint every node of the job holds (CheckpointStore.newestCommon); when they have none in
    // common, this node's current one, only to tell its owner why (anyone else hears "none")
    Optional<Path> current = Optional.empty();
    String notCommon = null;
    if (store.linkFree()) {
      try {
        current = store.newestCommon(job.nodes().size());
      } catch (CheckpointException e) {
        current = store.current();
        notCommon = e.getMessage();
      }
    }
    if (current.isEmpty()) {
      throw new RequestException(FIELD, none);
    }
    CheckpointManifest m;
    try {
      m = CheckpointManifest.read(current.get());
    } catch (CheckpointException e) {
      throw new RequestException(FIELD, none); // whose it is cannot be told: as if there were none
    }
    if (m.uid() != job.uid() || job.uid() < 0) {
      throw new RequestException(FIELD, none); // another user's: the same answer as none at all
    }
    if (!m.jobId().equals(from) || m.nodeIndex() != index) {
      throw new RequestException(FIELD, "the checkpoint of job " + from + " cannot be restored: its manifest names"
          + " job " + m.jobId() + ", node " + (m.nodeIndex() + 1));
    }
    if (m.nodeCount() != job.nodes().size()) {
      throw new RequestException(FIELD, "job " + from + " was checkpointed on " + m.nodeCount() + " node(s); this job has "
          + job.nodes().size() + " (the same count is needed)");
    }
    if (notCommon != null) {
      throw new RequestException(FIELD, "the checkpoint of job " + from + " cannot be restored: " + notCommon);
    }
    if (m.vms().isEmpty()) {
      throw new RequestException(FIELD, "the checkpoint of job " + from + " holds no VM for node " + (index + 1));
    }
    if (request.image() != null && !request.image().equals(m.image())) {
      throw new RequestException("image", "'" + request.image() + "' but the checkpoint of job " + from + " is of image '"
          + m.image() + "' (leave the image out with restore=)");
    }
    CheckpointManifest.Vm first = m.vms().get(0);
    same(request.vmsPerNode(), m.vms().size(), "vms", "VMs per node", from);
    same(request.vcpus(), first.vcpus(), "vcpus", "vCPUs per VM", from);
    same(request.memoryMiB(), first.memoryMiB(), "mem", "MiB per VM", from);
    VcRequest filled = request.filledFrom(m.image(), first.vcpus(), first.memoryMiB(), m.vms().size());
    if (filled.mounts() == null) {
      // the saved VMs had no host folder (a checkpoint cannot hold one): they come back without
      filled = new VcRequest(filled.image(), filled.vcpus(), filled.memoryMiB(), filled.vmsPerNode(), filled.channel(),
          MountRequest.NONE, filled.save(), filled.checkpointOnTimeout(), filled.restore());
    }
    return new NamedCheckpoint(Restorable.of(current.get(), m), filled);
  }

  private static void same(Number asked, long saved, String field, String what, String from) {
    if (asked != null && asked.longValue() != saved) {
      throw new RequestException(field, asked + " but the checkpoint of job " + from + " has " + saved + " " + what
          + " (leave it out with restore=)");
    }
  }
}
