package org.virtualservices.core.teardown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import org.virtualservices.core.files.FileTrees;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.virtualservices.core.concurrent.Futures;
import org.virtualservices.core.fabric.Fabric;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.VmUsage;
import org.virtualservices.core.journal.Journal;
import org.virtualservices.core.journal.JournalEntry;
import org.virtualservices.core.journal.JournalRecord;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.fabric.NetworkId;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.report.JobFolder;
import org.virtualservices.core.report.ReportFiles;
import org.virtualservices.core.report.UserCopy;
import org.virtualservices.core.report.Timing;
import org.virtualservices.core.faults.FaultPoints;
import org.virtualservices.core.share.ShareDaemons;

/**
 * Removes everything of a job on one node: from the journal when there is one, and by name and
 * metadata in any case (a journal can be lost), so that a prolog that died anywhere leaves nothing.
 * Idempotent: "already gone" is success. It keeps going past failures, collects them all, and
 * ends by looking again for anything of the job: only then does it drop the journal. What is the
 * job's is {@link JobInventory}'s to decide (pure); this class reads its sources and removes.
 */
public final class Teardown {

  private final Hypervisor hypervisor;
  private final Fabric fabric;
  private final JobLog log;
  private final FaultPoints faults;
  private final UserCopy copier;
  private final ShareDaemons shareDaemons = new ShareDaemons();
  private final Clock clock;
  private final List<Timing> timings = new ArrayList<>();
  private final Map<String, VmUsage> usages = new java.util.concurrent.ConcurrentSkipListMap<>();

  /** A node runs a handful of VMs (limits.maxVmsPerNode); more threads than that buy nothing. */
  static final int MAX_PARALLEL_REMOVALS = 16;

  /**
   * @param faults test-only points where teardown can be made to die ({@code teardown:domain:<vm>},
   *     {@code teardown:files}, {@code teardown:fabric}), to prove that running it again finishes the job
   * @param copier removes the report's copy in the job's working folder, as the job's user
   */
  public Teardown(Hypervisor hypervisor, Fabric fabric, JobLog log, FaultPoints faults, UserCopy copier) {
    this(hypervisor, fabric, log, faults, copier, Clock.systemUTC());
  }

  /** @param clock times the phases ({@link #timings()}) */
  public Teardown(Hypervisor hypervisor, Fabric fabric, JobLog log, FaultPoints faults, UserCopy copier,
      Clock clock) {
    this.hypervisor = hypervisor;
    this.fabric = fabric;
    this.log = log;
    this.faults = faults;
    this.copier = copier;
    this.clock = clock;
  }

  /** How long each phase of the last {@link #run} took: domains, files, network, check. */
  public List<Timing> timings() {
    return List.copyOf(timings);
  }

  /** What each domain the last run removed had used, by name, read before its removal. */
  public Map<String, VmUsage> usages() {
    return Map.copyOf(usages);
  }

  private Instant lap(String phase, Instant since) {
    Instant now = clock.instant();
    timings.add(new Timing(phase, Duration.between(since, now).toNanos() / 1e9));
    return now;
  }

  /**
   * @param nodeDir the job's state folder on this node (holds the journal)
   * @param plan the plan recomputed from the environment, when it could be; may be empty
   * @param folder the job's folder in the run tree on this node (its marker, and the batch host's
   *     report): removed last, only when nothing else of the job is left
   */
  public TeardownResult run(String job, String node, Path nodeDir, Optional<Plan> plan,
      Optional<JobFolder> folder) {
    List<String> removed = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    timings.clear();
    usages.clear();
    Instant t = clock.instant();

    // what is the job's: read here, decided by JobInventory (pure); each source may fail alone
    Optional<JournalRecord> journal = Optional.empty();
    try {
      journal = Journal.read(nodeDir);
    } catch (RuntimeException e) {
      failures.add("journal: " + e.getMessage() + " (going by names instead)");
    }
    if (journal.isEmpty()) {
      log.info("no journal in {0}: going by names and metadata", nodeDir);
    }
    List<DomainInfo> listed = List.of();
    try {
      listed = hypervisor.domains();
    } catch (RuntimeException e) {
      failures.add("list domains: " + e.getMessage());
    }
    JobInventory inventory = JobInventory.of(job, node, nodeDir, journal, plan, listed);

    // 1. domains
    removeDomains(inventory.domains(), removed, failures);
    t = lap("domains", t);

    // 1b. the shared folders' daemons: gone with their QEMU, but not one that QEMU never reached
    List<String> daemons = daemonsOf(journal);
    try {
      failures.addAll(shareDaemons.stop(daemons, nodeDir, removed));
    } catch (RuntimeException e) {
      failures.add("stop the shared folders' daemons: " + e.getMessage());
    }

    // 2. files: the VMs' are all in the state folder, removed whole at the end. Root deletes
    // nothing elsewhere (docs/hooks.md, "Threat model").
    inventory.refused().forEach(f -> log.warn("not deleting {0}: outside the job''s state folder", f));
    // the copy in the working folder, removed as its user, where the job's folder says it was made
    folder.ifPresent(f -> removeUserCopy(f, failures));
    faults.reached("teardown:files");
    t = lap("files", t);

    // 3. the network
    int vni = inventory.vni();
    if (vni > 0) {
      NetworkId net = new NetworkId(job, vni);
      // after a prolog's rollback the network is already gone: it is not counted as removed again
      boolean there = networkThere(net);
      try {
        List<String> problems = fabric.tearDown(net);
        failures.addAll(problems);
        if (problems.isEmpty() && there) {
          removed.add("network " + net.bridge());
        }
      } catch (RuntimeException e) {
        failures.add("remove network of VNI " + vni + ": " + e.getMessage());
      }
    }
    faults.reached("teardown:fabric");
    t = lap("network", t);

    // 4. look again; the state folder (journal included) goes last, and only when nothing is left
    List<String> leftovers = new ArrayList<>(leftovers(job, node, vni));
    try {
      for (ProcessHandle h : shareDaemons.alive(daemons, nodeDir)) {
        leftovers.add("virtiofsd " + h.pid());
      }
    } catch (RuntimeException e) {
      leftovers.add("the shared folders' daemons: unknown (" + e.getMessage() + ")");
    }
    if (leftovers.isEmpty() && failures.isEmpty()) {
      leftovers = removeStateAndMarker(nodeDir, folder);
    } else {
      leftovers = new ArrayList<>(leftovers);
      if (Files.exists(nodeDir, LinkOption.NOFOLLOW_LINKS)) {
        leftovers.add("state folder " + nodeDir + " (kept for the next try)");
      }
      if (folder.isPresent() && folder.get().exists()) {
        leftovers.add("job folder " + folder.get().dir() + " (kept: it tells the next epilog there is work)");
      }
    }
    lap("check", t);
    return new TeardownResult(removed, failures, leftovers);
  }

  /** The shared folders' daemons the prolog journaled (virtiofsd, one per VM and folder). */
  private static List<String> daemonsOf(Optional<JournalRecord> journal) {
    return journal.map(j -> j.entries().stream().filter(e -> e.kind() == JournalEntry.Kind.PROCESS)
        .map(JournalEntry::name).toList()).orElse(List.of());
  }

  /**
   * Removes the state folder, then the job's folder of the run tree (the marker: until now a
   * failed epilog is run again in full), then the job's state folder above the node's when no other
   * node's is in it. A state folder that is a link is not ours: nothing is removed through it.
   *
   * @return what is left: empty when all went
   */
  private static List<String> removeStateAndMarker(Path nodeDir, Optional<JobFolder> folder) {
    if (Files.isSymbolicLink(nodeDir) || Files.isSymbolicLink(nodeDir.getParent())) {
      return List.of("state folder " + nodeDir + ": a link, not removed (not made by the prolog)");
    }
    try {
      FileTrees.delete(nodeDir);
      if (folder.isPresent()) {
        folder.get().delete();
      }
    } catch (IOException e) {
      return List.of("state folder " + nodeDir + ": " + e.getMessage());
    }
    Path jobDir = nodeDir.getParent();
    try (Stream<Path> s = Files.list(jobDir)) {
      if (s.findAny().isEmpty()) {
        Files.deleteIfExists(jobDir);
      }
    } catch (IOException e) {
      // another node's folder of the same job on a shared state folder: not ours to remove
    }
    return List.of();
  }

  /** Whether anything of the network is on this node; when that cannot be told, it may be. */
  private boolean networkThere(NetworkId net) {
    try {
      return !fabric.leftovers(net).isEmpty();
    } catch (RuntimeException e) {
      return true;
    }
  }

  /**
   * Removes the domains all at once: libvirt's destroy waits for each QEMU to be gone (polling
   * every 200 ms, docs/bench.md), so one after another the waits add up. The hypervisor's calls
   * are thread-safe (one libvirt connection serves many threads; errors are per thread). Results
   * and fault points are taken in this thread, in order, so a fault point still means "this
   * domain is gone" and an Error from it (a simulated kill) ends the teardown here.
   */
  private void removeDomains(Set<String> domains, List<String> removed, List<String> failures) {
    if (domains.isEmpty()) {
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(domains.size(), MAX_PARALLEL_REMOVALS),
        r -> {
          Thread t = new Thread(r, "teardown-domain");
          t.setDaemon(true);
          return t;
        });
    try {
      Map<String, Future<Boolean>> running = new LinkedHashMap<>();
      for (String d : domains) {
        running.put(d, pool.submit(() -> {
          // what the VM used, read while its QEMU and cgroup still exist (docs/hooks.md, "What the VMs used")
          hypervisor.usage(d).ifPresent(u -> {
            usages.put(d, u);
            log.info("{0} used {1}", d, u.line());
          });
          return hypervisor.remove(d);
        }));
      }
      for (Map.Entry<String, Future<Boolean>> e : running.entrySet()) {
        String d = e.getKey();
        try {
          if (await(e.getValue())) {
            removed.add("domain " + d);
            log.info("removed domain {0}", d);
          }
          faults.reached("teardown:domain:" + d);
        } catch (RuntimeException x) {
          failures.add(x.getMessage());
        }
      }
    } finally {
      pool.shutdown();
    }
  }

  /** The removal's result; its RuntimeException or Error as thrown, as if it had run in this thread. */
  private static boolean await(Future<Boolean> removal) {
    return Futures.join(removal, e -> e instanceof InterruptedException
        ? new IllegalStateException("interrupted while removing domains", e)
        : new IllegalStateException(e));
  }

  /**
   * Removes the report's copy in the job's working folder as the job's user. What the user keeps
   * there against it (a folder they made read-only, say) is theirs, not a fault of the node: it is
   * named in the log and does not fail the teardown.
   */
  private void removeUserCopy(JobFolder folder, List<String> failures) {
    Optional<UserCopy.Target> target;
    try {
      target = folder.copyRecord();
    } catch (RuntimeException e) {
      failures.add("the record of the user's copy: " + e.getMessage());
      return;
    }
    target.ifPresent(t -> {
      List<String> left;
      try {
        left = copier.remove(t, ReportFiles.NAMES);
      } catch (RuntimeException e) {
        failures.add("remove the report's copy in " + t.dir() + ": " + e.getMessage()); // rm could not run
        return;
      }
      if (left.isEmpty()) {
        log.info("removed the report''s copy in {0}", t.dir());
      } else {
        log.warn("the user''s copy keeps {0} (left to the user)", String.join(", ", left));
      }
    });
  }

  /**
   * Everything of the job still on this node outside its state folder: domains, network. (The
   * state folder, which holds every file of the job's VMs, is removed whole after this check.) A
   * listing that fails is itself a leftover ("unknown"): nothing is lost of what was collected.
   */
  public List<String> leftovers(String job, String node, int vni) {
    List<String> left = new ArrayList<>();
    try {
      JobInventory.domainsOf(job, node, hypervisor.domains())
          .forEach(d -> left.add("domain " + d.name() + " (" + d.state() + ")"));
    } catch (RuntimeException e) {
      left.add("domains unknown: " + e.getMessage());
    }
    if (vni > 0) {
      try {
        left.addAll(fabric.leftovers(new NetworkId(job, vni))); // the job's own: not another's look-alike
      } catch (RuntimeException e) {
        left.add("network of VNI " + vni + " unknown: " + e.getMessage());
      }
    }
    return left;
  }
}
