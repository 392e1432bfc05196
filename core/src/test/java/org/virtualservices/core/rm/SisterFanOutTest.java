package org.virtualservices.core.rm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.config.Pbs;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.remote.RemoteException;
import org.virtualservices.core.remote.RemoteHost;
import org.virtualservices.core.remote.RemoteResult;
import org.virtualservices.core.remote.RemoteShell;

class SisterFanOutTest {

  /** What a fake sister does when its command arrives. */
  interface Behaviour {
    int run(RemoteHost host, List<String> argv, Duration timeout, Consumer<String> out);
  }

  /** A RemoteShell whose hosts behave as each test says; records what it was asked. */
  static final class FakeShell implements RemoteShell {
    final Map<String, Behaviour> hosts = new ConcurrentHashMap<>();
    final Map<String, List<String>> asked = new ConcurrentHashMap<>();
    final Map<String, RemoteHost> dialled = new ConcurrentHashMap<>();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger most = new AtomicInteger();
    boolean closed;

    @Override
    public RemoteResult run(RemoteHost host, List<String> argv, Duration timeout, Consumer<String> out,
        Consumer<String> err) {
      asked.put(host.name(), argv);
      dialled.put(host.name(), host);
      most.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        return new RemoteResult(host, String.join(" ", argv), hosts.get(host.name()).run(host, argv, timeout, out));
      } finally {
        running.decrementAndGet();
      }
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  final ByteArrayOutputStream logged = new ByteArrayOutputStream();
  final JobLog log = new JobLog("test", new PrintStream(logged, true, StandardCharsets.UTF_8), Clock.systemUTC(), true);
  final FakeShell shell = new FakeShell();

  static Pbs pbs(String yaml) {
    return SiteConfigLoader.parse("pbs:\n  sisterTimeoutSeconds: 400\n" + yaml, "test").pbs();
  }

  static List<SisterCall> calls(String... sisters) {
    List<String> nodes = new java.util.ArrayList<>(List.of("ms"));
    nodes.addAll(List.of(sisters));
    return java.util.stream.IntStream.range(0, sisters.length).mapToObj(i -> new SisterCall("7.head", "alice", 1001,
        2000, sisters[i], nodes, List.of(), Map.of("VC_IMAGE", "tiny"))).toList();
  }

  @Test
  void everySisterRunsAtTheSameTime() {
    CountDownLatch all = new CountDownLatch(3);
    Behaviour waitForTheOthers = (h, argv, t, out) -> {
      all.countDown();
      try {
        // each sister finishes only once all three have started: one at a time would never get here
        return all.await(10, TimeUnit.SECONDS) ? 0 : 99;
      } catch (InterruptedException e) {
        return 98;
      }
    };
    List.of("s1", "s2", "s3").forEach(n -> shell.hosts.put(n, waitForTheOthers));
    try (SisterFanOut fan = new SisterFanOut(() -> shell, pbs(""), log)) {
      List<SisterResult> r = fan.start(calls("s1", "s2", "s3"), "/opt/vcluster/bin/vcluster-prolog", false).await();
      assertEquals(List.of("s1", "s2", "s3"), r.stream().map(SisterResult::node).toList());
      assertTrue(r.stream().allMatch(SisterResult::ok), r.toString());
    }
    assertEquals(3, shell.most.get());
    assertTrue(shell.closed, "the SSH client is closed with the fan-out");
    assertEquals("/opt/vcluster/bin/vcluster-prolog", shell.asked.get("s2").get(0));
    assertEquals("--pbs-sister", shell.asked.get("s2").get(1));
  }

  @Test
  void atMostMaxParallelSistersAtOnce() {
    CountDownLatch pairs = new CountDownLatch(4);
    shell.hosts.putAll(Map.of("s1", ok(pairs), "s2", ok(pairs), "s3", ok(pairs), "s4", ok(pairs)));
    try (SisterFanOut fan = new SisterFanOut(() -> shell, pbs("  maxParallel: 2\n"), log)) {
      assertTrue(fan.start(calls("s1", "s2", "s3", "s4"), "p", false).await().stream().allMatch(SisterResult::ok));
    }
    assertTrue(shell.most.get() <= 2, "at most 2 at once, saw " + shell.most.get());
  }

  private static Behaviour ok(CountDownLatch done) {
    return (h, argv, t, out) -> {
      done.countDown();
      return 0;
    };
  }

  @Test
  void aFailingSisterIsNamedWithItsExitStatusAndLastLines() {
    shell.hosts.put("s1", (h, argv, t, out) -> 0);
    shell.hosts.put("s2", (h, argv, t, out) -> {
      for (int i = 0; i < 30; i++) {
        out.accept("line " + i);
      }
      out.accept("vcluster-prolog[7.head] s2 ERROR: prolog failed on node s2 at step 'disks': no base image");
      return 2;
    });
    try (SisterFanOut fan = new SisterFanOut(() -> shell, pbs(""), log)) {
      List<SisterResult> r = fan.start(calls("s1", "s2"), "/x/vcluster-prolog", false).await();
      assertTrue(r.get(0).ok());
      SisterResult bad = r.get(1);
      assertEquals(SisterResult.Status.FAILED, bad.status());
      assertEquals(2, bad.exitStatus());
      assertEquals(SisterFanOut.TAIL, bad.output().size(), "only the last lines are kept");
      assertTrue(bad.describe().startsWith("sister node s2: /x/vcluster-prolog exited 2"), bad.describe());
      assertTrue(bad.describe().contains("no base image"), bad.describe());
    }
  }

  @Test
  void aRefusedConnectionOrATimeoutIsAnUnreachableSister() {
    shell.hosts.put("s1", (h, argv, t, out) -> {
      throw new RemoteException(h, "connect", new java.net.ConnectException("Connection refused"));
    });
    shell.hosts.put("s2", (h, argv, t, out) -> {
      throw new RemoteException(h, "'" + argv.get(0) + "' still running after " + t.toSeconds() + " s; stopped", null);
    });
    try (SisterFanOut fan = new SisterFanOut(() -> shell, pbs(""), log)) {
      List<SisterResult> r = fan.start(calls("s1", "s2"), "p", false).await();
      assertEquals(SisterResult.Status.UNREACHABLE, r.get(0).status());
      assertTrue(r.get(0).detail().contains("Connection refused"), r.get(0).detail());
      assertTrue(r.get(0).detail().contains("root@s1"), "names the host: " + r.get(0).detail());
      assertEquals(SisterResult.Status.UNREACHABLE, r.get(1).status());
      assertTrue(r.get(1).detail().contains("still running after 400 s"), "pbs.sisterTimeoutSeconds bounds each: "
          + r.get(1).detail());
    }
  }

  @Test
  void theConfiguredAddressPortAndLoginAreDialled() {
    shell.hosts.put("s1", (h, argv, t, out) -> 0);
    try (SisterFanOut fan = new SisterFanOut(() -> shell, pbs("  sshPort: 2222\n  sshUser: vcadmin\n"
        + "  sshAddresses: {s1: 10.1.2.3}\n"), log)) {
      fan.start(calls("s1"), "p", false).await();
    }
    assertEquals(new RemoteHost("s1", "10.1.2.3", 2222, "vcadmin"), shell.dialled.get("s1"));
  }

  @Test
  void anSshClientThatCannotStartLeavesEverySisterUnreachable() {
    try (SisterFanOut fan = new SisterFanOut(() -> {
      throw new IllegalArgumentException("known_hosts file /etc/vcluster/ssh/known_hosts is missing");
    }, pbs(""), log)) {
      List<SisterResult> r = fan.start(calls("s1", "s2"), "p", false).await();
      assertEquals(2, r.size());
      assertTrue(r.stream().allMatch(x -> x.status() == SisterResult.Status.UNREACHABLE
          && x.detail().contains("known_hosts")), r.toString());
    }
  }
}
