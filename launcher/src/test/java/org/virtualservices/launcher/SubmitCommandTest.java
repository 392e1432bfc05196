package org.virtualservices.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;

/**
 * {@code vcluster submit}, {@code status} and {@code cancel} in-process, with a fake
 * CommandRunner in place of Slurm's and PBS's commands (their real answers are played by the
 * session tests; here, what matters is what the commands ask and print).
 */
class SubmitCommandTest {

  @TempDir
  static Path dir;
  static Path slurmSite;
  static Path pbsSite;

  @BeforeAll
  static void sites() throws IOException {
    String common = String.join("\n",
        "images:",
        "  testapp: {disk: /img/testapp.qcow2}",
        "limits: {maxVmsPerNode: 4, maxVcpusPerVm: 16, maxMemoryMiBPerVm: 2048, minMemoryMiBPerVm: 128,"
            + " allocationRule: cpus}",
        "network: {subnetPrefix: 28}", "");
    slurmSite = Files.writeString(dir.resolve("slurm.yaml"), common + "submit: {scheduler: slurm}\n");
    pbsSite = Files.writeString(dir.resolve("pbs.yaml"), common + "submit: {scheduler: pbs}\n");
  }

  /** Answers by program; records every command. */
  static final class FakeScheduler implements CommandRunner {
    final List<Command> ran = new ArrayList<>();
    final Map<String, List<CommandResult>> answers = new java.util.HashMap<>();

    FakeScheduler answer(String program, int status, String stdout, String stderr) {
      answers.computeIfAbsent(program, p -> new ArrayList<>()).add(new CommandResult(Command.of(program), status,
          stdout, stderr));
      return this;
    }

    @Override
    public CommandResult run(Command c) {
      ran.add(c);
      List<CommandResult> q = answers.get(c.program());
      if (q == null || q.isEmpty()) {
        return new CommandResult(c, 127, "", "cannot start " + c.program());
      }
      CommandResult r = q.size() > 1 ? q.remove(0) : q.get(0);
      return new CommandResult(c, r.exitStatus(), r.stdout(), r.stderr());
    }

    List<String> argv(String program) {
      return ran.stream().filter(c -> c.program().equals(program)).findFirst().orElseThrow().argv();
    }
  }

  record Run(int code, String out, String err) {
  }

  private static Run submit(FakeScheduler runner, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new SubmitCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), env, runner, Clock.systemUTC(), d -> { },
        Path.of("/home/alice/work")).run(List.of(args));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Run status(FakeScheduler runner, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new StatusCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), env, runner, Clock.systemUTC()).run(List.of(args));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static final Map<String, String> ENV = Map.of("USER", "alice", "PATH", "/nonexistent");

  @Test
  void aBadRequestNeverReachesTheScheduler() {
    String[][] cases = {
        {"image: 'nosuch' is not in the site's catalog (known: testapp)", "--image", "nosuch"},
        {"vms: 99 VMs per node is outside the site's limit of 1 to 4", "--image", "testapp", "--vms", "99"},
        {"mem: invalid size 'lots'", "--image", "testapp", "--mem", "lots"},
        {"vcpus: invalid number of vCPUs '$(id)'", "--image", "testapp", "--vcpus", "$(id)"},
        {"image: missing; --vms asks for a virtual cluster", "--vms", "2"},
        {"nodes: '0' is not a whole number", "-N", "0", "--image", "testapp"},
        {"vms: 20 VMs in one job (1 on each of 20 nodes) is more than the site's /28 subnets hold", "-N", "20",
            "--image", "testapp"},
    };
    for (String[] c : cases) {
      FakeScheduler runner = new FakeScheduler();
      List<String> args = new ArrayList<>(List.of("--config", slurmSite.toString()));
      args.addAll(List.of(c).subList(1, c.length));
      args.add("job.sh");
      Run r = submit(runner, ENV, args.toArray(String[]::new));
      assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().startsWith("vcluster submit: " + c[0]), r.err());
      assertEquals(List.of(), runner.ran, "nothing run for " + args);
    }
  }

  @Test
  void withoutThePluginTheRequestGoesInTheComment() {
    FakeScheduler runner = new FakeScheduler().answer("sbatch", 0, "Usage: sbatch [OPTIONS(0)...]\n", "")
        .answer("sbatch", 0, "42\n", "");
    Run r = submit(runner, ENV, "--config", slurmSite.toString(), "-N", "2", "--image", "testapp", "--vcpus", "2",
        "--mem", "512M", "job.sh", "a b", "c");
    assertEquals(0, r.code(), r.err());
    assertEquals("42\n", r.out());
    assertEquals(List.of("sbatch", "--help"), runner.ran.get(0).argv());
    assertEquals(List.of("sbatch", "--parsable", "--chdir=/home/alice/work", "--nodes=2",
        "--comment=vc:image=testapp,vcpus=2,mem=512M", "job.sh", "a b", "c"), runner.ran.get(1).argv());
  }

  @Test
  void withThePluginTheVcOptions() {
    FakeScheduler runner = new FakeScheduler()
        .answer("sbatch", 0, "Options provided by plugins:\n      --vc-image=NAME         image of the site's catalog\n", "")
        .answer("sbatch", 0, "43\n", "");
    Run r = submit(runner, ENV, "--config", slurmSite.toString(), "--image", "testapp", "--vms", "2",
        "--job-name", "vc", "--output", "out.txt", "--native", "--time=10 --partition='p q'", "job.sh");
    assertEquals(0, r.code(), r.err());
    assertEquals(List.of("sbatch", "--parsable", "--chdir=/home/alice/work", "--job-name=vc",
        "--output=/home/alice/work/out.txt", "--vc-image=testapp", "--vc-vms=2", "--time=10", "--partition=p q",
        "job.sh"), runner.ran.get(1).argv());
  }

  @Test
  void pbsGetsItsVariableList() {
    FakeScheduler runner = new FakeScheduler().answer("qsub", 0, "77.pbs-head\n", "");
    Run r = submit(runner, ENV, "--config", pbsSite.toString(), "-N", "3", "--image", "testapp", "--mem", "1G",
        "job.sh");
    assertEquals(0, r.code(), r.err());
    assertEquals("77.pbs-head\n", r.out());
    assertEquals(List.of("qsub", "-d", "/home/alice/work", "-l", "nodes=3", "-v", "VC_IMAGE=testapp,VC_MEM=1G",
        "job.sh"), runner.ran.get(0).argv());
  }

  @Test
  void waitPrintsProgressAndTheEndAndExitsWithTheJobsCode() {
    FakeScheduler runner = new FakeScheduler().answer("sbatch", 0, "5\n", "")
        .answer("squeue", 0, "5|PENDING|Priority|0|alice|/home/alice/work\n", "")
        .answer("squeue", 0, "5|RUNNING|None|0|alice|/home/alice/work\n", "")
        .answer("squeue", 0, "5|FAILED|NonZeroExitCode|768|alice|/home/alice/work\n", "");
    Run r = submit(runner, ENV, "--config", slurmSite.toString(), "--wait", "job.sh");
    assertEquals(3, r.code(), r.err());
    assertEquals("5\njob 5 FAILED, exit code 3\n", r.out());
    assertEquals(String.join("\n", "vcluster submit: job 5 PENDING (QUEUED_ACTIVE), reason Priority",
        "vcluster submit: job 5 RUNNING", "vcluster submit: job 5 FAILED, reason NonZeroExitCode", ""), r.err());
  }

  @Test
  void sbatchRefusingIsExit1WithItsWords() {
    FakeScheduler runner = new FakeScheduler()
        .answer("sbatch", 1, "", "sbatch: error: Batch job submission failed: Invalid partition name specified\n");
    Run r = submit(runner, ENV, "--config", slurmSite.toString(), "-N", "2", "job.sh");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("Invalid partition name specified"), r.err());
    assertEquals(List.of("sbatch", "--parsable", "--chdir=/home/alice/work", "--nodes=2", "job.sh"),
        runner.ran.get(0).argv(), "a plain job: no sbatch --help asked");
  }

  @Test
  void pbsPathsLoseTheDrmaaHostPart() {
    FakeScheduler runner = new FakeScheduler().answer("qsub", 0, "78.pbs-head\n", "");
    Run r = submit(runner, ENV, "--config", pbsSite.toString(), "--output", "o.txt", "--job-name", "x", "job.sh");
    assertEquals(0, r.code(), r.err());
    assertEquals(List.of("qsub", "-N", "x", "-d", "/home/alice/work", "-o", "/home/alice/work/o.txt", "job.sh"),
        runner.ran.get(0).argv());
  }

  @Test
  void anUnreadableSiteConfigurationChecksTheSyntaxOnlyWithAWarning() {
    Map<String, String> env = Map.of("USER", "alice", "PATH", "/nonexistent", "VC_CONFIG", "/nonexistent/site.yaml");
    Run r = submit(new FakeScheduler(), env, "--image", "testapp", "job.sh");
    assertTrue(r.err().startsWith("vcluster submit: warning: the request was not checked against the site's policy"),
        r.err());
    // then auto finds no scheduler on that PATH
    assertEquals(1, r.code());
    assertTrue(r.err().contains("neither sbatch (Slurm) nor qsub (PBS) is on the PATH"), r.err());
  }

  @Test
  void autoPicksSlurmWhenSbatchIsOnThePath() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path sbatch = Files.writeString(bin.resolve("sbatch"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(sbatch, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path auto = Files.writeString(dir.resolve("auto.yaml"), "images: {testapp: {disk: /img/t.qcow2}}\n"
        + "submit: {slurmRequest: comment}\n");
    FakeScheduler runner = new FakeScheduler().answer("sbatch", 0, "9\n", "");
    Run r = submit(runner, Map.of("USER", "alice", "PATH", "/nonexistent:" + bin), "--config", auto.toString(),
        "--image", "testapp", "job.sh");
    assertEquals(0, r.code(), r.err());
    assertEquals(1, runner.ran.size(), "slurmRequest: comment asks no sbatch --help");
  }

  @Test
  void statusOfOneJobWithItsVmsFromTheReport() throws IOException {
    Path work = Files.createDirectories(dir.resolve("work"));
    Files.createDirectories(work.resolve("vcluster-8"));
    Files.writeString(work.resolve("vcluster-8/report.json"), "{\"job\": \"8\", \"nodes\": [{\"name\": \"vnode1\","
        + " \"vms\": [{\"name\": \"vc8-0\", \"ip\": \"10.111.0.2\"}, {\"name\": \"vc8-1\", \"ip\": \"10.111.0.3\"}]}]}");
    FakeScheduler runner = new FakeScheduler().answer("squeue", 0, "8|RUNNING|None|0|alice|" + work + "\n", "");
    Run r = status(runner, ENV, "--config", slurmSite.toString(), "8");
    assertEquals(0, r.code(), r.err());
    assertEquals("job 8 RUNNING\n  vc8-0 10.111.0.2 on vnode1\n  vc8-1 10.111.0.3 on vnode1\n", r.out());

    Run json = status(runner, Map.of("USER", "alice", "SLURM_JOB_ID", "8"), "--config", slurmSite.toString(), "--json");
    assertEquals(0, json.code(), json.err());
    JsonNode o = readJson(json.out());
    assertEquals("RUNNING", o.path("state").asText());
    assertEquals("RUNNING", o.path("drmaaState").asText());
    assertEquals("vc8-1", o.path("vms").get(1).path("name").asText());
    assertEquals(List.of("squeue", "--noheader", "--states=all", "--jobs=8", "--Format=JobID:|,State:|,Reason:|,"
        + "exit_code:|,UserName:|,WorkDir:"), runner.ran.get(1).argv());
  }

  @Test
  void statusWithoutAJobListsTheUsersJobs() {
    FakeScheduler runner = new FakeScheduler().answer("squeue", 0,
        "1|COMPLETED|None|0|alice|/w\n2|PENDING|JobHeldUser|0|alice|/w\n", "");
    Run r = status(runner, ENV, "--config", slurmSite.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode list = readJson(r.out());
    assertEquals(2, list.size());
    assertEquals(0, list.get(0).path("exitCode").asInt());
    assertEquals("USER_ON_HOLD", list.get(1).path("drmaaState").asText());
    assertEquals("--user=alice", runner.ran.get(0).argv().get(3));
  }

  @Test
  void statusOfAnUnknownJobIsExit1() {
    FakeScheduler runner = new FakeScheduler()
        .answer("squeue", 1, "", "slurm_load_jobs error: Invalid job id specified\n")
        .answer("sacct", 1, "", "Slurm accounting storage is disabled\n");
    Run r = status(runner, ENV, "--config", slurmSite.toString(), "999");
    assertEquals(1, r.code());
    assertEquals("vcluster status: job 999 is not known to Slurm (its history, sacct, could not tell: Slurm"
        + " accounting storage is disabled)\n", r.err());
  }

  private static JsonNode readJson(String s) {
    try {
      return new ObjectMapper().readTree(s);
    } catch (IOException e) {
      throw new AssertionError(s, e);
    }
  }
}
