package org.virtualservices.epilog;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.journal.Journal;
import org.virtualservices.core.journal.JournalRecord;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.fabric.NetworkId;
import org.virtualservices.core.names.Names;
import org.virtualservices.core.plan.Planner;
import org.virtualservices.core.report.JobFolder;
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
 */
public final class Sweep {

  private final NodeServices s;
  private final JobLog log;
  private final ActiveJobs activeJobs;
  private final PrintStream out;

  public Sweep(NodeServices services, JobLog log, ActiveJobs activeJobs, PrintStream out) {
    this.s = services;
    this.log = log;
    this.activeJobs = activeJobs;
    this.out = out;
  }

  /** @return 0 when nothing stale is left (or, dry, when nothing was found); 1 otherwise */
  public int run(String node, boolean act) {
    Set<String> active;
    try {
      active = activeJobs.ids();
    } catch (RuntimeException e) {
      out.println("sweep: nothing done: " + e.getMessage());
      return 1;
    }
    Set<String> activeTokens = new HashSet<>();
    Set<Integer> activeVnis = new HashSet<>();
    for (String id : active) {
      activeTokens.add(Names.jobToken(id));
      activeVnis.add(Planner.vni(id, s.config().network()));
    }
    Map<String, List<String>> stale = new TreeMap<>();
    Set<Integer> staleVnis = new HashSet<>();
    try (Hypervisor hv = s.hypervisors().apply(s.config().libvirtUri())) {
      for (String job : jobFolders(node)) {
        if (!activeTokens.contains(Names.jobToken(job))) {
          stale.computeIfAbsent(job, k -> new ArrayList<>()).add("state folder " + nodeDir(job, node));
          Optional<JournalRecord> j = Journal.read(nodeDir(job, node));
          j.filter(r -> r.vni() > 0).ifPresent(r -> staleVnis.add(r.vni()));
        }
      }
      for (String job : runFolders()) {
        if (!activeTokens.contains(Names.jobToken(job))) {
          stale.computeIfAbsent(job, k -> new ArrayList<>())
              .add("job folder " + JobFolder.of(s.config().runDir(), job).dir());
        }
      }
      for (DomainInfo d : hv.domains()) {
        if (d.job() != null && (d.node() == null || d.node().equals(node))
            && !activeTokens.contains(Names.jobToken(d.job()))) {
          stale.computeIfAbsent(d.job(), k -> new ArrayList<>()).add("domain " + d.name() + " (" + d.state() + ")");
        }
      }
      List<Integer> orphanNetworks = new ArrayList<>();
      for (int vni : s.fabric().networks()) {
        if (!activeVnis.contains(vni)) {
          orphanNetworks.add(vni);
        }
      }
      if (stale.isEmpty() && orphanNetworks.isEmpty()) {
        out.println("sweep on " + node + ": nothing left by jobs that are gone (" + active.size()
            + " job(s) known to the resource manager)");
        return 0;
      }
      stale.forEach((job, what) -> out.println((act ? "removing" : "would remove") + ": job " + job + ": "
          + String.join(", ", what)));
      orphanNetworks.forEach(vni -> out.println((act ? "removing" : "would remove") + ": network of VNI " + vni
          + (staleVnis.contains(vni) ? "" : " (no job of this node names it)")));
      if (!act) {
        out.println("dry run: nothing removed; run again with --yes to remove the above");
        return 0;
      }
      int failed = 0;
      Teardown teardown = new Teardown(hv, s.fabric(), log, s.faults(), new UserCopy(s.runner(), s.config().tools()));
      for (String job : stale.keySet()) {
        TeardownResult r = teardown.run(job, node, nodeDir(job, node), Optional.empty(),
            Optional.of(JobFolder.of(s.config().runDir(), job)));
        if (!r.clean()) {
          failed++;
          out.println("job " + job + ": not all removed: " + String.join("; ", r.failures()) + " "
              + String.join("; ", r.leftovers()));
        }
      }
      for (int vni : orphanNetworks) {
        List<String> problems = s.fabric().tearDown(NetworkId.anyJob(vni));
        if (!problems.isEmpty()) {
          failed++;
          out.println("network of VNI " + vni + ": " + String.join("; ", problems));
        }
      }
      out.println("sweep on " + node + ": " + (failed == 0 ? "done" : failed + " failure(s)"));
      return failed == 0 ? 0 : 1;
    }
  }

  private Path nodeDir(String job, String node) {
    return Planner.nodeStateDir(s.config(), job, node);
  }

  /** Jobs with a folder in this node's run tree (a prolog that died before its journal leaves only that). */
  private List<String> runFolders() {
    Path jobs = s.config().runDir().resolve("jobs");
    if (!Files.isDirectory(jobs)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(jobs)) {
      return list.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+(\\[\\d*\\])?(\\..*)?"))
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("list " + jobs + ": " + e.getMessage(), e);
    }
  }

  /** Jobs with a state folder for this node. */
  private List<String> jobFolders(String node) {
    Path jobs = s.config().stateDir().resolve("jobs");
    if (!Files.isDirectory(jobs)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(jobs)) {
      return list.filter(p -> Files.isDirectory(p.resolve(node))).map(p -> p.getFileName().toString()).sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("list " + jobs + ": " + e.getMessage(), e);
    }
  }
}
