package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A user's mistake never drains a node (docs/hooks.md, "Exit codes" and "Threat model"): bad
 * requests through every channel a user has (the job comment, the SPANK variables, the PBS
 * variable list), and the job facts a user controls (their name, their working folder, what they
 * put in the report folder), each run through the real prolog command in-process against
 * test:///default, as slurmd or pbs_mom would call it. Every one must exit 0 (Slurm; non-zero
 * drains the node) or 1 (PBS; aborts the job without requeue), tell the user in a short ERROR
 * that names what was wrong, print no stack trace, repeat no long value and no raw control
 * character, and leave nothing: no domain, nothing in the state folder, no network.
 */
class BadRequestTableTest {

  private static final String JOB = "4711";
  private static final String PBS_JOB = "4711.head";
  private static final String LONG = "9".repeat(100_000);
  private static final String FORGED = "2026-12-03T00:00:00Z vcluster-prolog[1] sim1 INFO: prolog done";

  enum Channel { COMMENT, SPANK, SLURM_ENV, PBS_LIST, PBS_ENV, REPORT_FOLDER }

  /**
   * @param input the comment (COMMENT), or variables to set in the hook's environment or the
   *     job's PBS variable list
   * @param named what the ERROR (or, with no ERROR possible, the log) must say
   * @param error whether an ERROR can be written (not when the working folder itself is the fault)
   */
  record Case(String name, Channel channel, Map<String, String> input, String named, boolean error) {
    @Override
    public String toString() {
      return channel + ": " + name;
    }
  }

  static Case comment(String name, String comment, String named) {
    return new Case(name, Channel.COMMENT, Map.of("SLURM_JOB_COMMENT", comment), named, true);
  }

  static Case spank(String name, String named, String... kv) {
    return new Case(name, Channel.SPANK, vars(kv), named, true);
  }

  static Case pbs(String name, String named, String... kv) {
    return new Case(name, Channel.PBS_LIST, vars(kv), named, true);
  }

  static Map<String, String> vars(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static Stream<Case> cases() {
    return Stream.of(
        // the comment: syntax
        comment("a word for a number", "vc:image=tiny,vcpus=two", "vcpus: invalid number of vCPUs 'two'"),
        comment("zero vCPUs", "vc:image=tiny,vcpus=0", "vcpus: number of vCPUs '0' is outside"),
        comment("negative vCPUs", "vc:image=tiny,vcpus=-1", "vcpus: invalid number"),
        comment("vCPUs beyond an int", "vc:image=tiny,vcpus=99999999999", "vcpus: invalid number"),
        comment("an unknown unit", "vc:image=tiny,mem=2X", "mem: invalid size '2X'"),
        comment("a fraction", "vc:image=tiny,mem=2.5G", "mem: invalid size '2.5G'"),
        comment("zero memory", "vc:image=tiny,mem=0", "mem: size '0' is zero"),
        comment("memory beyond 16 TiB", "vc:image=tiny,mem=99999999T", "mem: size '99999999T' is more than"),
        comment("memory not whole MiB", "vc:image=tiny,mem=1K", "mem: size '1K' is not a whole number of MiB"),
        comment("a dotless i", "vc:image=tiny,mem=2\u0131", "mem: invalid size"),
        comment("two equals signs", "vc:image=tiny,mem=2G=3", "mem: invalid size '2G=3'"),
        comment("a word for VMs", "vc:image=tiny,vms=many", "vms: invalid number of VMs per node 'many'"),
        comment("zero VMs", "vc:image=tiny,vms=0", "vms: number of VMs per node '0' is outside"),
        comment("an unknown key", "vc:image=tiny,memory=2G", "unknown key 'memory'"),
        comment("a key in capitals", "vc:IMAGE=tiny", "unknown key 'IMAGE'"),
        comment("a repeated key", "vc:image=tiny,vcpus=2,vcpus=3", "vcpus: given twice ('2' and '3')"),
        comment("a trailing comma", "vc:image=tiny,", "comment: empty item in 'vc:image=tiny,'"),
        comment("a leading comma", "vc:,image=tiny", "comment: empty item"),
        comment("two commas", "vc:image=tiny,,vms=1", "comment: empty item"),
        comment("nothing after vc:", "vc:", "comment: 'vc:' says nothing"),
        comment("a key without a value", "vc:image", "comment: 'image' in 'vc:image' is not key=value"),
        comment("a value without a key", "vc:=tiny", "unknown key ''"),
        comment("an empty value", "vc:image=tiny,vcpus=", "vcpus: empty value"),
        comment("a space in a value", "vc:image=tiny,vcpus= 2", "vcpus: empty value"),
        comment("two requests", "vc:image=tiny vc:image=tiny", "comment: more than one 'vc:' request"),
        comment("a path for an image", "vc:image=../../etc/passwd", "image: invalid image name '../../etc/passwd'"),
        comment("an escape sequence", "vc:image=ti\u001b[2Jny", "image: invalid image name 'ti\\x1b[2Jny'"),
        comment("a forged log line", "vc:image=tiny\n" + FORGED + " vc:x", "more than one 'vc:' request"),
        comment("a line separator", "vc:image=tiny,mem=1\u2028" + FORGED, "mem: invalid size '1\\u2028"),
        comment("a next-line character", "vc:image=tiny,mem=1\u0085x", "mem: invalid size '1\\x85x'"),
        comment("a 100 kB number", "vc:image=tiny,vcpus=" + LONG, "vcpus: invalid number of vCPUs '9999"),
        comment("a 100 kB key", "vc:image=tiny," + "k".repeat(100_000) + "=1", "(100000 bytes)"),
        comment("a 100 kB image", "vc:image=" + "x".repeat(100_000), "(100000 bytes)"),
        comment("a relative folder", "vc:image=tiny,mounts=rel/dir", "mounts: invalid folder 'rel/dir'"),
        comment("a folder that climbs", "vc:image=tiny,mounts=/scratch/../etc", "mounts: folder '/scratch/../etc' has"
            + " a '..' part"),
        comment("a folder with a shell word", "vc:image=tiny,mounts=/a$(id)", "mounts: invalid folder '/a$(id)'"),
        comment("none and a folder", "vc:image=tiny,mounts=none:/a", "mounts: invalid folder 'none'"),
        comment("nine folders", "vc:image=tiny,mounts=/1:/2:/3:/4:/5:/6:/7:/8:/9", "mounts: 9 folders, more than"),
        // the comment: the site's policy
        comment("a folder where the site shares none", "vc:image=tiny,mounts=/scratch/x",
            "mounts: this site shares no host folders into the VMs"),
        comment("an image not in the catalog", "vc:image=nope", "image: 'nope' is not in the site's catalog"),
        comment("a user's image where the site allows none", "vc:image=user:mine",
            "image: 'user:mine': this site does not let users boot images of their own"),
        comment("a user's image at revision 0", "vc:image=user:mine@0", "image: invalid user image 'user:mine@0'"),
        comment("a user's image that climbs", "vc:image=user:../../etc", "image: invalid user image 'user:../../etc'"),
        comment("no image", "vc:vcpus=2", "image: not given"),
        comment("a job to restore that climbs", "vc:restore=../x", "restore: invalid job to restore '../x'"),
        comment("a checkpoint that is not there", "vc:image=tiny,restore=900", "restore: job 900 has no checkpoint of"
            + " yours to restore (for node 1 of this job's"),
        comment("beyond the vCPU limit", "vc:image=tiny,vcpus=1000", "vcpus: 1000 is outside the site's limit"),
        comment("beyond the VM limit", "vc:image=tiny,vms=100", "vms: 100 VMs per node is outside the site's limit"),
        comment("below the memory limit", "vc:image=tiny,mem=1", "mem: 1M is outside the site's limit"),
        comment("beyond the allocation", "vc:image=tiny,vcpus=2,vms=2", "where the job has 2 CPU(s)"),
        // the SPANK variables (the plugin checks them at submission; the prolog does not trust it)
        spank("a word for a number", "vc-vcpus: invalid number", "SPANK_VC_IMAGE", "tiny", "SPANK_VC_VCPUS", "two"),
        spank("an unknown unit", "vc-mem: invalid size '2X'", "SPANK_VC_IMAGE", "tiny", "SPANK_VC_MEM", "2X"),
        spank("zero VMs", "vc-vms: number of VMs per node '0'", "SPANK_VC_IMAGE", "tiny", "SPANK_VC_VMS", "0"),
        spank("an empty image", "vc-image: empty value", "SPANK_VC_IMAGE", ""),
        spank("a user's image with a slash", "vc-image: invalid user image 'user:a/b'", "SPANK_VC_IMAGE", "user:a/b"),
        spank("a leading space", "vc-vcpus: value ' 2' has leading", "SPANK_VC_IMAGE", "tiny", "SPANK_VC_VCPUS", " 2"),
        spank("a newline", "vc-mem: invalid size '1\\n2026", "SPANK_VC_IMAGE", "tiny", "SPANK_VC_MEM", "1\n" + FORGED),
        spank("a 100 kB image", "vc-image: invalid image name", "SPANK_VC_IMAGE", "x".repeat(100_000)),
        // restore=JOBID: a job id, nothing else, and only a checkpoint of the user's own
        spank("a job to restore that climbs", "vc-restore: invalid job to restore '1/../../etc'", "SPANK_VC_RESTORE",
            "1/../../etc"),
        spank("a checkpoint that is not there", "restore: job 4242 has no checkpoint of yours to restore",
            "SPANK_VC_RESTORE", "4242"),
        spank("restoring itself", "restore: job 4711 is this job", "SPANK_VC_RESTORE", "4711"),
        spank("an image not in the catalog", "image: 'nope' is not in", "SPANK_VC_IMAGE", "nope"),
        spank("a folder with a newline", "vc-mount: invalid folder '/a\\n2026", "SPANK_VC_IMAGE", "tiny",
            "SPANK_VC_MOUNT", "/a\n" + FORGED),
        spank("an empty folder list", "vc-mount: empty value", "SPANK_VC_IMAGE", "tiny", "SPANK_VC_MOUNT", ""),
        spank("no image", "image: not given", "SPANK_VC_VCPUS", "1"),
        spank("a paragraph separator", "vc-image: value 'tiny\\u2029' has leading or trailing spaces", "SPANK_VC_IMAGE", "tiny\u2029"),
        // what else the user controls in a Slurm job
        new Case("a user name with @", Channel.SLURM_ENV, vars("SLURM_JOB_USER", "alice@ad.example.org",
            "SLURM_JOB_COMMENT", "vc:image=tiny"), "user name 'alice@ad.example.org' cannot be a login", true),
        new Case("a user name with a newline", Channel.SLURM_ENV, vars("SLURM_JOB_USER", "bob\n" + FORGED,
            "SLURM_JOB_COMMENT", "vc:image=tiny"), "user name 'bob\\n2026", true),
        new Case("a working folder that is missing", Channel.SLURM_ENV, vars("SLURM_JOB_WORK_DIR", "/nonexistent/run",
            "SLURM_JOB_COMMENT", "vc:image=tiny"), "working folder: /nonexistent/run does not exist", false),
        new Case("a working folder that is a file", Channel.SLURM_ENV, vars("SLURM_JOB_WORK_DIR", "FILE",
            "SLURM_JOB_COMMENT", "vc:image=tiny"), "is not a folder", false),
        new Case("a hostfile that is a folder", Channel.REPORT_FOLDER, vars("SLURM_JOB_COMMENT", "vc:image=tiny"),
            "could not write", true),
        // PBS: the job's variable list, read with qstat -f
        pbs("a word for a number", "VC_VCPUS: invalid number of vCPUs 'two'", "VC_IMAGE", "tiny", "VC_VCPUS", "two"),
        pbs("a restore under PBS", "restore: jobs are checkpointed under Slurm only", "VC_RESTORE", "42"),
        pbs("a unit with a space", "VC_MEM: invalid size '2 GB'", "VC_IMAGE", "tiny", "VC_MEM", "2 GB"),
        pbs("negative VMs", "VC_VMS: invalid number", "VC_IMAGE", "tiny", "VC_VMS", "-2"),
        pbs("an empty image", "VC_IMAGE: empty value", "VC_IMAGE", ""),
        pbs("an image not in the catalog", "image: 'nope' is not in", "VC_IMAGE", "nope"),
        pbs("no image", "image: not given", "VC_VCPUS", "1"),
        pbs("beyond the VM limit", "vms: 100 VMs per node is outside", "VC_IMAGE", "tiny", "VC_VMS", "100"),
        pbs("a folder given twice", "VC_MOUNTS: folder '/a' given twice", "VC_IMAGE", "tiny", "VC_MOUNTS", "/a:/a"),
        pbs("an escape sequence", "VC_IMAGE: invalid image name 'ti\\x1b[2Jny'", "VC_IMAGE", "ti\u001b[2Jny"),
        pbs("a 100 kB number", "(100000 bytes)", "VC_IMAGE", "tiny", "VC_MEM", LONG),
        // PBS: a site wrapper that passes the variables in the environment
        new Case("a newline", Channel.PBS_ENV, vars("VC_IMAGE", "tiny", "VC_MEM", "1\n" + FORGED),
            "VC_MEM: invalid size '1\\n2026", true));
  }

  @TempDir
  Path tmp;
  SimulatedCluster cluster;

  @AfterEach
  void down() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void aUsersMistakeIsToldToTheUserAndDrainsNothing(Case c) throws IOException {
    boolean pbs = c.channel() == Channel.PBS_LIST || c.channel() == Channel.PBS_ENV;
    String job = pbs ? PBS_JOB : JOB;
    int status = pbs ? pbsProlog(c) : slurmProlog(c);
    String log = cluster.log();

    assertEquals(pbs ? 1 : 0, status, (pbs ? "PBS: 1 aborts the job without requeue" : "Slurm: 0 keeps the node")
        + "\n" + log);
    // no stack trace, nothing long, nothing that forges a line
    assertFalse(log.contains("Exception in thread"), log);
    assertFalse(log.lines().anyMatch(l -> l.matches("\\s+at [\\w.$]+\\(.*")), "a stack trace:\n" + log);
    String prose = SimulatedCluster.prose(log);
    assertTrue(prose.lines().allMatch(l -> l.startsWith("20") && l.contains(" vcluster-prolog[")), "a line not ours:\n"
        + log);
    assertTrue(prose.lines().allMatch(l -> l.length() <= 700), "a log line over 700 characters:\n" + log);
    assertTrue(prose.lines().count() <= 20, "more than 20 log lines:\n" + log);
    // and one outcome line: the user's error, one line of at most MESSAGE_CHARS of message
    List<String> outcome = SimulatedCluster.outcomeLines(log);
    assertEquals(1, outcome.size(), "one outcome line:\n" + log);
    assertTrue(outcome.get(0).contains("\"outcome\":\"user-error\""), outcome.get(0));
    assertTrue(outcome.get(0).length() <= 3000, "an outcome line over 3,000 characters:\n" + outcome.get(0));
    assertNoRawControl(log, "the log");

    // root writes the ERROR in the job's folder of the batch host's run tree (VC_DIR), and a child
    // running as the user copies it into the working folder, unless the fault is that copy itself
    Path error = c.channel() == Channel.REPORT_FOLDER
        ? cluster.root.resolve("run").resolve("sim1").resolve("jobs").resolve(job).resolve("ERROR")
        : cluster.workDir.resolve("vcluster-" + job).resolve("ERROR");
    if (c.error()) {
      assertTrue(Files.isRegularFile(error), "no ERROR for the user:\n" + log);
      String text = Files.readString(error, StandardCharsets.UTF_8);
      assertTrue(text.contains(c.named()), "ERROR does not say '" + c.named() + "':\n" + text);
      assertTrue(text.lines().count() <= 3 && text.length() <= 600, "ERROR is long:\n" + text);
      assertNoRawControl(text, "ERROR");
      assertEquals(cluster.uid, Files.getAttribute(error, "unix:uid"), "the ERROR is the user's to read");
    } else {
      assertTrue(log.contains(c.named()), "the log does not say '" + c.named() + "':\n" + log);
    }
    // nothing made, nothing left
    assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().startsWith("vc4711-")),
        "a domain was left: " + cluster.keepAlive.domains());
    assertTrue(cluster.fabrics.values().stream().allMatch(f -> f.specs().isEmpty()), "a network was left");
    for (String sub : List.of("jobs", "evidence")) {
      Path dir = cluster.stateDir.resolve(sub);
      if (Files.exists(dir)) {
        try (Stream<Path> in = Files.list(dir)) {
          assertEquals(List.of(), in.toList(), "left in the state folder's " + sub);
        }
      }
    }
  }

  private int slurmProlog(Case c) throws IOException {
    cluster = new SimulatedCluster(tmp, List.of("sim1", "sim2"), "limits:\n  maxVcpusPerVm: 16\n  maxVmsPerNode: 4");
    Map<String, String> env = cluster.slurmEnv(JOB, "sim1", null, false);
    for (Map.Entry<String, String> e : c.input().entrySet()) {
      env.put(e.getKey(), e.getValue().equals("FILE")
          ? Files.writeString(tmp.resolve("a-file"), "").toString() : e.getValue());
    }
    if (c.channel() == Channel.REPORT_FOLDER) {
      // the user made a folder, with a file in it, where the prolog writes the hostfile
      Path hostfile = Files.createDirectories(cluster.workDir.resolve("vcluster-" + JOB + "/hostfile"));
      Files.writeString(hostfile.resolve("mine"), "the user's own");
    }
    return cluster.prolog("sim1", env);
  }

  /** As PbsSimulationTest: the node file in aux/, the variable list from a qstat script. */
  private int pbsProlog(Case c) throws IOException {
    String host = InetAddress.getLocalHost().getHostName();
    Path torque = Files.createDirectories(tmp.resolve("torque/aux"));
    Path qstat = tmp.resolve("qstat");
    cluster = new SimulatedCluster(tmp.resolve("c"), List.of(host), String.join("\n",
        "pbs:", "  home: " + torque.getParent(), "  qstat: " + qstat, "limits:", "  maxVmsPerNode: 4"));
    Files.writeString(torque.resolve(PBS_JOB), host + "\n" + host + "\n");
    List<String> list = new ArrayList<>(List.of("PBS_O_QUEUE=batch", "PBS_O_WORKDIR=" + cluster.workDir));
    if (c.channel() == Channel.PBS_LIST) {
      c.input().forEach((k, v) -> list.add(k + "=" + v.replace(",", "\\,")));
    }
    Files.writeString(tmp.resolve("qstat.out"), String.join("\n", "Job Id: " + PBS_JOB, "    Job_Name = vcjob",
        "    Job_Owner = " + cluster.user + "@login1", "    job_state = R",
        "    Variable_List = " + String.join(",", list), "    euser = " + cluster.user, ""), StandardCharsets.UTF_8);
    Files.writeString(qstat, "#!/bin/sh\ncat " + tmp.resolve("qstat.out") + "\n");
    Files.setPosixFilePermissions(qstat, PosixFilePermissions.fromString("rwxr-xr-x"));
    String group = Files.readAllLines(Path.of("/etc/group")).stream()
        .filter(l -> l.split(":")[2].equals(String.valueOf(cluster.gid))).map(l -> l.split(":")[0])
        .findFirst().orElseThrow();
    List<String> args = List.of(PBS_JOB, cluster.user, group, "vcjob", "nodes=1:ppn=2", "batch", "acct");
    if (c.channel() == Channel.PBS_ENV) {
      Map<String, String> env = new LinkedHashMap<>(c.input());
      env.put("PBS_O_WORKDIR", cluster.workDir.toString());
      return cluster.pbsProlog(host, args, env);
    }
    return cluster.pbsProlog(host, args);
  }

  static void assertNoRawControl(String text, String what) {
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      boolean control = (ch < 0x20 && ch != '\n') || ch == 0x7f || (ch >= 0x80 && ch < 0xa0) || ch == 0x2028
          || ch == 0x2029 || (ch >= 0x202a && ch <= 0x202e);
      assertFalse(control, what + " holds a raw control character U+" + Integer.toHexString(ch) + ":\n" + text);
    }
  }
}
