package org.virtualservices.core.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.files.PrivateFiles;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.runtime.NodeServices;

/**
 * The automatic checkpoint of a job that asked {@code checkpoint=on-timeout} (docs/users.md,
 * "Checkpoint at requeue"), through the hooks' own privileges and no new channel: the prolog
 * records how often Slurm had requeued the job ({@link Requeues}) in root's state folder; the epilog,
 * before the teardown, asks again: more means the job was requeued (the user's {@code scontrol
 * requeue} in the batch script's signal trap, or preemption with REQUEUE) and will run again, so
 * the VMs are checkpointed; the same means the job is over, and its checkpoints go. The next run's
 * prolog restores the current checkpoint instead of booting. A checkpoint that cannot be taken or
 * restored costs the job its VMs' state, never the node: it is logged and the hooks go on.
 */
public final class AtRequeue {

  /** In the job's state folder on the node: the restarts the prolog saw. */
  static final String RESTARTS = "restarts";

  private final NodeServices s;
  private final JobLog log;

  public AtRequeue(NodeServices services, JobLog log) {
    this.s = services;
    this.log = log;
  }

  private CheckpointStore store(JobContext job) {
    return CheckpointStore.of(s.config().checkpoint().dir(), job.jobId(), job.nodes().indexOf(job.thisNode()));
  }

  /**
   * What the prolog found: the restarts the controller counts, the checkpoint to restore (none: the
   * VMs boot afresh) and the instance the job's keys are derived from (the checkpoint's: the restored
   * guests hold the keys of the run they were saved in, and Slurm gives a requeued job a new submit
   * time).
   */
  public record Start(int restarts, Optional<Restorable> restore, String keysInstance, String keysJob) {

    /** Keys of the job itself ({@code keysJob} null: the job's own id). */
    public Start(int restarts, Optional<Restorable> restore, String keysInstance) {
      this(restarts, restore, keysInstance, null);
    }

    /** The job whose id the keys are derived from: {@code keysJob}, else {@code jobId}. */
    public String keysOf(String jobId) {
      return keysJob != null ? keysJob : jobId;
    }

    /** Records the restarts and the keys' instance and job in the job's state folder, for the epilog. */
    public void record(Path nodeDir, JobLog log) {
      if (restarts < 0) {
        return;
      }
      try {
        Path file = nodeDir.resolve(RESTARTS);
        Files.deleteIfExists(file);
        PrivateFiles.write(file, restarts + "\n" + keysInstance + "\n" + (keysJob == null ? "" : keysJob) + "\n");
      } catch (IOException e) {
        log.warn("checkpoint at requeue is off for this run: {0}", e.getMessage());
      }
    }
  }

  /**
   * The prolog's part, before anything is made: the restarts (from the job's record the prolog has
   * read, else asked of the controller) and, in a run after a requeue, the checkpoint to restore.
   * Never throws: without a checkpoint that does, the VMs boot afresh, and the log says why.
   *
   * @param known the restarts in the job's record, or null: asked here
   */
  public Start atStart(JobContext job, Plan plan, NodePlan mine, Integer known) {
    int restarts;
    try {
      restarts = known != null ? known : Requeues.of(s.runner(), s.config().tools().scontrol(), job.jobId());
    } catch (RuntimeException e) {
      log.warn("checkpoint at requeue is off for this run: {0}", e.getMessage());
      return new Start(-1, Optional.empty(), job.instance());
    }
    if (restarts == 0) {
      return new Start(0, Optional.empty(), job.instance());
    }
    CheckpointStore store = store(job);
    try {
      Optional<Restorable> r = Restorable.find(store, plan, mine);
      if (r.isEmpty()) {
        log.info("run {0} of the job: no checkpoint in {1}, the VMs boot afresh", restarts + 1, store.folder());
        return new Start(restarts, r, job.instance());
      }
      log.info("run {0} of the job: restoring the checkpoint of {1} ({2})", restarts + 1, r.get().manifest().time(),
          r.get().folder());
      return new Start(restarts, r, r.get().manifest().instance(), r.get().manifest().keysJob());
    } catch (CheckpointException | IllegalArgumentException e) {
      log.warn("the checkpoint cannot be restored, the VMs boot afresh: {0}", e.getMessage());
      return new Start(restarts, Optional.empty(), job.instance());
    }
  }

  /** The name of the checkpoint taken when the job was requeued for its run {@code restarts + 1}: the same on every node. */
  static String requeueId(int restarts) {
    return "requeue-" + restarts;
  }

  /**
   * The epilog's part, before the teardown: a checkpoint when the job was requeued during this run,
   * the job's checkpoints removed when it is over.
   *
   * @return whether the job was requeued during this run (and so is not over: its next run ends it)
   */
  public boolean atEnd(Hypervisor hv, JobContext job, Plan plan, Path nodeDir) {
    Optional<NodePlan> mine = plan.node(job.thisNode());
    Path file = nodeDir.resolve(RESTARTS);
    if (mine.isEmpty() || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return false; // the prolog did not get as far as the VMs, or did not ask the controller: nothing to save
    }
    CheckpointStore store = store(job);
    int before;
    int now;
    String instance;
    String keysJob;
    try {
      String[] lines = Files.readString(file).split("\n", -1);
      before = Integer.parseInt(lines[0].strip());
      instance = lines.length > 1 ? lines[1] : "";
      keysJob = lines.length > 2 && !lines[2].isEmpty() ? lines[2] : null;
      now = Requeues.of(s.runner(), s.config().tools().scontrol(), job.jobId());
    } catch (IOException | RuntimeException e) {
      log.warn("no checkpoint: cannot tell whether the job was requeued: {0}", e.getMessage());
      return false;
    }
    if (now <= before) {
      if (KeptCheckpoints.since(s.config().checkpoint().dir(), job.jobId()).isPresent()) {
        log.info("the job is over: its checkpoints stay, its user took one with vcluster checkpoint ({0} days)",
            s.config().checkpoint().keepDays());
        return false;
      }
      try {
        store.removeAll();
        log.info("the job is over: its checkpoints here are removed");
      } catch (IOException | RuntimeException e) {
        log.warn("the job''s checkpoints in {0} could not be removed: {1}", store.folder(), e.getMessage());
      }
      return false;
    }
    SiteConfig cfg = s.config();
    try {
      Checkpointer.Taken t = Checkpointer.of(hv, store, s).take(job, plan, mine.get(), requeueId(now), instance,
          keysJob, nodeDir, cfg.checkpoint().spareMiB() << 20, cfg.checkpoint().keep());
      log.info("checkpoint of {0} VM(s) taken in {1}s, {2} MiB: {3}", t.manifest().vms().size(),
          String.format("%.3f", t.took().toNanos() / 1e9), t.bytes() >> 20, t.folder());
    } catch (CheckpointException e) {
      log.error("no checkpoint: {0}", e.getMessage());
    }
    return true;
  }
}
