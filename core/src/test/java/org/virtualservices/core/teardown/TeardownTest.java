package org.virtualservices.core.teardown;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.fabric.Fabric;
import org.virtualservices.core.fabric.FabricException;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.FakeFabric;
import org.virtualservices.core.fabric.NetworkId;
import org.virtualservices.core.faults.FaultPoints;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.hypervisor.DomainState;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.journal.Journal;
import org.virtualservices.core.journal.JournalEntry;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.report.UserCopy;

/**
 * Teardown keeps going past every failure and reports all of them: each test breaks one source
 * (the journal, a listing, a removal) and checks that the rest was still done and nothing collected
 * was lost.
 */
class TeardownTest {

  @TempDir
  Path tmp;
  Path nodeDir;
  MapHypervisor hv;
  ListingFailsFabric fabric;
  ByteArrayOutputStream logged;

  @BeforeEach
  void jobWithADomainAndANetwork() {
    nodeDir = tmp.resolve("jobs/42/n1");
    Journal j = Journal.open(nodeDir, "42", "n1", 4138);
    j.intend(new JournalEntry(JournalEntry.Kind.DOMAIN, "vc42-0"));
    hv = new MapHypervisor();
    hv.domains.put("vc42-0", new DomainInfo("vc42-0", DomainState.RUNNING, "42", "n1"));
    hv.domains.put("vc7-0", new DomainInfo("vc7-0", DomainState.RUNNING, "7", "n1"));
    fabric = new ListingFailsFabric();
    fabric.plant("42", 4138);
    logged = new ByteArrayOutputStream();
  }

  private TeardownResult teardown() {
    JobLog log = new JobLog("test", new PrintStream(logged, true, StandardCharsets.UTF_8), Clock.systemUTC(), false);
    CommandRunner none = c -> {
      throw new AssertionError("no command expected: " + c);
    };
    return new Teardown(hv, fabric, log, FaultPoints.NONE, new UserCopy(none, null))
        .run("42", "n1", nodeDir, Optional.empty(), Optional.empty());
  }

  @Test
  void allGoesAndTheStateFolderLast() {
    TeardownResult r = teardown();
    assertTrue(r.clean(), r.toString());
    assertEquals(List.of("domain vc42-0", "network vcbr4138"), r.removed());
    assertFalse(Files.exists(nodeDir));
    assertTrue(hv.domains.containsKey("vc7-0"), "another job's domain stays");
  }

  @Test
  void aFailingNetworkListingAfterTheRemovalLosesNothingCollected() {
    fabric.listingFails = true;
    TeardownResult r = teardown();
    assertEquals(List.of("domain vc42-0", "network vcbr4138"), r.removed(), "what was removed is still reported");
    assertTrue(r.leftovers().stream().anyMatch(l -> l.startsWith("network of VNI 4138 unknown: ip failed")),
        r.toString());
    assertFalse(r.clean());
    assertTrue(Files.exists(nodeDir.resolve(Journal.FILE_NAME)), "the journal stays for the next try");
  }

  @Test
  void aNetworkRemovalThatThrowsIsOneFailureAndTheRestIsDone() {
    fabric.removalThrows = true;
    TeardownResult r = teardown();
    assertEquals(List.of("domain vc42-0"), r.removed());
    assertTrue(r.failures().stream().anyMatch(f -> f.startsWith("remove network of VNI 4138: ")), r.toString());
    assertTrue(Files.exists(nodeDir.resolve(Journal.FILE_NAME)));
  }

  @Test
  void aCorruptedJournalIsNamedAndTheJobGoesByNames() throws IOException {
    Files.writeString(nodeDir.resolve(Journal.FILE_NAME), "{\"version\":2,\"job\":\"42\",\"entr");
    TeardownResult r = teardown();
    assertTrue(r.removed().contains("domain vc42-0"), "found by its name and metadata: " + r);
    assertTrue(r.failures().stream().anyMatch(f -> f.startsWith("journal: journal " + nodeDir.resolve(Journal.FILE_NAME)
        + " not read: ")), r.toString());
    assertTrue(Files.exists(nodeDir), "kept: the admin looks at it, the next epilog tries again");
  }

  @Test
  void aFailingDomainListingStillRemovesTheJournalsDomainsAndTheNetwork() {
    hv.listingFails = true;
    TeardownResult r = teardown();
    assertEquals(List.of("domain vc42-0", "network vcbr4138"), r.removed());
    assertTrue(r.failures().contains("list domains: libvirt down"), r.toString());
    assertTrue(r.leftovers().contains("domains unknown: libvirt down"), r.toString());
  }

  @Test
  void aStateFolderThatIsALinkIsNotRemovedThroughIt() throws IOException {
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.writeString(elsewhere.resolve("precious"), "x");
    Path link = tmp.resolve("jobs/43/n1");
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, elsewhere);
    JobLog log = new JobLog("test", new PrintStream(logged, true, StandardCharsets.UTF_8), Clock.systemUTC(), false);
    TeardownResult r = new Teardown(hv, fabric, log, FaultPoints.NONE, new UserCopy(c -> null, null))
        .run("43", "n1", link, Optional.empty(), Optional.empty());
    assertTrue(Files.exists(elsewhere.resolve("precious")), "deleted through a link: " + r);
    assertTrue(r.leftovers().stream().anyMatch(l -> l.contains("a link, not removed")), r.toString());
  }

  /** FakeFabric whose listing or removal can be made to fail as iproute2 or nft would. */
  static final class ListingFailsFabric implements Fabric {
    final FakeFabric fake = new FakeFabric();
    volatile boolean listingFails;
    volatile boolean removalThrows;

    void plant(String job, int vni) {
      fake.plant(job, vni);
    }

    @Override
    public void setUp(FabricSpec spec) {
      fake.setUp(spec);
    }

    @Override
    public java.util.Set<Integer> networks() {
      return fake.networks();
    }

    @Override
    public List<String> leftovers(NetworkId net) {
      if (listingFails) {
        throw new FabricException("ip failed: list links: exit 1");
      }
      return fake.leftovers(net);
    }

    @Override
    public List<String> tearDown(NetworkId net) {
      if (removalThrows) {
        throw new FabricException("nft crashed");
      }
      return fake.tearDown(net);
    }
  }

  /** The hypervisor as a map of domains, as jclouds' stub adapter keeps its nodes. */
  static final class MapHypervisor implements Hypervisor {
    final Map<String, DomainInfo> domains = new ConcurrentHashMap<>();
    volatile boolean listingFails;

    @Override
    public String uri() {
      return "map:///";
    }

    @Override
    public java.util.Optional<org.virtualservices.core.hypervisor.VmUsage> usage(String name) {
      return java.util.Optional.empty();
    }

    @Override
    public void define(String name, String xml) {
      domains.put(name, new DomainInfo(name, DomainState.SHUTOFF, null, null));
    }

    @Override
    public void start(String name) {
    }

    @Override
    public void start(String name, long hardLimitMiB) {
      start(name);
    }

    @Override
    public DomainState state(String name) {
      return domains.containsKey(name) ? domains.get(name).state() : DomainState.ABSENT;
    }

    @Override
    public void shutdown(String name) {
      throw new UnsupportedOperationException("teardown never shuts a domain down");
    }

    @Override
    public boolean active(String name) {
      return state(name) == DomainState.RUNNING;
    }

    @Override
    public boolean remove(String name) {
      return domains.remove(name) != null;
    }

    @Override
    public List<DomainInfo> domains() {
      if (listingFails) {
        throw new IllegalStateException("libvirt down");
      }
      return List.copyOf(domains.values());
    }

    @Override
    public Optional<String> xml(String name) {
      return Optional.empty();
    }

    @Override
    public void close() {
    }
  }
}
