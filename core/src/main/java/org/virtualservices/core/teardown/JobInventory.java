package org.virtualservices.core.teardown;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.journal.JournalEntry;
import org.virtualservices.core.journal.JournalRecord;
import org.virtualservices.core.names.Names;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.VmPlan;

/**
 * What of a job belongs to one node, decided from what root recorded (the journal), what the plan
 * names, and what the hypervisor lists: a pure function, so every rule of "what is the job's" is
 * tested without a node. {@link Teardown} reads those sources and removes what this names.
 *
 * @param domains the job's domains on this node: the journal's, the plan's, and every listed one
 *     named after the job whose metadata puts it here (or that carries none of ours), or whose metadata
 *     names the job and this node; never one whose metadata names another job
 * @param files the VMs' files, all inside the job's state folder (removed whole at the end)
 * @param refused files a journal or plan names outside the state folder: root deletes nothing
 *     there (docs/hooks.md, "Threat model"), an older journal naming the user's copy included
 * @param vni the job's network on this node: the journal's, else the plan's; 0 for none
 */
public record JobInventory(Set<String> domains, Set<Path> files, List<Path> refused, int vni) {

  public JobInventory {
    domains = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(domains));
    files = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(files));
    refused = List.copyOf(refused);
  }

  /**
   * @param nodeDir the job's state folder on this node
   * @param listed every domain the hypervisor lists now (any job's)
   */
  public static JobInventory of(String job, String node, Path nodeDir, Optional<JournalRecord> journal,
      Optional<Plan> plan, List<DomainInfo> listed) {
    Set<String> domains = new LinkedHashSet<>();
    journal.ifPresent(j -> j.entries().stream().filter(e -> e.kind() == JournalEntry.Kind.DOMAIN)
        .forEach(e -> domains.add(e.name())));
    plan.flatMap(p -> p.node(node)).ifPresent(n -> n.vms().forEach(v -> domains.add(v.name())));
    domainsOf(job, node, listed).forEach(d -> domains.add(d.name()));
    // a domain named after another job can be this job's (restore=: a restored VM keeps its saved name), and
    // one named after this job can be another's: our metadata, where a domain has it, says whose it is
    listed.stream().filter(d -> job.equals(d.job()) && (d.node() == null || d.node().equals(node)))
        .forEach(d -> domains.add(d.name()));
    listed.stream().filter(d -> d.job() != null && !d.job().equals(job)).forEach(d -> domains.remove(d.name()));

    Set<Path> named = new LinkedHashSet<>();
    journal.ifPresent(j -> j.entries().stream()
        .filter(e -> e.kind() == JournalEntry.Kind.FILE || e.kind() == JournalEntry.Kind.DIR)
        .forEach(e -> named.add(Path.of(e.name()))));
    plan.flatMap(p -> p.node(node)).ifPresent(n -> {
      for (VmPlan v : n.vms()) {
        named.add(v.disk());
        named.add(v.seed());
        named.add(v.console());
      }
    });
    Set<Path> files = new LinkedHashSet<>();
    List<Path> refused = new ArrayList<>();
    for (Path f : named) {
      // normalized: "<nodeDir>/../../etc/x" starts with nodeDir as a path of names, not as a place
      (f.normalize().startsWith(nodeDir.normalize()) && f.isAbsolute() == nodeDir.isAbsolute() ? files : refused)
          .add(f);
    }

    int vni = journal.map(JournalRecord::vni).filter(v -> v > 0).orElse(plan.map(Plan::vni).orElse(0));
    return new JobInventory(domains, files, refused, vni);
  }

  /**
   * The listed domains that are the job's on this node: named {@code vc<job>-<n>} (not another
   * job's {@code vc<job>-x}) and, when they carry our metadata, marked for this node.
   */
  public static List<DomainInfo> domainsOf(String job, String node, List<DomainInfo> listed) {
    String prefix = Names.domainPrefix(job);
    return listed.stream()
        .filter(d -> d.name().startsWith(prefix) && d.name().substring(prefix.length()).matches("\\d+"))
        .filter(d -> d.node() == null || d.node().equals(node))
        .toList();
  }
}
