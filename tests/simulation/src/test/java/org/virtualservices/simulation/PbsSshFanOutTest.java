package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.remote.ShellWords;

/**
 * The PBS fan-out for real: the mother superior's prologue and epilogue run as PBS runs them (a
 * separate process, PBS's arguments, an empty environment, the node file in PBS_HOME/aux, the
 * request from a qstat that prints what Torque's prints), and reach their sister nodes through
 * jsch and real sshd, one per network namespace made by this test. Each sister runs the product's
 * own hook in sister mode, with its own configuration (sshd's SetEnv VC_CONFIG) and state folder,
 * against test:///default with no network fabric. Skipped, with the reason, unless root with sshd
 * and ip.
 */
class PbsSshFanOutTest {

  @TempDir
  static Path tmp;
  static SshSisters sisters;
  static String host;
  static Path torque;
  static Path msState;
  static Path work;
  static Path secret;
  static Path base;
  static Path bin;
  static final Map<String, Path> states = new LinkedHashMap<>();
  static final ProcessCommandRunner RUN = new ProcessCommandRunner();

  @BeforeAll
  static void up() throws IOException {
    String why = SshSisters.unavailable();
    Assumptions.assumeTrue(why == null, "the real PBS fan-out test " + why);
    host = InetAddress.getLocalHost().getHostName();
    base = tmp.resolve("base.qcow2");
    RUN.check(Command.of("/usr/bin/qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "64M"));
    secret = tmp.resolve("secret");
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    Files.write(secret, bytes);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    bin = Files.createDirectories(tmp.resolve("bin"));
    launcher("vcluster-prolog", "org.virtualservices.prolog.PrologMain");
    launcher("vcluster-epilog", "org.virtualservices.epilog.EpilogMain");
    work = Files.createDirectories(tmp.resolve("work"));
    torque = Files.createDirectories(tmp.resolve("torque/aux")).getParent();
    Path qstat = tmp.resolve("qstat");
    Files.writeString(qstat, String.join("\n",
        "#!/bin/sh",
        "# what Torque's qstat -f prints for job $2",
        "cat <<QSTAT",
        "Job Id: $2",
        "    Job_Name = vcjob",
        "    Job_Owner = root@login1",
        "    job_state = R",
        "    ctime = Thu Dec  3 07:11:10 2026",
        "    Variable_List = PBS_O_QUEUE=batch,PBS_O_HOME=/root,PBS_O_WORKDIR=" + work + ",VC_IMAGE=tiny,VC",
        "\t_VMS=2,VC_VCPUS=1,VC_MEM=256M,PBS_O_HOST=login1",
        "    euser = root",
        "QSTAT",
        ""));
    Files.setPosixFilePermissions(qstat, PosixFilePermissions.fromString("rwxr-xr-x"));

    sisters = new SshSisters(tmp.resolve("ssh"));
    for (String name : List.of("sis1", "sis2", "sis3", "sis4")) {
      Path state = Files.createDirectories(tmp.resolve("nodes/" + name));
      states.put(name, state);
      // sis4 is slow: it waits 9 s for a console marker that test:///default never writes
      Path config = name.equals("sis4") ? nodeConfig(name + ".yaml", state, "", "[running, marker]", 9)
          : nodeConfig(name + ".yaml", state, "");
      // sis3's node is down: its namespace and address exist, its sshd never starts
      sisters.add(name, Map.of("VC_CONFIG", config.toString()), !name.equals("sis3"));
    }
    msState = Files.createDirectories(tmp.resolve("nodes/ms"));
    Files.writeString(tmp.resolve("known_hosts"), sisters.knownHosts(sisters.hostKeys));
    msConfig("ms.yaml", tmp.resolve("known_hosts"));
    msConfig("ms-impatient.yaml", tmp.resolve("known_hosts"), 8);
  }

  @AfterAll
  static void down() {
    if (sisters != null) {
      sisters.close();
    }
  }

  /** What bin/vcluster-prolog runs in an installation: the product's main, here on the test's classpath. */
  static void launcher(String name, String main) throws IOException {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path f = bin.resolve(name);
    Files.writeString(f, "#!/bin/sh\nexec " + ShellWords.quote(List.of(java, "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", cp, main)) + " \"$@\"\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  static Path nodeConfig(String file, Path state, String extra) throws IOException {
    return nodeConfig(file, state, extra, "[running]", 5);
  }

  static Path nodeConfig(String file, Path state, String extra, String readiness, int bootTimeout)
      throws IOException {
    Path f = tmp.resolve(file);
    Files.writeString(f, String.join("\n",
        "libvirtUri: test:///default",
        "stateDir: " + state,
        "secretFile: " + secret,
        "images:",
        "  tiny:",
        "    disk: " + base,
        "    kernel: /boot/vmlinuz-test",
        "    cmdline: console=ttyS0 root=/dev/vda",
        "network:",
        "  mode: none",
        "boot:",
        "  readiness: " + readiness,
        "  timeoutSeconds: " + bootTimeout,
        "domain:",
        "  type: test",
        "  qemuUser: nobody", // the jobs are root's, and QEMU never runs as root
        "  memoryHardLimit: false",
        extra, ""));
    return f;
  }

  static Path msConfig(String file, Path knownHosts) throws IOException {
    return msConfig(file, knownHosts, 120);
  }

  static Path msConfig(String file, Path knownHosts, int sisterTimeout) throws IOException {
    return nodeConfig(file, msState, String.join("\n",
        "pbs:",
        "  home: " + torque,
        "  qstat: " + tmp.resolve("qstat"),
        "  sshIdentity: " + sisters.clientKey,
        "  sshKnownHosts: " + knownHosts,
        "  sshAddresses: {" + String.join(", ", sisters.addresses.entrySet().stream()
            .map(e -> e.getKey() + ": " + e.getValue()).toList()) + "}",
        "  sshConnectTimeoutSeconds: 5",
        "  sisterTimeoutSeconds: " + sisterTimeout,
        "  sisterProlog: " + bin.resolve("vcluster-prolog"),
        "  sisterEpilog: " + bin.resolve("vcluster-epilog")));
  }

  /** How a hook ended: its exit status and everything it printed. */
  record Ran(int status, String output) {
  }

  /**
   * The mother superior's hook as pbs_mom runs it: the site-config/pbs wrapper's command line
   * ({@code --pbs} and PBS's arguments; {@code --config} stands for /etc/vcluster/site.yaml) and
   * an empty environment.
   */
  static Ran pbs(String program, String config, List<String> pbsArgs) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of(bin.resolve(program).toString(), "--config",
        tmp.resolve(config).toString(), "--pbs"));
    argv.addAll(pbsArgs);
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().clear();
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the hook did not end");
    return new Ran(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static List<String> prologue(String job) {
    return List.of(job, "root", "root", "vcjob", "nodes=3:ppn=2,walltime=00:10:00", "batch", "acct");
  }

  static List<String> epilogue(String job) {
    return List.of(job, "root", "root", "vcjob", "4242", "nodes=3:ppn=2", "cput=00:00:01", "batch", "acct", "0");
  }

  /** The MOM's node file: one line per slot, mother superior first. */
  static void nodeFile(String job, String... sisterNames) throws IOException {
    StringBuilder sb = new StringBuilder(host + "\n" + host + "\n");
    for (String s : sisterNames) {
      sb.append(s).append('\n').append(s).append('\n');
    }
    Files.writeString(torque.resolve("aux").resolve(job), sb.toString());
  }

  static String log(Path state, String job) throws IOException {
    Path f = state.resolve("logs").resolve(job + ".log");
    return Files.exists(f) ? Files.readString(f) : "";
  }

  static final Pattern NETWORK = Pattern.compile("plan: 2 VM\\(s\\) of image tiny on this node, network (\\S+) VNI (\\d+)");

  static String plan(String log) {
    Matcher m = NETWORK.matcher(log);
    assertTrue(m.find(), "a plan line in " + log);
    return m.group(1) + " VNI " + m.group(2);
  }

  /** When a node's prolog wrote its first and its last line. */
  static Instant[] span(String log) {
    List<Instant> times = log.lines().filter(l -> l.contains(" vcluster-prolog["))
        .map(l -> Instant.parse(l.substring(0, l.indexOf(' ')))).toList();
    return new Instant[] {times.get(0), times.get(times.size() - 1)};
  }

  static boolean nothingOf(String job, Path state) {
    return !Files.exists(state.resolve("jobs").resolve(job));
  }

  @Test
  void theMotherSuperiorBootsItsSistersOverSshInParallelAndTheEpilogueLeavesNothing() throws Exception {
    String job = "71.pbshead";
    nodeFile(job, "sis1", "sis2");
    Instant t0 = Instant.now();
    Ran pro = pbs("vcluster-prolog", "ms.yaml", prologue(job));
    java.time.Duration took = java.time.Duration.between(t0, Instant.now());
    assertEquals(0, pro.status(), pro.output());

    String msPlan = plan(log(msState, job));
    assertTrue(log(msState, job).contains("job record: instance Thu Dec 3 07:11:10 2026,"), log(msState, job));
    int first = 2;
    for (String sister : List.of("sis1", "sis2")) {
      String sisterLog = log(states.get(sister), job);
      assertEquals(msPlan, plan(sisterLog), sister + " computed the mother superior's plan");
      // the keys depend on the job's instance: the sister got the mother superior's ctime, over real ssh
      assertTrue(sisterLog.contains("job record: instance Thu Dec 3 07:11:10 2026,"), sisterLog);
      Path journal = states.get(sister).resolve("jobs/" + job + "/" + sister + "/journal.json");
      String entries = Files.readString(journal);
      assertTrue(entries.contains("vc71-" + first + ".qcow2") && entries.contains("vc71-" + (first + 1) + ".qcow2"),
          sister + " made its own VMs' disks: " + entries);
      assertTrue(Files.exists(states.get(sister).resolve("jobs/" + job + "/" + sister + "/vc71-" + first + ".qcow2")));
      first += 2;
    }
    Instant[] a = span(log(states.get("sis1"), job));
    Instant[] b = span(log(states.get("sis2"), job));
    assertTrue(a[0].isBefore(b[1]) && b[0].isBefore(a[1]),
        "the sisters' prologs overlap in time: sis1 " + a[0] + ".." + a[1] + ", sis2 " + b[0] + ".." + b[1]);

    // the figure docs/hooks.md quotes: the whole prologue against each sister's own part
    System.out.printf("PBS fan-out over ssh: mother superior's prologue %.2fs; sis1 %.2fs, sis2 %.2fs from first"
        + " to last log line (plus a JVM start each)%n", took.toMillis() / 1e3,
        java.time.Duration.between(a[0], a[1]).toMillis() / 1e3, java.time.Duration.between(b[0], b[1]).toMillis() / 1e3);

    Path report = work.resolve("vcluster-" + job);
    List<String> hostfile = Files.readAllLines(report.resolve("hostfile"));
    assertEquals(6, hostfile.size(), "every VM of every node: " + hostfile);
    String json = Files.readString(report.resolve("report.json"));
    assertTrue(json.contains("\"sis1\"") && json.contains("\"sis2\"") && json.contains("\"" + host + "\""), json);
    assertTrue(log(msState, job).contains("2 sister node(s) done: sis1, sis2"), log(msState, job));

    Ran epi = pbs("vcluster-epilog", "ms.yaml", epilogue(job));
    assertEquals(0, epi.status(), epi.output());
    for (Path state : List.of(msState, states.get("sis1"), states.get("sis2"))) {
      assertTrue(nothingOf(job, state), state + " still holds the job: " + epi.output());
    }
    assertFalse(Files.exists(report), "the report goes with the job");
    assertTrue(log(states.get("sis2"), job).contains("vcluster-epilog[" + job + "] sis2 INFO: epilog done"),
        log(states.get("sis2"), job));
  }

  @Test
  void aSisterWhoseSshdIsDownFailsThePrologueWithRequeueAndRollsBackTheOthers() throws Exception {
    String job = "72.pbshead";
    nodeFile(job, "sis1", "sis3");
    Ran pro = pbs("vcluster-prolog", "ms.yaml", prologue(job));
    assertEquals(2, pro.status(), "PBS: 2 requeues the job: " + pro.output());
    assertTrue(unreachable(pro.output(), "sis3"), pro.output());
    String error = Files.readString(work.resolve("vcluster-" + job + "/ERROR"));
    assertTrue(error.contains("sis3") && !error.contains("sister node sis1"), error);
    String sis1 = log(states.get("sis1"), job);
    assertTrue(sis1.contains("prolog done"), "sis1 booted: " + sis1);
    assertTrue(sis1.contains("vcluster-epilog[" + job + "] sis1 INFO: epilog done"), "then was rolled back: " + sis1);
    assertTrue(nothingOf(job, states.get("sis1")) && nothingOf(job, msState), pro.output());
  }

  @Test
  void anUnknownOrChangedSisterHostKeyIsRefusedNeverAccepted() throws Exception {
    // sis2 missing from known_hosts: unknown
    Path unknown = tmp.resolve("known_hosts.unknown");
    Map<String, String> keys = new LinkedHashMap<>(sisters.hostKeys);
    keys.remove("sis2");
    Files.writeString(unknown, sisters.knownHosts(keys));
    msConfig("ms-unknown.yaml", unknown);
    // sis2 listed with another key: changed
    Path changed = tmp.resolve("known_hosts.changed");
    keys.put("sis2", sisters.keygen(tmp.resolve("impostor"), "impostor"));
    Files.writeString(changed, sisters.knownHosts(keys));
    msConfig("ms-changed.yaml", changed);

    int n = 73;
    for (Path knownHosts : List.of(unknown, changed)) {
      String job = n++ + ".pbshead";
      byte[] before = Files.readAllBytes(knownHosts);
      nodeFile(job, "sis1", "sis2");
      String config = knownHosts == unknown ? "ms-unknown.yaml" : "ms-changed.yaml";
      Ran pro = pbs("vcluster-prolog", config, prologue(job));
      assertEquals(2, pro.status(), pro.output());
      assertTrue(unreachable(pro.output(), "sis2"), pro.output());
      assertTrue(log(states.get("sis2"), job).isEmpty(), "nothing ran on sis2");
      assertArrayEquals(before, Files.readAllBytes(knownHosts), "the key was not added to known_hosts");
      assertTrue(nothingOf(job, states.get("sis1")) && nothingOf(job, msState), pro.output());
    }
  }

  @Test
  void aSisterGivenUpAtItsTimeoutIsTornDownOnlyOnceItsPrologueHasEnded() throws Exception {
    String job = "75.pbshead";
    nodeFile(job, "sis1", "sis4");
    Ran pro = pbs("vcluster-prolog", "ms-impatient.yaml", prologue(job));
    assertEquals(2, pro.status(), pro.output());
    assertTrue(unreachable(pro.output(), "sis4") && pro.output().contains("8 s"), pro.output());
    // sshd does not stop a command whose client left: sis4's prologue ran on after the mother
    // superior gave it up, and the sister epilogue it then started waited for it to end (without
    // the lock the epilogue would be done first, and the prologue end after the mother superior)
    String sis4 = log(states.get("sis4"), job);
    assertTrue(sis4.contains("vcluster-prolog[" + job + "] sis4 ERROR: prolog failed on node sis4 at step 'ready'"),
        "sis4's prologue ended before the mother superior's: " + sis4);
    List<Instant> prolog = times(sis4, "vcluster-prolog[");
    List<Instant> epilog = times(sis4, "vcluster-epilog[");
    assertFalse(prolog.isEmpty() || epilog.isEmpty(), sis4);
    assertTrue(epilog.get(0).isAfter(prolog.get(prolog.size() - 1)), "the epilog waited for the prolog: " + sis4);
    for (String node : List.of("sis1", "sis4")) {
      assertTrue(nothingOf(job, states.get(node)), node + ": " + log(states.get(node), job));
    }
    assertTrue(nothingOf(job, msState));
  }

  /** The mother superior's log names the sister and the address SSH failed at (the words are jsch's). */
  static boolean unreachable(String output, String sister) {
    return output.lines().anyMatch(l -> l.contains("ERROR: sister node " + sister + ": ")
        && l.contains(sisters.addresses.get(sister)));
  }

  static List<Instant> times(String log, String program) {
    return log.lines().filter(l -> l.contains(" " + program)).map(l -> Instant.parse(l.substring(0, l.indexOf(' '))))
        .toList();
  }
}
