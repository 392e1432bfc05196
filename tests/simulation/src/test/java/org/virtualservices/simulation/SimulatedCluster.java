package org.virtualservices.simulation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.fabric.FakeFabric;
import org.virtualservices.core.hypervisor.LibvirtHypervisor;
import org.virtualservices.core.keys.KeyDeriver;
import org.virtualservices.core.render.Templates;
import org.virtualservices.core.faults.FaultPoints;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.epilog.EpilogCommand;
import org.virtualservices.prolog.PrologCommand;

/**
 * A simulated cluster for hook tests: N nodes sharing libvirt's test:///default (the real libvirt
 * API, no hypervisor), a fake fabric per node, a real state folder, base image, seeds and overlays
 * made by the real qemu-img and genisoimage. Each hook call gets only what the resource manager
 * would give it: an environment map and arguments. The test driver keeps nothing between
 * processes, so all calls run in this JVM; one connection stays open so its state lives on.
 */
final class SimulatedCluster implements AutoCloseable {

  final Path root;
  final Path stateDir;
  final Path workDir;
  final Path config;
  final Path baseImage;
  final List<String> nodes;
  final Map<String, FakeFabric> fabrics = new LinkedHashMap<>();
  final LibvirtHypervisor keepAlive;
  final String user;
  final int uid;
  final int gid;
  final ByteArrayOutputStream log = new ByteArrayOutputStream();
  final Map<String, FaultPoints> faults = new HashMap<>();
  /** What a PBS mother superior reaches its sister nodes with; null: none wired. */
  org.virtualservices.core.remote.RemoteShell sisterShell;
  /** The jobs the simulated resource manager still knows, for the sweep. */
  final Set<String> activeJobs = new java.util.HashSet<>();

  SimulatedCluster(Path root, List<String> nodes, String extraYaml) throws IOException {
    this(root, nodes, extraYaml, System.getProperty("user.name"),
        (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"),
        (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid"),
        Files.createDirectory(Files.createDirectories(root).resolve("work")));
  }

  /** Jobs of {@code user} ({@code uid:gid}) whose working folder is {@code workDir} (which must exist). */
  SimulatedCluster(Path root, List<String> nodes, String extraYaml, String user, int uid, int gid, Path workDir)
      throws IOException {
    this.root = root;
    this.nodes = List.copyOf(nodes);
    this.stateDir = Files.createDirectories(root.resolve("state"));
    this.workDir = workDir;
    this.user = user;
    this.uid = uid;
    this.gid = gid;
    this.baseImage = root.resolve("base.qcow2");
    new ProcessCommandRunner().check(Command.of("/usr/bin/qemu-img", "create", "-q", "-f", "qcow2",
        baseImage.toString(), "64M"));
    Path secret = root.resolve("secret");
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    Files.write(secret, bytes);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Path scontrol = fakeScontrol();
    this.config = root.resolve("site.yaml");
    Files.writeString(config, String.join("\n",
        "libvirtUri: test:///default",
        "stateDir: " + stateDir,
        "runDir: " + root.resolve("run"),
        "checkpoint:",
        "  dir: " + root.resolve("checkpoints"),
        "secretFile: " + secret,
        "images:",
        "  tiny:",
        "    disk: " + baseImage,
        "    kernel: /boot/vmlinuz-test",
        "    cmdline: console=ttyS0 root=/dev/vda",
        "network:",
        "  mode: vxlan",
        "boot:",
        "  readiness: [running]",
        "  timeoutSeconds: 5",
        "domain:",
        "  type: test",
        // QEMU never runs as root: jobs of root (these tests' own user) need a user of the site's
        uid == 0 ? "  qemuUser: nobody" : "",
        // libvirt's test driver cannot start a domain paused, which the memory limit needs (e2e proves it)
        "  memoryHardLimit: false",
        "tools:",
        "  scontrol: " + scontrol,
        extraYaml, ""));
    nodes.forEach(n -> fabrics.put(n, new FakeFabric()));
    this.keepAlive = LibvirtHypervisor.open("test:///default");
  }

  /**
   * Each node's own run tree (on a real node, {@code runDir} is on that node's own tmpfs): in a
   * cluster of several nodes {@code <runDir>/<node>}; a one-node cluster's is {@code runDir} itself.
   */
  SiteConfig onNode(SiteConfig c, String node) {
    if (nodes.size() == 1) {
      return c;
    }
    return new SiteConfig(c.libvirtUri(), c.stateDir(), c.runDir().resolve(node), c.secretFile(), c.templatesDir(),
        c.images(), c.limits(), c.defaults(), c.network(), c.boot(), c.domain(), c.tools(), c.pbs(), c.submit(),
        c.testing(), c.mounts(), c.userImages(), c.checkpoint(), c.save());
  }

  /**
   * A home of {@code uid}'s, {@code <root>/home/nobody}, with the working folder {@code work} in it,
   * below a {@code root} others may pass (0755): where tests run jobs of another user.
   */
  static Path userWork(Path root, int uid) throws IOException {
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path home = Files.createDirectories(root.resolve("home/nobody"));
    Path work = Files.createDirectory(home.resolve("work"));
    for (Path p : List.of(home, work)) {
      Files.setAttribute(p, "unix:uid", uid);
      Files.setAttribute(p, "unix:gid", uid);
    }
    return work;
  }

  /** The job's folder in {@code node}'s run tree. */
  Path runFolder(String job, String node) {
    return (nodes.size() == 1 ? root.resolve("run") : root.resolve("run").resolve(node)).resolve("jobs").resolve(job);
  }

  /**
   * The simulated controller: {@code scontrol show job --oneliner --details ID} answers as Slurm 22.05's does
   * (the shape of core/src/test/resources/slurm/scontrol-*.txt), with the job's memory and name
   * from {@link #slurmRecord} (default: no memory asked), its requeues from {@link #restarts} and epoch
   * times when SLURM_TIME_FORMAT=%s.
   */
  private Path fakeScontrol() throws IOException {
    Path records = Files.createDirectory(root.resolve("slurm-records"));
    Path script = root.resolve("scontrol");
    Files.writeString(script, String.join("\n",
        "#!/bin/sh",
        "[ \"$1 $2 $3\" = 'show job --oneliner' ] || { echo \"unexpected: $*\" >&2; exit 2; }",
        "id=$4; [ \"$4\" = --details ] && id=$5", // the checkpoint's count of requeues asks without the details
        "mem=MinMemoryNode=0; name=sim",
        "[ -f '" + records + "'/$id.mem ] && mem=$(cat '" + records + "'/$id.mem)",
        "[ -f '" + records + "'/$id.name ] && name=$(cat '" + records + "'/$id.name)",
        "restarts=0; [ -f '" + records + "'/$id.restarts ] && restarts=$(cat '" + records + "'/$id.restarts)",
        "t=2026-12-03T07:11:10; [ \"$SLURM_TIME_FORMAT\" = %s ] && t=1796281870",
        "echo \"JobId=$id JobName=$name UserId=" + user + "(" + uid + ") GroupId=" + user + "(" + gid + ") MCS_label=N/A"
            + " Priority=1 Nice=0 Account=(null) QOS=(null) JobState=CONFIGURING Reason=None Dependency=(null)"
            + " Requeue=1 Restarts=$restarts"
            + " SubmitTime=$t EligibleTime=$t Partition=debug NumNodes=3 NumCPUs=6 CoreSpec=* JOB_GRES=(null)"
            + "  Nodes=sim[1-" + nodes.size() + "] CPU_IDs=0 Mem=0 GRES=  MinCPUsNode=1 $mem"
            + " MinTmpDiskNode=0 Features=(null) Command=(null) WorkDir=" + workDir + "\"", ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  /** What the simulated controller records of {@code job}: e.g. {@code MinMemoryNode=256M}, and its name. */
  void slurmRecord(String job, String memory, String name) throws IOException {
    Files.writeString(root.resolve("slurm-records").resolve(job + ".mem"), memory);
    if (name != null) {
      Files.writeString(root.resolve("slurm-records").resolve(job + ".name"), name);
    }
  }

  /** How many times the simulated controller says {@code job} was requeued ({@code Restarts=}; default 0). */
  void restarts(String job, int count) throws IOException {
    Files.writeString(root.resolve("slurm-records").resolve(job + ".restarts"), Integer.toString(count));
  }

  NodeServices services(SiteConfig config, String node) {
    SiteConfig c = onNode(config, node);
    return new NodeServices(c, new ProcessCommandRunner(), Clock.systemUTC(), d -> { },
        LibvirtHypervisor::open, fabrics.get(node), Templates.shipped(),
        () -> KeyDeriver.fromFile(c.secretFile()), n -> "192.0.2." + (1 + nodes.indexOf(n)),
        faults.getOrDefault(node, FaultPoints.NONE), rm -> () -> Set.copyOf(activeJobs), () -> {
          if (sisterShell == null) {
            throw new IllegalStateException("no SSH to sister nodes in this simulation");
          }
          return sisterShell;
        });
  }

  /** The environment slurmd 22.05 gives a Prolog (or Epilog) on {@code node}, per the captured one. */
  Map<String, String> slurmEnv(String job, String node, String comment, boolean epilog) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SLURM_JOB_ID", job);
    env.put("SLURM_NODELIST", "sim[1-" + nodes.size() + "]");
    env.put("SLURMD_NODENAME", node);
    env.put("SLURM_JOB_USER", user);
    env.put("SLURM_JOB_UID", String.valueOf(uid));
    env.put("SLURM_JOB_GID", String.valueOf(gid));
    env.put("SLURM_JOB_NUM_NODES", String.valueOf(nodes.size()));
    env.put("SLURM_JOB_CPUS_PER_NODE", "2(x" + nodes.size() + ")");
    env.put("SLURM_JOB_PARTITION", "debug");
    env.put("SLURM_JOB_WORK_DIR", workDir.toString());
    env.put("SLURM_CLUSTER_NAME", "sim");
    if (comment != null) {
      env.put("SLURM_JOB_COMMENT", comment);
    }
    env.put("SLURM_SCRIPT_CONTEXT", epilog ? "epilog_slurmd" : "prolog_slurmd");
    if (epilog) {
      env.put("SLURM_JOB_EXIT_CODE", "0");
    }
    return env;
  }

  int prolog(String job, String node, String comment) {
    return prolog(job, node, comment, List.of());
  }

  int prolog(String job, String node, String comment, List<String> options) {
    PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
    List<String> args = new java.util.ArrayList<>(List.of("--config", config.toString()));
    args.addAll(options);
    return new PrologCommand(err, err, (c, log) -> services(c, node), Clock.systemUTC())
        .run(args, slurmEnv(job, node, comment, false));
  }

  /** A Slurm prolog with an environment of the test's making (slurmEnv's, changed). */
  int prolog(String node, Map<String, String> env) {
    PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
    return new PrologCommand(err, err, (c, log) -> services(c, node), Clock.systemUTC())
        .run(List.of("--config", config.toString()), env);
  }

  int epilog(String job, String node, String comment) {
    PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
    return new EpilogCommand(err, err, (c, log) -> services(c, node), Clock.systemUTC())
        .run(List.of("--config", config.toString()), slurmEnv(job, node, comment, true));
  }

  /** A PBS/Torque call: the site-config/pbs wrapper adds --pbs; PBS passes arguments and no environment. */
  int pbsProlog(String node, List<String> pbsArgs) {
    PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
    List<String> args = new java.util.ArrayList<>(List.of("--config", config.toString(), "--pbs"));
    args.addAll(pbsArgs);
    return new PrologCommand(err, err, (c, log) -> services(c, node), Clock.systemUTC()).run(args, Map.of());
  }

  /** A PBS prologue whose wrapper passes an environment (VC_* there are read before the variable list). */
  int pbsProlog(String node, List<String> pbsArgs, Map<String, String> env) {
    PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
    List<String> args = new java.util.ArrayList<>(List.of("--config", config.toString(), "--pbs"));
    args.addAll(pbsArgs);
    return new PrologCommand(err, err, (c, log) -> services(c, node), Clock.systemUTC()).run(args, env);
  }

  int pbsEpilog(String node, List<String> pbsArgs) {
    PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
    List<String> args = new java.util.ArrayList<>(List.of("--config", config.toString(), "--pbs"));
    args.addAll(pbsArgs);
    return new EpilogCommand(err, err, (c, log) -> services(c, node), Clock.systemUTC()).run(args, Map.of());
  }

  /** The admin's sweep on a node, as they would type it. */
  int sweep(String node, boolean yes, PrintStream out) {
    List<String> args = new java.util.ArrayList<>(List.of("--config", config.toString(), "--sweep", "--node", node));
    if (yes) {
      args.add("--yes");
    }
    return new EpilogCommand(out, out, (c, log) -> services(c, node), Clock.systemUTC()).run(args, Map.of());
  }

  String log() {
    return log.toString(StandardCharsets.UTF_8);
  }

  /**
   * The batch host probes port 20222 of every VM for at most 1 s, and the VMs' addresses are on
   * loopback (pool 127.77.0.0/16): a VM answers where the test listens on its address.
   */
  void probePortsOnLoopback() throws IOException {
    Files.writeString(config, Files.readString(config)
        .replace("  mode: vxlan", "  mode: vxlan\n  subnetPool: 127.77.0.0/16")
        .replace("  readiness: [running]", "  readiness: [running, port]\n  port: 20222")
        .replace("  timeoutSeconds: 5", "  timeoutSeconds: 1"));
  }

  /** The log but its outcome lines (docs/hooks.md, "The outcome line"), one line each. */
  String prose() {
    return prose(log());
  }

  static String prose(String text) {
    return text.lines().filter(l -> !l.startsWith("{")).map(l -> l + "\n").collect(java.util.stream.Collectors.joining());
  }

  /** The outcome lines of the log: those that begin with "{". */
  static List<String> outcomeLines(String text) {
    return text.lines().filter(l -> l.startsWith("{")).toList();
  }

  @Override
  public void close() {
    keepAlive.domains().stream().filter(d -> d.name().startsWith("vc")).forEach(d -> keepAlive.remove(d.name()));
    keepAlive.close();
  }
}
