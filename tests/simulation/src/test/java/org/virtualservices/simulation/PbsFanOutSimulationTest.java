package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.remote.RemoteException;
import org.virtualservices.core.remote.RemoteHost;
import org.virtualservices.core.remote.RemoteResult;
import org.virtualservices.core.remote.RemoteShell;
import org.virtualservices.epilog.EpilogCommand;
import org.virtualservices.prolog.PrologCommand;

/**
 * A PBS job on three nodes, as PBS runs it: the prologue and epilogue on the mother superior only,
 * which reaches its two sisters over SSH. The SSH here is a fake that runs the sister's command
 * line in this JVM with that sister's services (the simulated cluster shares test:///default), so
 * every VM of every node can be seen; the real SSH path is PbsSshFanOutTest's.
 */
class PbsFanOutSimulationTest {

  @TempDir
  Path tmp;
  SimulatedCluster cluster;
  String host;
  String group;
  Path torque;
  final InProcessSsh ssh = new InProcessSsh();

  /** Runs each sister's command line in-process, as sshd would run it there; records when. */
  final class InProcessSsh implements RemoteShell {
    final Set<String> refused = ConcurrentHashMap.newKeySet();
    final Set<String> timedOut = ConcurrentHashMap.newKeySet();
    final Map<String, List<String>> commands = new ConcurrentHashMap<>();
    final Map<String, Instant[]> spans = new ConcurrentHashMap<>();
    CountDownLatch together;

    @Override
    public RemoteResult run(RemoteHost h, List<String> argv, Duration timeout, Consumer<String> out,
        Consumer<String> err) {
      commands.merge(h.name(), List.of(String.join(" ", argv)), (a, b) -> {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
      });
      if (refused.contains(h.name())) {
        throw new RemoteException(h, "connect", new java.net.ConnectException("Connection refused"));
      }
      if (timedOut.contains(h.name()) && argv.get(0).endsWith("prolog")) {
        // as the real shell ends it: given up at the timeout, before anything was made (the lock
        // in the sister's state folder covers a prolog that runs on: PbsSshFanOutTest)
        throw new RemoteException(h, "'" + argv.get(0) + "' still running after " + timeout.toSeconds()
            + " s; stopped", null);
      }
      if (together != null && argv.get(0).endsWith("prolog")) {
        together.countDown();
        try {
          // one sister at a time would wait here in vain
          assertTrue(together.await(20, TimeUnit.SECONDS), "the sisters' prologs did not run at the same time");
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
      Instant start = Instant.now();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
      List<String> args = argv.subList(1, argv.size());
      // sshd's SetEnv gives each sister its configuration, as /etc/vcluster/site.yaml would
      Map<String, String> env = Map.of("VC_CONFIG", cluster.config.toString());
      int status = argv.get(0).endsWith("prolog")
          ? new PrologCommand(ps, ps, (c, l) -> cluster.services(c, h.name()), Clock.systemUTC()).run(args, env)
          : new EpilogCommand(ps, ps, (c, l) -> cluster.services(c, h.name()), Clock.systemUTC()).run(args, env);
      spans.put(h.name() + " " + argv.get(0), new Instant[] {start, Instant.now()});
      buf.toString(StandardCharsets.UTF_8).lines().forEach(out);
      return new RemoteResult(h, String.join(" ", argv), status);
    }

    @Override
    public void close() {
    }
  }

  @BeforeEach
  void up() throws IOException {
    host = InetAddress.getLocalHost().getHostName();
    torque = tmp.resolve("torque");
    Files.createDirectories(torque.resolve("aux"));
    Path qstat = tmp.resolve("qstat");
    Files.writeString(tmp.resolve("id_ed25519"), "not read by the fake\n");
    Files.writeString(tmp.resolve("known_hosts"), "");
    cluster = new SimulatedCluster(tmp.resolve("c"), List.of(host, "sis1", "sis2"), String.join("\n",
        "pbs:",
        "  home: " + torque,
        "  qstat: " + qstat,
        "  sshIdentity: " + tmp.resolve("id_ed25519"),
        "  sshKnownHosts: " + tmp.resolve("known_hosts"),
        "  sisterProlog: /opt/vcluster/bin/vcluster-prolog",
        "  sisterEpilog: /opt/vcluster/bin/vcluster-epilog"));
    cluster.sisterShell = ssh;
    group = Files.readAllLines(Path.of("/etc/group")).stream()
        .filter(l -> l.split(":")[2].equals(String.valueOf(cluster.gid))).map(l -> l.split(":")[0])
        .findFirst().orElseThrow();
    // one line per slot, mother superior first; Torque may list a host again further down
    Files.writeString(torque.resolve("aux/321.head"), String.join("\n", host, host, "sis1", "sis1", "sis2", "sis2",
        host, ""));
    Files.writeString(qstat, String.join("\n",
        "#!/bin/sh",
        "cat <<'QSTAT'",
        "Job Id: 321.head",
        "    Job_Name = vcjob",
        "    ctime = Thu Dec  3 07:11:10 2026", // the job's instance: travels to the sisters with --instance
        "    Variable_List = PBS_O_QUEUE=batch,PBS_O_WORKDIR=" + cluster.workDir + ",VC_IMAGE=tiny,VC_VMS=2,",
        "\tVC_VCPUS=1,VC_MEM=256M,PBS_O_HOST=login1",
        "QSTAT",
        ""));
    Files.setPosixFilePermissions(qstat, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void down() {
    cluster.close();
  }

  List<String> prologue() {
    return List.of("321.head", cluster.user, group, "vcjob", "nodes=3:ppn=2", "batch", "acct");
  }

  List<String> epilogue() {
    return List.of("321.head", cluster.user, group, "vcjob", "4242", "nodes=3:ppn=2", "cput=00:00:01", "batch",
        "acct", "0");
  }

  long vms(String node) {
    return cluster.keepAlive.domains().stream().filter(d -> d.name().startsWith("vc321-"))
        .filter(d -> node == null || node.equals(d.node())).count();
  }

  void assertNothingLeft() {
    assertEquals(0, vms(null), cluster.log());
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/321.head")), cluster.log());
    cluster.fabrics.forEach((n, f) -> assertTrue(f.specs().isEmpty(), n + " network left: " + f.specs()));
  }

  @Test
  void theMotherSuperiorBootsEverySisterInParallelAndTheEpilogueRemovesAll() throws IOException {
    ssh.together = new CountDownLatch(2);
    assertEquals(0, cluster.pbsProlog(host, prologue()), cluster.log());
    assertEquals(Set.of("sis1", "sis2"), ssh.commands.keySet(), "each sister once, never the mother superior");
    String sis2 = ssh.commands.get("sis2").get(0);
    assertTrue(sis2.startsWith("/opt/vcluster/bin/vcluster-prolog --pbs-sister --node sis2 --nodes " + host
        + ",sis1,sis2 --slots 3,2,2 --uid " + cluster.uid), sis2);
    // the sisters' VMs mount the job's working folder too (docs/hooks.md, "Host folders")
    assertTrue(sis2.contains(" --workdir " + cluster.workDir + " "), sis2);
    for (String node : List.of(host, "sis1", "sis2")) {
      assertEquals(2, vms(node), node + " runs its 2 VMs: " + cluster.log());
      assertEquals(1, cluster.fabrics.get(node).specs().size(), node + " made its network");
    }
    Path report = cluster.workDir.resolve("vcluster-321.head");
    assertEquals(6, Files.readAllLines(report.resolve("hostfile")).size(), "the report covers every node's VMs");
    assertTrue(cluster.log().contains("2 sister node(s) done: sis1, sis2"), cluster.log());

    assertEquals(0, cluster.pbsEpilog(host, epilogue()), cluster.log());
    assertEquals(1, ssh.commands.get("sis1").stream().filter(c -> c.contains("vcluster-epilog")).count());
    assertNothingLeft();
    assertFalse(Files.exists(report));
    assertTrue(cluster.log().contains("nothing of the job is left on any of its 3 node(s)"), cluster.log());
  }

  @Test
  void aFailingSisterRollsBackEveryNodeAndRequeuesTheJob() throws IOException {
    cluster.faults.put("sis2", p -> {
      if (p.equals("disk:vc321-5")) {
        throw new IllegalStateException("no room for the overlay");
      }
    });
    assertEquals(2, cluster.pbsProlog(host, prologue()), "PBS: 2 requeues the job: " + cluster.log());
    assertNothingLeft();
    String error = Files.readString(cluster.workDir.resolve("vcluster-321.head/ERROR"));
    assertTrue(error.contains("sister node sis2: /opt/vcluster/bin/vcluster-prolog exited 2"), error);
    assertTrue(error.contains("no room for the overlay"), "the sister's own words: " + error);
    assertFalse(error.contains("sister node sis1"), "the healthy sister is not blamed: " + error);
    assertTrue(ssh.commands.get("sis1").stream().anyMatch(c -> c.contains("vcluster-epilog")),
        "the healthy sister is rolled back too");
  }

  @Test
  void anUnreachableSisterFailsThePrologueNamingIt() throws IOException {
    ssh.refused.add("sis1");
    assertEquals(2, cluster.pbsProlog(host, prologue()), cluster.log());
    assertTrue(cluster.log().contains("sister node sis1: ssh root@sis1: connect: Connection refused"), cluster.log());
    assertTrue(Files.readString(cluster.workDir.resolve("vcluster-321.head/ERROR")).contains("sis1"));
    assertNothingLeft();
  }

  @Test
  void aSisterThatOutrunsItsTimeFailsThePrologueNamingIt() throws IOException {
    ssh.timedOut.add("sis2");
    assertEquals(2, cluster.pbsProlog(host, prologue()), cluster.log());
    assertTrue(cluster.log().contains("sister node sis2: ssh root@sis2: '/opt/vcluster/bin/vcluster-prolog' still"
        + " running after 300 s"), "pbs.sisterTimeoutSeconds, 300 by default: " + cluster.log());
    assertTrue(ssh.commands.get("sis2").stream().anyMatch(c -> c.contains("vcluster-epilog")),
        "the sister given up is torn down too");
    assertNothingLeft();
  }

  @Test
  void aMotherSuperiorThatFailsItselfRollsBackItsSistersToo() throws IOException {
    cluster.faults.put(host, p -> {
      if (p.equals("start:vc321-1")) {
        throw new IllegalStateException("libvirt said no");
      }
    });
    assertEquals(2, cluster.pbsProlog(host, prologue()), cluster.log());
    assertNothingLeft();
    assertTrue(cluster.log().contains("rolling back the sister node(s): sis1, sis2"), cluster.log());
  }

  @Test
  void aUsersMistakeReachesNoSister() throws IOException {
    Path qstat = tmp.resolve("qstat");
    Files.writeString(qstat, Files.readString(qstat).replace("VC_VMS=2", "VC_VMS=99"));
    assertEquals(1, cluster.pbsProlog(host, prologue()), "PBS: 1 aborts the job: " + cluster.log());
    assertTrue(ssh.commands.isEmpty(), "no sister was bothered: " + ssh.commands);
  }

  @Test
  void aJobOnOneNodeFansOutToNone() throws IOException {
    Files.writeString(torque.resolve("aux/321.head"), host + "\n" + host + "\n");
    assertEquals(0, cluster.pbsProlog(host, prologue()), cluster.log());
    assertEquals(0, cluster.pbsEpilog(host, epilogue()), cluster.log());
    assertTrue(ssh.commands.isEmpty(), ssh.commands.toString());
    assertNothingLeft();
  }

  @Test
  void theEpilogueNamesASisterItCannotReach() throws IOException {
    assertEquals(0, cluster.pbsProlog(host, prologue()), cluster.log());
    ssh.refused.add("sis2");
    assertEquals(1, cluster.pbsEpilog(host, epilogue()), cluster.log());
    assertTrue(cluster.log().contains("something of the job may be left on: sis2"), cluster.log());
    assertEquals(2, vms("sis2"), "what sis2 has is still there, and said to be");
    assertEquals(0, vms(host) + vms("sis1"));
    ssh.refused.clear();
    assertEquals(0, cluster.pbsEpilog(host, epilogue()), "run again, it finishes: " + cluster.log());
    assertNothingLeft();
  }

  @Test
  void anEpilogueWithoutItsSshClientStillTearsDownItsOwnPartAndNamesEverySister() throws IOException {
    assertEquals(0, cluster.pbsProlog(host, prologue()), cluster.log());
    cluster.sisterShell = null; // the client cannot start: say, known_hosts was removed meanwhile
    assertEquals(1, cluster.pbsEpilog(host, epilogue()), cluster.log());
    assertTrue(cluster.log().contains("something of the job may be left on: sis1, sis2"), cluster.log());
    assertEquals(0, vms(host), "the mother superior's own part is gone all the same");
    assertEquals(4, vms("sis1") + vms("sis2"));
    cluster.sisterShell = ssh;
    assertEquals(0, cluster.pbsEpilog(host, epilogue()), cluster.log());
    assertNothingLeft();
  }

  @Test
  void aServerThatCannotSayTheRequestRequeuesThePrologueAndTheEpilogueGoesByTheJournals() throws IOException {
    Path qstat = tmp.resolve("qstat");
    String answering = Files.readString(qstat);
    String down = "#!/bin/sh\necho 'qstat: cannot connect to server head (errno=111)' >&2\nexit 1\n";
    Files.writeString(qstat, down);
    assertEquals(2, cluster.pbsProlog(host, prologue()), "PBS: 2 requeues the job: " + cluster.log());
    assertTrue(cluster.log().contains("cannot connect to server head"), cluster.log());

    Files.writeString(qstat, answering);
    assertEquals(0, cluster.pbsProlog(host, prologue()), cluster.log());
    Files.writeString(qstat, down);
    assertEquals(0, cluster.pbsEpilog(host, epilogue()), cluster.log());
    assertTrue(cluster.log().contains("every node goes by its journal"), cluster.log());
    assertNothingLeft();
  }
}
