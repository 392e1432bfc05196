package org.virtualservices.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;

/**
 * hostfile, exec, ssh and mpirun in-process, with a report folder as the prolog writes it, a fake
 * shell for the VMs, a fake scontrol/qstat and a recording terminal.
 */
class ClusterCommandsTest {

  @TempDir
  Path work;
  Path vcDir;
  FakeShell shell = new FakeShell();
  Map<String, String> env = new HashMap<>();
  List<List<String>> terminal = new ArrayList<>();
  List<List<String>> commands = new ArrayList<>();
  Map<String, CommandResult> scheduler = new HashMap<>();
  String caller = "alice";
  Tools.Scheduler kind = Tools.Scheduler.SLURM;

  record Run(int code, String out, String err) {}

  @BeforeEach
  void reportFolder() throws IOException {
    vcDir = report(work, "42", "vc42-0", "vc42-1", "vc42-2", "vc42-3");
    env.put("VC_DIR", vcDir.toString());
    env.put("SLURMD_NODENAME", "n1"); // the batch host, where the job script runs
  }

  /** A report folder as ReportWriter leaves it: two VMs per node on n1 and n2. */
  static Path report(Path work, String job, String... vms) throws IOException {
    Path dir = Files.createDirectories(work.resolve("vcluster-" + job));
    StringBuilder nodes = new StringBuilder();
    StringBuilder hostfile = new StringBuilder();
    for (int i = 0; i < vms.length; i++) {
      if (i % 2 == 0) {
        nodes.append(i == 0 ? "" : "]},").append("{\"name\": \"n").append(i / 2 + 1).append("\", \"vms\": [");
      } else {
        nodes.append(", ");
      }
      nodes.append("{\"name\": \"").append(vms[i]).append("\", \"ip\": \"10.42.0.").append(i + 1)
          .append("\", \"mac\": \"52:54:00:00:00:0").append(i).append("\", \"vcpus\": 2, \"memoryMiB\": 512,")
          .append(" \"console\": \"/var/lib/vcluster/jobs/").append(job).append("/n").append(i / 2 + 1).append('/')
          .append(vms[i]).append(".console.log\"}");
      hostfile.append(vms[i]).append(" slots=2\n");
    }
    nodes.append("]}");
    Files.writeString(dir.resolve("report.json"), "{\"job\": \"" + job + "\", \"user\": \"alice\", \"image\": \"testapp\","
        + " \"vni\": 42, \"subnet\": \"10.42.0.0/24\", \"gateway\": \"10.42.0.254\", \"batchHost\": \"n1\","
        + " \"login\": \"alice\", \"nodes\": [" + nodes + "], \"enter\": \"ssh -F x vc42-0\", \"files\": {},"
        + " \"timings\": {\"plan\": 0.01}}");
    Files.writeString(dir.resolve("hostfile"), hostfile.toString());
    Files.writeString(dir.resolve("ssh_config"), "Host vc42-*\n");
    Files.writeString(dir.resolve("id_ed25519"), "key");
    Files.writeString(dir.resolve("known_hosts"), "vc42-0,10.42.0.1 ssh-ed25519 AAAA\n");
    return dir;
  }

  Tools tools() {
    CommandRunner runner = c -> {
      commands.add(c.argv());
      return scheduler.getOrDefault(String.join(" ", c.argv()), new CommandResult(c, 1, "", "no such job"));
    };
    return new Tools(env, runner, caller, kind, "scontrol", "qstat", c -> shell, argv -> {
      terminal.add(argv);
      return 7;
    });
  }

  Run run(String sub, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    List<String> a = List.of(args);
    int code = switch (sub) {
      case "hostfile" -> new HostfileCommand(o, e, tools()).run(a);
      case "exec" -> new ExecCommand(o, e, tools()).run(a);
      case "ssh" -> new SshCommand(o, e, tools()).run(a);
      case "mpirun" -> new MpirunCommand(o, e, tools()).run(a);
      case "save" -> new SaveCommand(o, e, tools()).run(a);
      default -> throw new IllegalArgumentException(sub);
    };
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  // ---- where the cluster is found

  /** The TaskProlog's VC_DIR is the job's folder in the batch host's run tree, /run/vcluster/jobs/<job>. */
  @Test
  void vcDirInTheRunTreeIsFound() throws IOException {
    Path jobs = Files.createDirectories(work.resolve("run/jobs"));
    Files.move(vcDir, jobs.resolve("42"));
    env.put("VC_DIR", jobs.resolve("42").toString());
    Run r = run("hostfile");
    assertEquals(0, r.code(), r.err());
    assertEquals("vc42-0 slots=2", r.out().lines().findFirst().orElse(""), r.out());
  }

  // ---- save

  private void insideJob42(boolean userImages) throws IOException {
    env.clear();
    env.put("SLURM_JOB_ID", "42");
    env.put("SLURM_JOB_WORK_DIR", work.toString());
    Path site = Files.writeString(work.resolve("site.yaml"), "userImages:\n  enabled: " + userImages + "\n");
    env.put("VC_CONFIG", site.toString());
  }

  @Test
  void saveWritesTheRequestIntoTheJobsCopyAndTheLastCallWins() throws IOException {
    insideJob42(true);
    Run r = run("save", "first");
    assertEquals(0, r.code(), r.err());
    assertEquals("at the job's end, vc42-0 will be powered off and its disk saved as a new revision of user:first\n",
        r.out());
    assertEquals(0, run("save", "deb12-mine").code());
    assertEquals("deb12-mine\n", Files.readString(vcDir.resolve("save")));
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(vcDir.resolve("save"))));
    try (var s = Files.list(vcDir)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temporary file left");
    }
  }

  @Test
  void saveRefusesABadNameASiteWithoutUsersImagesAndAPlaceOutsideAJob() throws IOException {
    insideJob42(true);
    for (String bad : List.of("../x", "user:x", "a b", "x@2", "")) {
      Run r = run("save", bad);
      assertEquals(2, r.code(), bad);
      assertTrue(r.err().startsWith("vcluster save: invalid name to save as") || r.err().contains("empty value"),
          r.err());
    }
    assertEquals(2, run("save", "a", "b").code());
    insideJob42(false);
    Run r = run("save", "mine");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("vcluster save: this site keeps no users' images"), r.err());
    env.clear();
    r = run("save", "mine");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("not inside a job"), r.err());
    assertFalse(Files.exists(vcDir.resolve("save")), "nothing asked");
  }

  // ---- exec

  @Test
  void execRunsOnEveryVmWithEachLinePrefixed() {
    shell.answer("vc42-0", 0, "vc42-0").answer("vc42-1", 0, "vc42-1", "second line").answer("vc42-2", 0, "vc42-2")
        .answer("vc42-3", 0, "vc42-3");
    Run r = run("exec", "--", "hostname");
    assertEquals(0, r.code(), r.err());
    assertEquals(Set.of("vc42-0: vc42-0", "vc42-1: vc42-1", "vc42-1: second line", "vc42-2: vc42-2", "vc42-3: vc42-3"),
        Set.copyOf(r.out().lines().toList()));
    assertEquals("", r.err());
    assertEquals(4, shell.calls.size());
    assertTrue(shell.calls.contains("vc42-2@10.42.0.3 as alice: hostname"), shell.calls.toString());
    assertTrue(shell.closed);
  }

  @Test
  void execPrefixesStandardErrorToo() {
    shell.answerErr("vc42-1", 0, "a warning");
    Run r = run("exec", "--vm", "vc42-1", "--", "cmd");
    assertEquals("vc42-1: a warning\n", r.err());
  }

  @Test
  void execReturnsTheFirstNonZeroStatusInClusterOrderAndNamesEveryFailure() {
    shell.answer("vc42-1", 3).answer("vc42-3", 1).unreachable("vc42-2", "Connection refused");
    Run r = run("exec", "--all", "--", "false");
    assertEquals(3, r.code());
    assertEquals("vcluster exec: 3 of 4 VMs failed: vc42-1 (exit 3), vc42-2 (connect: Connection refused),"
        + " vc42-3 (exit 1)\n", r.err());
  }

  @Test
  void execGives255WhenTheFailedVmsCouldNotRunIt() {
    shell.unreachable("vc42-0", "timeout: socket is not established");
    Run r = run("exec", "--", "true");
    assertEquals(255, r.code());
    assertTrue(r.err().contains("1 of 4 VMs failed: vc42-0 (connect: timeout: socket is not established)"), r.err());
  }

  @Test
  void execTargetsTheNamedVmsInClusterOrder() {
    Run r = run("exec", "--vm", "vc42-3,vc42-1", "--vm", "vc42-0", "--", "uptime");
    assertEquals(0, r.code(), r.err());
    assertEquals(Set.of("vc42-0", "vc42-1", "vc42-3"),
        Set.copyOf(shell.calls.stream().map(c -> c.substring(0, c.indexOf('@'))).toList()));
  }

  @Test
  void execWithoutDashesTakesTheFirstNonOptionAsTheCommand() {
    Run r = run("exec", "--vm", "vc42-1", "ls", "-l", "/tmp");
    assertEquals(0, r.code(), r.err());
    assertEquals(List.of("vc42-1@10.42.0.2 as alice: ls -l /tmp"), shell.calls);
  }

  static Stream<Arguments> usageErrors() {
    return Stream.of(
        Arguments.of("exec", List.of(), "no command to run"),
        Arguments.of("exec", List.of("--vm", "vc42-0"), "no command to run"),
        Arguments.of("exec", List.of("--"), "no command to run"),
        Arguments.of("exec", List.of("--vm", "vc42-9", "--", "true"), "no VM 'vc42-9' in the cluster of job 42 (vc42-0, vc42-1, vc42-2, vc42-3)"),
        Arguments.of("exec", List.of("--vm", "vc42-0", "--all", "--", "true"), "--vm and --all exclude each other"),
        Arguments.of("exec", List.of("--timeout", "soon", "--", "true"), "--timeout wants a positive number of seconds, not 'soon'"),
        Arguments.of("exec", List.of("--timeout", "0", "--", "true"), "--timeout wants a positive number"),
        Arguments.of("exec", List.of("--bogus", "--", "true"), "Unrecognized option: --bogus"),
        Arguments.of("exec", List.of("stray", "--", "true"), "unexpected 'stray' before --"),
        Arguments.of("exec", List.of("--vm"), "Missing argument for option: vm"),
        Arguments.of("hostfile", List.of("extra"), "unexpected argument 'extra'"),
        Arguments.of("hostfile", List.of("--job"), "Missing argument for option: job"),
        Arguments.of("ssh", List.of("vc42-0", "vc42-1"), "one VM at most"),
        Arguments.of("ssh", List.of("vc42-7"), "no VM 'vc42-7'"),
        Arguments.of("ssh", List.of("vc42-0", "--"), "no command after --"),
        Arguments.of("mpirun", List.of(), "no program to run"),
        Arguments.of("mpirun", List.of("--copy", "/no/such/file", "./a"), "--copy /no/such/file: not a readable file"),
        Arguments.of("mpirun", List.of("--timeout", "-3", "./a"), "--timeout wants a positive number of seconds, not '-3'"),
        Arguments.of("mpirun", List.of("--job"), "--job needs a value"),
        Arguments.of("exec", List.of("--job", "42;rm", "--", "true"), "'42;rm' is not a job id"));
  }

  @ParameterizedTest
  @MethodSource("usageErrors")
  void usageErrorsExit2WithOneLineAndRunNothing(String sub, List<String> args, String message) {
    Run r = run(sub, args.toArray(String[]::new));
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("vcluster " + sub + ": ") && r.err().contains(message), r.err());
    assertEquals(List.of(), shell.calls);
    assertEquals(List.of(), terminal);
  }

  // ---- finding the cluster

  @Test
  void outsideAJobWithoutJobIsAUsageError() {
    env.clear();
    Run r = run("hostfile");
    assertEquals(2, r.code());
    assertEquals("vcluster hostfile: not inside a job (no VC_DIR, SLURM_JOB_ID or PBS_JOBID): give --job ID\n", r.err());
  }

  @Test
  void aJobWithoutAVirtualClusterSaysWhereItLooked() {
    env.clear();
    env.put("SLURM_JOB_ID", "43");
    env.put("SLURM_SUBMIT_DIR", work.toString());
    Run r = run("exec", "--", "true");
    assertEquals(1, r.code());
    assertEquals("vcluster exec: job 43 has no virtual cluster: no vcluster-43/report.json in " + work + "\n", r.err());
  }

  @Test
  void insideASlurmJobWithoutVcDirScontrolsWorkDirWinsOverTheSubmitFolder() {
    env.clear();
    env.put("SLURM_JOB_ID", "42");
    env.put("SLURM_SUBMIT_DIR", "/somewhere/else");
    scheduler.put("scontrol show job -o 42",
        new CommandResult(Command.of("scontrol"), 0, String.format(SCONTROL, work), ""));
    Run r = run("hostfile");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("vc42-0 slots=2"), r.out());
  }

  @Test
  void aJobWhosePrologRefusedShowsTheReason() throws IOException {
    Files.createDirectories(work.resolve("vcluster-44"));
    Files.writeString(work.resolve("vcluster-44/ERROR"), "image 'nope' is not in the site's catalog\n");
    env.clear();
    env.put("SLURM_JOB_ID", "44");
    env.put("SLURM_JOB_WORK_DIR", work.toString());
    Run r = run("hostfile");
    assertEquals(1, r.code());
    assertEquals("vcluster hostfile: job 44 has no virtual cluster: image 'nope' is not in the site's catalog\n", r.err());
  }

  @Test
  void insideAPbsJobTheWorkDirComesFromPbsOWorkdir() {
    env.clear();
    env.put("PBS_JOBID", "42");
    env.put("PBS_O_WORKDIR", work.toString());
    Run r = run("hostfile");
    assertEquals(0, r.code(), r.err());
  }

  static final String SCONTROL = "JobId=42 JobName=mpi.sh UserId=alice(1001) GroupId=alice(1001) MCS_label=N/A"
      + " Priority=4294901758 Nice=0 Account=(null) QOS=(null) JobState=RUNNING Reason=None Dependency=(null)"
      + " Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:12 TimeLimit=UNLIMITED"
      + " NodeList=n[1-2] BatchHost=n1 NumNodes=2 NumCPUs=4 NumTasks=2 CPUs/Task=1 ReqB:S:C:T=0:0:*:*"
      + " TRES=cpu=4,mem=1000M,node=2,billing=4 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=*"
      + " Command=/home/alice/mpi.sh WorkDir=%s StdErr=/home/alice/slurm-42.out StdIn=/dev/null"
      + " StdOut=/home/alice/slurm-42.out Power= Comment=vc:image=testapp";

  @Test
  void scontrolsOneLineFormIsReadFieldByField() {
    Map<String, String> f = ClusterLocator.parseScontrol(String.format(SCONTROL, "/home/alice/my jobs") + "\n");
    assertEquals("alice(1001)", f.get("UserId"));
    assertEquals("/home/alice/my jobs", f.get("WorkDir"));
    assertEquals("cpu=4,mem=1000M,node=2,billing=4", f.get("TRES"));
    assertEquals("", f.get("Power"));
    assertEquals("0:0:*:*", f.get("NtasksPerN:B:S:C"));
    assertEquals("vc:image=testapp", f.get("Comment"));
  }

  @Test
  void withJobTheWorkDirComesFromScontrol() {
    env.clear();
    scheduler.put("scontrol show job -o 42",
        new CommandResult(Command.of("scontrol"), 0, String.format(SCONTROL, work), ""));
    Run r = run("hostfile", "--job", "42");
    assertEquals(0, r.code(), r.err());
    assertEquals("vc42-0 slots=2\nvc42-1 slots=2\nvc42-2 slots=2\nvc42-3 slots=2\n", r.out());
    assertEquals(List.of(List.of("scontrol", "show", "job", "-o", "42")), commands);
  }

  @Test
  void anotherUsersJobIsRefused() {
    caller = "mallory";
    scheduler.put("scontrol show job -o 42",
        new CommandResult(Command.of("scontrol"), 0, String.format(SCONTROL, work), ""));
    Run r = run("exec", "--job", "42", "--", "true");
    assertEquals(2, r.code());
    assertEquals("vcluster exec: job 42 belongs to alice, not to mallory\n", r.err());
    assertEquals(List.of(), shell.calls);
  }

  @Test
  void anUnknownJobReportsWhatScontrolSaid() {
    scheduler.put("scontrol show job -o 9", new CommandResult(Command.of("scontrol"), 1, "",
        "slurm_load_jobs error: Invalid job id specified\n"));
    Run r = run("hostfile", "--job", "9");
    assertEquals(1, r.code());
    assertEquals("vcluster hostfile: job 9: scontrol show job failed (exit 1): slurm_load_jobs error: Invalid job id specified\n",
        r.err());
  }

  @Test
  void withJobUnderPbsTheWorkDirAndOwnerComeFromQstat() {
    kind = Tools.Scheduler.PBS;
    scheduler.put("qstat -f 42.server", new CommandResult(Command.of("qstat"), 0, String.join("\n",
        "Job Id: 42.server", "    Job_Name = mpi.sh", "    Job_Owner = alice@login1", "    job_state = R",
        "    Variable_List = PBS_O_HOME=/home/alice,PBS_O_WORKDIR=" + work + ",VC_IMAGE=testapp", ""), ""));
    Path pbsDir = work.resolve("vcluster-42.server");
    try {
      Files.move(vcDir, pbsDir);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    Run r = run("hostfile", "--job", "42.server");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("vc42-0 slots=2\n"), r.out());
  }

  // ---- hostfile, ssh, mpirun

  @Test
  void hostfilePrintsTheJobsHostfile() {
    Run r = run("hostfile");
    assertEquals(0, r.code(), r.err());
    assertEquals("vc42-0 slots=2\nvc42-1 slots=2\nvc42-2 slots=2\nvc42-3 slots=2\n", r.out());
  }

  @Test
  void sshWithoutACommandHandsTheTerminalToOpenSshWithTheGeneratedConfig() {
    Run r = run("ssh");
    assertEquals(7, r.code(), "the exit code of ssh");
    assertEquals(List.of(List.of("ssh", "-F", vcDir.resolve("ssh_config").toString(), "vc42-0")), terminal);
    run("ssh", "vc42-2");
    assertEquals(List.of("ssh", "-F", vcDir.resolve("ssh_config").toString(), "vc42-2"), terminal.get(1));
    assertEquals(List.of(), shell.calls);
  }

  @Test
  void sshWithACommandRunsItUnprefixedAndReturnsItsStatus() {
    shell.answer("vc42-1", 4, "plain line");
    Run r = run("ssh", "vc42-1", "--", "sh", "-c", "exit 4");
    assertEquals(4, r.code());
    assertEquals("plain line\n", r.out());
    assertEquals(List.of("vc42-1@10.42.0.2 as alice: sh -c exit 4"), shell.calls);
    assertEquals(List.of(), terminal);
    shell.unreachable("vc42-0", "Auth fail");
    Run head = run("ssh", "--", "true");
    assertEquals(255, head.code());
    assertTrue(head.err().contains("vc42-0") && head.err().contains("Auth fail"), head.err());
  }

  @Test
  void mpirunCopiesToEveryVmThenRunsMpirunOnTheHeadWithTheHostfile() throws IOException {
    Path app = Files.writeString(work.resolve("app"), "binary");
    Path input = Files.writeString(work.resolve("input.dat"), "data");
    shell.answer("vc42-0", 0, "rank 0 of 8", "rank 1 of 8");
    Run r = run("mpirun", "--copy", app.toString(), "--copy=" + input, "-np", "8", "./app", "--size", "10");
    assertEquals(0, r.code(), r.err());
    assertEquals("rank 0 of 8\nrank 1 of 8\n", r.out());
    assertEquals(8, shell.uploads.size());
    assertTrue(shell.uploads.containsAll(List.of("vc42-3:app <- app", "vc42-3:input.dat <- input.dat", "vc42-0:app <- app")));
    assertEquals(List.of("vc42-0@10.42.0.1 as alice: mpirun --hostfile /etc/vcluster/hostfile -np 8 ./app --size 10"),
        shell.calls);
  }

  @Test
  void mpirunReturnsMpirunsExitStatusAndKeepsAHostfileTheUserGave() {
    shell.answer("vc42-0", 137);
    Run r = run("mpirun", "--", "--hostfile", "mine", "-np", "2", "/bin/true");
    assertEquals(137, r.code());
    assertEquals(List.of("vc42-0@10.42.0.1 as alice: mpirun --hostfile mine -np 2 /bin/true"), shell.calls);
  }

  @Test
  void mpirunStopsWhenACopyFailsAndNamesTheVm() throws IOException {
    Path app = Files.writeString(work.resolve("app"), "binary");
    shell.uploadFails("vc42-2", "No space left on device");
    Run r = run("mpirun", "--copy", app.toString(), "./app");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("vcluster mpirun: copying app: 1 of 4 VMs failed: vc42-2 (copy "), r.err());
    assertTrue(r.err().contains("No space left on device"), r.err());
    assertEquals(List.of(), shell.calls, "mpirun is not started");
  }

  @Test
  void theDispatcherKnowsTheSubcommands() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Vcluster v = new Vcluster(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
    for (String sub : List.of("hostfile", "exec", "ssh", "mpirun")) {
      assertEquals(0, v.run(List.of(sub, "--help")), sub);
    }
    assertEquals(2, v.run(List.of("exec")), "no command");
  }
}
