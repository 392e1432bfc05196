package org.virtualservices.core.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.hypervisor.DomainState;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.journal.NodeLock;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.plan.Shares;
import org.virtualservices.core.plan.StatePaths;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.HookPhase;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.VcRequest;
import org.virtualservices.core.rm.SlurmHook;
import org.virtualservices.core.rm.SlurmJobRecord;
import org.virtualservices.core.rm.SlurmJobRecords;
import org.virtualservices.core.runtime.NodeServices;

/**
 * The root helper of {@code vcluster checkpoint} on one node (docs/hooks.md, "Checkpoints"), run
 * by the SPANK plugin in a step of the job, as root, with a fixed argument list and a clean
 * environment: the job id and the step's uid come from Slurm (spank_get_item), the rest from root's
 * own state. It refuses, before anything is paused: a value that is not the plugin's syntax, a job
 * with no VMs on this node (no call recorded by its prolog here), a step of another user than the
 * job's recorded one, a job that shares host folders, a {@code --keep} beyond the site's
 * {@code checkpoint.maxKeep}, a pause asked too far from now. Then it waits for the pause moment,
 * takes the checkpoint ({@link Checkpointer}), brings the VMs back from it (unless {@code stop})
 * and marks the job's checkpoints kept after the job ({@link KeptCheckpoints}).
 */
public final class ManualCheckpoint {

  /** What the user reads on the step's stdout: one line; {@code ok} false makes the step fail. */
  public record Result(boolean ok, String line) {
  }

  private final NodeServices s;
  private final JobLog log;

  public ManualCheckpoint(NodeServices services, JobLog log) {
    this.s = services;
    this.log = log;
  }

  /**
   * @param jobId the step's job, from Slurm
   * @param stepUid the step's user, from Slurm
   * @param value the option's value, {@link NowRequest}'s syntax
   * @param node this node's name in the job's node list
   */
  public Result run(String jobId, int stepUid, String value, String node) {
    String where = node + ": ";
    NowRequest asked;
    try {
      asked = NowRequest.parse(value);
    } catch (IllegalArgumentException e) {
      return refused(where, "--vc-checkpoint-now: " + e.getMessage());
    }
    if (jobId == null || !jobId.matches("[1-9][0-9]{0,9}")) {
      return refused(where, "not a job id");
    }
    SiteConfig cfg = s.config();
    StatePaths paths = StatePaths.of(cfg);
    Path nodeDir = paths.node(jobId, node);
    Optional<Map<String, String>> call;
    try {
      call = Files.isDirectory(nodeDir, LinkOption.NOFOLLOW_LINKS) ? RecordedCall.read(nodeDir)
          : Optional.empty();
    } catch (IOException e) {
      return refused(where, "the job's records here cannot be read: " + e.getMessage());
    }
    if (call.isEmpty()) {
      return refused(where, "job " + jobId + " has no VMs on this node");
    }
    HookInvocation inv;
    try {
      inv = SlurmHook.read(HookPhase.PROLOG, call.get());
    } catch (RequestException e) {
      return refused(where, "the job's records here cannot be read: " + e.getMessage());
    }
    JobContext job = inv.job();
    if (inv.request().isEmpty() || !job.jobId().equals(jobId) || !job.thisNode().equals(node)) {
      return refused(where, "job " + jobId + " has no VMs on this node");
    }
    if (job.uid() != stepUid) {
      return refused(where, "job " + jobId + " is not uid " + stepUid + "'s");
    }
    log.attach(jobId, node, paths.log(jobId));
    Plan plan;
    Optional<NamedCheckpoint> restored = Optional.empty();
    try {
      VcRequest request = inv.request().get();
      if (request.restore() != null) {
        // restore=: the VMs have the named checkpoint's names, addresses and keys (NamedCheckpoint)
        restored = Optional.of(NamedCheckpoint.read(cfg.checkpoint().dir(), job, request));
        request = restored.get().request();
      }
      int shares = Shares.of(cfg.mounts(), request.mounts(), job.workDir()).size();
      if (shares > 0) {
        return refused(where, NoShares.message("vcluster checkpoint", shares));
      }
      plan = Planner.plan(job, request, cfg);
      if (restored.isPresent()) {
        plan = restored.get().fit(plan);
      }
    } catch (RequestException e) {
      return refused(where, "the job's plan cannot be made again: " + e.getMessage());
    }
    Optional<NodePlan> mine = plan.node(node).filter(m -> !m.vms().isEmpty());
    if (mine.isEmpty()) {
      return refused(where, "job " + jobId + " has no VMs on this node");
    }
    int keep = asked.keep().orElse(cfg.checkpoint().keep());
    if (keep > cfg.checkpoint().maxKeep()) {
      return refused(where, "--keep " + keep + ": at most " + cfg.checkpoint().maxKeep() + " here (checkpoint.maxKeep)");
    }
    Optional<String> far = asked.tooFar(s.clock().instant());
    if (far.isPresent()) {
      return refused(where, far.get());
    }
    Optional<String> slurmConf = Optional.ofNullable(call.get().get("SLURM_CONF")).filter(c -> c.startsWith("/"));
    try (NodeLock lock = NodeLock.acquire(nodeDir); Hypervisor hv = s.hypervisors().apply(cfg.libvirtUri())) {
      return take(hv, job, plan, mine.get(), nodeDir, asked, keep, slurmConf, where,
          restored.map(c -> c.checkpoint().manifest()));
    } catch (RuntimeException e) {
      log.error("no checkpoint: {0}", e.getMessage());
      return new Result(false, where + "no checkpoint: " + e.getMessage());
    }
  }

  private Result take(Hypervisor hv, JobContext job, Plan plan, NodePlan mine, Path nodeDir, NowRequest asked,
      int keep, Optional<String> slurmConf, String where, Optional<CheckpointManifest> named) {
    // a helper killed earlier (the step cancelled) may have left them paused: they run before anything else
    for (VmPlan v : mine.vms()) {
      if (hv.state(v.name()) == DomainState.PAUSED) {
        hv.resume(v.name());
        log.warn("{0} was paused (a checkpoint interrupted earlier): resumed", v.name());
      }
    }
    String instance = recorded(nodeDir, 1).or(() -> named.map(CheckpointManifest::instance))
        .orElseGet(() -> submitTime(job, slurmConf));
    // the job whose keys the guests hold: another one's when restored from its checkpoint (restore=)
    String keysJob = recorded(nodeDir, 2).or(() -> named.map(CheckpointManifest::keysOf)).orElse(null);
    Duration wait = Duration.between(s.clock().instant(), asked.pauseAt());
    if (!wait.isNegative() && !wait.isZero()) {
      try {
        s.sleeper().sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Result(false, where + "no checkpoint: interrupted before the pause");
      }
    }
    long late = Duration.between(asked.pauseAt(), s.clock().instant()).toMillis();
    int index = job.nodes().indexOf(job.thisNode());
    Path root = s.config().checkpoint().dir();
    Checkpointer checkpointer = Checkpointer.of(hv, CheckpointStore.of(root, job.jobId(), index), s);
    Checkpointer.Taken t;
    try {
      // the id every node of the job gives this checkpoint: the moment they were all asked to pause at
      t = checkpointer.take(job, plan, mine, "at-" + asked.pauseAt().toEpochMilli(), instance, keysJob, nodeDir,
          s.config().checkpoint().spareMiB() << 20, keep);
    } catch (CheckpointException e) {
      log.error("vcluster checkpoint: {0}", e.getMessage());
      return new Result(false, where + e.getMessage());
    }
    String took = String.format("%.3f", t.took().toNanos() / 1e9);
    log.info("vcluster checkpoint of {0} VM(s) taken in {1}s ({2} ms after the asked moment), {3} MiB: {4}",
        t.manifest().vms().size(), took, late, t.bytes() >> 20, t.folder());
    String after = "the VMs stay stopped";
    boolean ok = true;
    if (!asked.stop()) {
      Instant back = s.clock().instant();
      String failed = checkpointer.resume(t, mine, nodeDir);
      if (failed.isEmpty()) {
        after = "the VMs run on";
        log.info("the VMs run on from the checkpoint, brought back in {0}s",
            String.format("%.3f", Duration.between(back, s.clock().instant()).toNanos() / 1e9));
      } else {
        ok = false;
        after = failed;
        log.error("after the checkpoint: {0}", failed);
      }
    }
    try {
      KeptCheckpoints.mark(root, job.jobId(), "n" + index, s.clock().instant());
    } catch (IOException | RuntimeException e) {
      ok = false;
      after += "; NOT kept after the job: " + e.getMessage();
      log.error("the checkpoint is not marked kept: {0}", e.getMessage());
    }
    return new Result(ok, where + "checkpoint of " + t.manifest().vms().size() + " VM(s) taken in " + took + " s, "
        + (t.bytes() >> 20) + " MiB, " + t.folder().getFileName() + "; " + after);
  }

  /**
   * Line {@code n} of what the prolog recorded for the epilog ({@link AtRequeue.Start#record}: the restarts,
   * the keys' instance, the keys' job), when there is one: a job restored after a requeue holds its
   * checkpoint's keys.
   */
  private Optional<String> recorded(Path nodeDir, int n) {
    Path restarts = nodeDir.resolve(AtRequeue.RESTARTS);
    try {
      if (Files.isRegularFile(restarts, LinkOption.NOFOLLOW_LINKS)) {
        List<String> lines = Files.readAllLines(restarts);
        if (lines.size() > n && !lines.get(n).isEmpty()) {
          return Optional.of(lines.get(n));
        }
      }
    } catch (IOException e) {
      log.warn("the restarts recorded here cannot be read: {0}", e.getMessage());
    }
    return Optional.empty();
  }

  /** The instance of a job never restored: the controller's submit time. */
  private String submitTime(JobContext job, Optional<String> slurmConf) {
    // scontrol with the Slurm configuration slurmd gave the prolog (SLURM_CONF in its recorded call), as it ran it
    CommandRunner runner = slurmConf.isEmpty() ? s.runner() : c -> {
      List<String> argv = new ArrayList<>(c.argv());
      argv.add(argv.get(0).equals("/usr/bin/env") ? 1 : 0, "SLURM_CONF=" + slurmConf.get());
      if (!argv.get(0).equals("/usr/bin/env")) {
        argv.add(0, "/usr/bin/env");
      }
      return s.runner().run(new Command(argv, c.stdin(), c.timeout(), c.stdinFile()));
    };
    return SlurmJobRecords.read(job, runner, s.config().tools().scontrol()).map(SlurmJobRecord::submitTime)
        .orElse(job.instance());
  }

  private Result refused(String where, String why) {
    log.error("vcluster checkpoint refused: {0}", why);
    return new Result(false, where + "refused: " + why);
  }
}
