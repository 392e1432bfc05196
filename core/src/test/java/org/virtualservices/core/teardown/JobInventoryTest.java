package org.virtualservices.core.teardown;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.hypervisor.DomainState;
import org.virtualservices.core.journal.JournalEntry;
import org.virtualservices.core.journal.JournalRecord;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.VmPlan;

/** What belongs to a job on a node, decided without a node: every rule, no I/O. */
class JobInventoryTest {

  static final Path NODE_DIR = Path.of("/var/lib/vcluster/jobs/42/n1");

  static Plan plan(int vni) {
    VmPlan vm = new VmPlan("vc42-0", 0, 0, "n1", "10.0.0.2", "02:00:00:00:00:00", "vt" + vni + "-0", 1, 256,
        NODE_DIR.resolve("vc42-0.qcow2"), NODE_DIR.resolve("vc42-0-seed.iso"), NODE_DIR.resolve("vc42-0.console.log"));
    return new Plan("42", "tiny", vni, "10.0.0.0/24", "10.0.0.1", 24, 1450, "n1", "vcbr" + vni, "vcvx" + vni,
        List.of(new NodePlan("n1", List.of(vm)), new NodePlan("n2", List.of())));
  }

  static JournalRecord journal(int vni, JournalEntry... entries) {
    return new JournalRecord(JournalRecord.VERSION, "42", "n1", vni, List.of(entries));
  }

  static DomainInfo domain(String name, String job, String node) {
    return new DomainInfo(name, DomainState.RUNNING, job, node);
  }

  @Test
  void theJobsDomainsOnThisNodeAndNoOneElses() {
    List<DomainInfo> listed = List.of(
        domain("vc42-1", "42", "n1"), // the job's, here
        domain("vc42-2", "42", "n2"), // the job's, on another node (shared libvirt): not this node's
        domain("vc42-3", null, null), // named after the job, none of our metadata: taken
        domain("vc421-0", "421", "n1"), // job 421's
        domain("vc42-x", null, null), // not a name the prolog gives
        domain("web", null, null));
    JobInventory inv = JobInventory.of("42", "n1", NODE_DIR,
        Optional.of(journal(0, new JournalEntry(JournalEntry.Kind.DOMAIN, "vc42-9"))), Optional.of(plan(7)), listed);
    assertEquals(List.of("vc42-9", "vc42-0", "vc42-1", "vc42-3"), List.copyOf(inv.domains()));
  }

  @Test
  void ourMetadataSaysWhoseADomainIsWhateverItsName() {
    // job 42 restored job 40's checkpoint (restore=): its VM keeps the name vc40-0 and carries job 42's mark;
    // job 40, requeued, restored its own elsewhere... and a domain named vc42-0 here is job 43's
    List<DomainInfo> listed = List.of(
        domain("vc40-0", "42", "n1"), // job 42's under the saved name: taken
        domain("vc40-1", "42", "n2"), // job 42's on another node: not this node's
        domain("vc42-0", "43", "n1")); // named after job 42 (the plan names it), marked job 43's: never taken
    JobInventory inv = JobInventory.of("42", "n1", NODE_DIR, Optional.empty(), Optional.of(plan(7)), listed);
    assertEquals(List.of("vc40-0"), List.copyOf(inv.domains()));
    assertEquals(List.of(), List.copyOf(JobInventory.of("40", "n1", NODE_DIR, Optional.of(new JournalRecord(
        JournalRecord.VERSION, "40", "n1", 0, List.of(new JournalEntry(JournalEntry.Kind.DOMAIN, "vc40-0")))),
        Optional.empty(), listed).domains()), "job 40's journal names vc40-0, which is now job 42's");
  }

  @Test
  void filesOutsideTheStateFolderAreRefusedHoweverTheirPathIsSpelled() {
    Path inside = NODE_DIR.resolve("vc42-0.qcow2");
    Path climbing = NODE_DIR.resolve("../../../../../etc/shadow");
    Path usersCopy = Path.of("/home/ann/vcluster-42/report.json");
    Path relative = Path.of("jobs/42/n1/x");
    JobInventory inv = JobInventory.of("42", "n1", NODE_DIR, Optional.of(journal(0,
        new JournalEntry(JournalEntry.Kind.FILE, inside.toString()),
        new JournalEntry(JournalEntry.Kind.FILE, climbing.toString()),
        new JournalEntry(JournalEntry.Kind.DIR, usersCopy.toString()),
        new JournalEntry(JournalEntry.Kind.FILE, relative.toString()))), Optional.empty(), List.of());
    assertEquals(Set.of(inside), inv.files());
    assertEquals(List.of(climbing, usersCopy, relative), inv.refused());
  }

  @Test
  void thePlansFilesWhenTheJournalIsGone() {
    JobInventory inv = JobInventory.of("42", "n1", NODE_DIR, Optional.empty(), Optional.of(plan(7)), List.of());
    assertEquals(Set.of(NODE_DIR.resolve("vc42-0.qcow2"), NODE_DIR.resolve("vc42-0-seed.iso"),
        NODE_DIR.resolve("vc42-0.console.log")), inv.files());
    assertEquals(List.of("vc42-0"), List.copyOf(inv.domains()));
  }

  @Test
  void theNetworkIsTheJournalsThenThePlansThenNone() {
    assertEquals(5, JobInventory.of("42", "n1", NODE_DIR, Optional.of(journal(5)), Optional.of(plan(7)), List.of()).vni(),
        "what the prolog recorded wins over a plan recomputed from a configuration changed since");
    assertEquals(7, JobInventory.of("42", "n1", NODE_DIR, Optional.of(journal(0)), Optional.of(plan(7)), List.of()).vni(),
        "a journal written before the plan was made");
    assertEquals(0, JobInventory.of("42", "n1", NODE_DIR, Optional.empty(), Optional.empty(), List.of()).vni());
  }
}
