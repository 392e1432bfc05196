package org.virtualservices.epilog;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.virtualservices.core.checkpoint.KeptCheckpoints;
import org.virtualservices.core.fabric.NetworkId;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.files.FileTrees;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.journal.Journal;
import org.virtualservices.core.journal.JournalRecord;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.names.Names;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.plan.StatePaths;
import org.virtualservices.core.report.JobFolder;
import org.virtualservices.core.report.PhaseTimer;
import org.virtualservices.core.report.UserCopy;
import org.virtualservices.core.rm.ActiveJobs;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.teardown.Teardown;
import org.virtualservices.core.teardown.TeardownResult;

/**
 * The admin's sweep on one node: finds what jobs the resource manager no longer knows left here
 * (state folders, domains by their metadata, job networks) and, with {@code act}, removes it with
 * the epilog's own teardown. A job the resource manager still knows is never touched, nor a
 * network whose VNI one of them would use, even when its journal is gone.
 *
 * <p>It keeps going: an entry of the state or run tree that no prolog made (a stray folder, a
 * link, a name that is no job id), a journal that cannot be read, a listing that fails or a job
 * whose teardown fails is one line naming it, and the sweep goes on with the others; the exit
 * status then says that not all is clean.
 */
public final class Sweep {

  private final NodeServices s;
  private final JobLog log;
  private final ActiveJobs activeJobs;
  private final PrintStream out;
  private final StatePaths paths;

  public Sweep(NodeServices services, JobLog log, ActiveJobs activeJobs, PrintStream out) {
    this.s = services;
    this.log = log;
    this.activeJobs = activeJobs;
    this.out = out;
    this.paths = StatePaths.of(services.config());
  }

  /**
   * @return 0 when nothing stale is left (or, dry, when all could be looked at); 1 otherwise. The
   *     outcome line (stderr) has the phases and what was removed and left.
   */
  public int run(String node, boolean act) {
    log.outcome().arm();
    PhaseTimer phases = new PhaseTimer(s.clock(), Map.of());
    try {
      return sweep(node, act, phases);
    } finally {
      phases.recordInto(log.outcome());
    }
  }

  private int sweep(String node, boolean act, PhaseTimer phases) {
    Instant t = phases.start();
    Set<String> active;
    try {
      active = activeJobs.ids();
    } catch (RuntimeException e) {
      out.println("sweep: nothing done: " + e.getMessage());
      log.outcome().error("scheduler", "nothing done: " + e.getMessage());
      return 1;
    }
    Set<String> activeTokens = new HashSet<>();
    Set<Integer> activeVnis = new HashSet<>();
    for (String id : active) {
      try {
        activeTokens.add(Names.jobToken(id));
        activeVnis.add(Planner.vni(id, s.config().network()));
      } catch (RuntimeException e) {
        // a live job whose id names nothing of ours cannot have left anything here
        out.println("sweep: ignored: the resource manager's job id " + Shown.value(id) + ": " + e.getMessage());
      }
    }
    int[] problems = {0};
    Map<String, List<String>> stale = new TreeMap<>();
    Set<Integer> staleVnis = new HashSet<>();
    Hypervisor opened;
    try {
      opened = s.hypervisors().apply(s.config().libvirtUri());
    } catch (RuntimeException e) {
      out.println("sweep: nothing done: cannot reach the hypervisor at " + s.config().libvirtUri() + ": "
          + e.getMessage());
      return 1;
    }
    try (Hypervisor hv = opened) {
      for (String job : jobsIn(paths.jobs(), node, problems)) {
        if (!activeTokens.contains(Names.jobToken(job))) {
          Path nodeDir = paths.node(job, node);
          stale.computeIfAbsent(job, k -> new ArrayList<>()).add("state folder " + nodeDir);
          try {
            Journal.read(nodeDir).filter(r -> r.vni() > 0).map(JournalRecord::vni).ifPresent(staleVnis::add);
          } catch (RuntimeException e) {
            problems[0]++;
            out.println("sweep: job " + job + ": " + e.getMessage() + " (its teardown goes by names)");
          }
        }
      }
      // a job cancelled while pending after its requeue has no epilog any more to remove its checkpoints; those
      // of a job whose user took one with vcluster checkpoint stay checkpoint.keepDays after it (KeptCheckpoints)
      Path checkpoints = s.config().checkpoint().dir();
      Set<String> kept = new HashSet<>();
      for (String job : jobsIn(checkpoints, null, problems)) {
        if (KeptCheckpoints.keptAt(checkpoints, job, s.config().checkpoint().keepDays(), s.clock().instant())) {
          kept.add(job);
        } else if (!activeTokens.contains(Names.jobToken(job))) {
          stale.computeIfAbsent(job, k -> new ArrayList<>()).add("checkpoints " + checkpoints.resolve(job));
        }
      }
      for (String job : jobsIn(paths.runJobs(), null, problems)) {
        if (!activeTokens.contains(Names.jobToken(job))) {
          stale.computeIfAbsent(job, k -> new ArrayList<>()).add("job folder " + paths.runJob(job));
        }
      }
      List<DomainInfo> domains = listed("domains", hv::domains, problems);
      for (DomainInfo d : domains) {
        if (d.job() != null && (d.node() == null || d.node().equals(node)) && stale(d.job(), activeTokens)) {
          stale.computeIfAbsent(d.job(), k -> new ArrayList<>()).add("domain " + d.name() + " (" + d.state() + ")");
        }
      }
      List<Integer> orphanNetworks = new ArrayList<>();
      for (int vni : listed("job networks", () -> List.copyOf(s.fabric().networks()), problems)) {
        if (!activeVnis.contains(vni)) {
          orphanNetworks.add(vni);
        }
      }
      phases.lap("find", t);
      if (stale.isEmpty() && orphanNetworks.isEmpty()) {
        out.println("sweep on " + node + ": nothing left by jobs that are gone (" + active.size()
            + " job(s) known to the resource manager)" + (problems[0] == 0 ? "" : "; " + problems[0] + " problem(s) above"));
        return problems[0] == 0 ? 0 : 1;
      }
      stale.forEach((job, what) -> out.println((act ? "removing" : "would remove") + ": job " + job + ": "
          + String.join(", ", what)));
      orphanNetworks.forEach(vni -> out.println((act ? "removing" : "would remove") + ": network of VNI " + vni
          + (staleVnis.contains(vni) ? "" : " (no job of this node names it)")));
      if (!act) {
        out.println("dry run: nothing removed; run again with --yes to remove the above");
        return problems[0] == 0 ? 0 : 1;
      }
      t = phases.start();
      int failed = problems[0];
      List<String> removed = new ArrayList<>();
      List<String> left = new ArrayList<>();
      Teardown teardown = new Teardown(hv, s.fabric(), log, s.faults(), new UserCopy(s.runner(), s.config().tools()));
      for (String job : stale.keySet()) {
        try {
          TeardownResult r = teardown.run(job, node, paths.node(job, node), Optional.empty(),
              Optional.of(JobFolder.of(paths, job)));
          removed.addAll(r.removed());
          Path ckpt = checkpoints.resolve(job);
          if (!kept.contains(job) && Files.isDirectory(ckpt, LinkOption.NOFOLLOW_LINKS)) {
            FileTrees.delete(ckpt);
            removed.add("checkpoints " + ckpt);
          }
          left.addAll(r.leftovers());
          if (!r.clean()) {
            failed++;
            String what = "job " + job + ": not all removed: " + String.join("; ", r.failures()) + " "
                + String.join("; ", r.leftovers());
            out.println(what);
            log.outcome().error("left", what);
          }
        } catch (IOException | RuntimeException e) {
          failed++;
          String what = "job " + job + ": teardown failed: " + e.getMessage();
          out.println(what);
          log.outcome().error("left", what);
          left.add("job " + job);
        }
      }
      for (int vni : orphanNetworks) {
        List<String> netProblems;
        try {
          netProblems = s.fabric().tearDown(NetworkId.anyJob(vni));
        } catch (RuntimeException e) {
          netProblems = List.of(String.valueOf(e.getMessage()));
        }
        if (!netProblems.isEmpty()) {
          failed++;
          out.println("network of VNI " + vni + ": " + String.join("; ", netProblems));
          log.outcome().error("left", "network of VNI " + vni + ": " + String.join("; ", netProblems));
          left.add("network of VNI " + vni);
        } else {
          removed.add("network of VNI " + vni);
        }
      }
      phases.lap("remove", t);
      log.outcome().teardown(removed, left);
      out.println("sweep on " + node + ": " + (failed == 0 ? "done" : failed + " failure(s)"));
      return failed == 0 ? 0 : 1;
    }
  }

  /** A domain's job from its metadata: stale when no live job has its token; metadata naming no job is not ours. */
  private boolean stale(String job, Set<String> activeTokens) {
    try {
      return !activeTokens.contains(Names.jobToken(job));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private <T> List<T> listed(String what, java.util.function.Supplier<List<T>> listing, int[] problems) {
    try {
      return listing.get();
    } catch (RuntimeException e) {
      problems[0]++;
      out.println("sweep: cannot list " + what + ": " + e.getMessage() + " (going on without them)");
      return List.of();
    }
  }

  /**
   * The jobs with a folder in {@code tree} (with a folder for {@code node} in it, unless null): only
   * real folders (not links, looked at without following them) named by a job id. Anything else
   * there was not made by a prolog: it is named, and left alone.
   */
  private List<String> jobsIn(Path tree, String node, int[] problems) {
    if (!Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    List<Path> entries;
    try (Stream<Path> list = Files.list(tree)) {
      entries = list.sorted().toList();
    } catch (IOException | RuntimeException e) {
      problems[0]++;
      out.println("sweep: cannot list " + tree + ": " + e.getMessage());
      return List.of();
    }
    List<String> jobs = new ArrayList<>();
    for (Path p : entries) {
      String name = p.getFileName().toString();
      String not = notAJobsFolder(p, name, node);
      if (not == null) {
        jobs.add(name);
      } else if (!not.isEmpty()) {
        out.println("sweep: ignored: " + Shown.value(p.toString()) + ": " + not);
      }
    }
    return jobs;
  }

  /** Null for a job's folder (with the node's folder in it); "" for another node's; else what it is. */
  private static String notAJobsFolder(Path p, String name, String node) {
    try {
      Names.jobToken(name);
      StatePaths.element("job id", name);
    } catch (IllegalArgumentException e) {
      return "not named by a job id, so no prolog made it";
    }
    if (Files.isSymbolicLink(p)) {
      return "a link, not a folder a prolog made";
    }
    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      return "not a folder";
    }
    if (node == null) {
      return null;
    }
    Path mine = p.resolve(node);
    if (Files.isSymbolicLink(mine)) {
      return node + " is a link, not a folder a prolog made";
    }
    return Files.isDirectory(mine, LinkOption.NOFOLLOW_LINKS) ? null : "";
  }
}
