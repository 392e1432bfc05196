package org.virtualservices.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;

/**
 * {@code vcluster console} and the way from a login node to the batch host ({@link InJob}),
 * in-process with the report folder of ClusterCommandsTest, a fake scontrol and a recording terminal.
 */
class ConsoleCommandTest {

  @TempDir
  Path work;
  Map<String, String> env = new HashMap<>();
  List<List<String>> terminal = new ArrayList<>();
  Map<String, CommandResult> scheduler = new HashMap<>();
  String caller = "alice";
  Tools.Scheduler kind = Tools.Scheduler.SLURM;

  record Run(int code, String out, String err) {}

  @BeforeEach
  void reportFolder() throws IOException {
    env.put("VC_DIR", ClusterCommandsTest.report(work, "42", "vc42-0", "vc42-1", "vc42-2", "vc42-3").toString());
    env.put("SLURMD_NODENAME", "n1");
  }

  Run run(String sub, String... args) {
    CommandRunner runner = c -> scheduler.getOrDefault(String.join(" ", c.argv()),
        new CommandResult(c, 1, "", "no such job"));
    Tools tools = new Tools(env, runner, caller, kind, "scontrol", "qstat", c -> {
      throw new AssertionError("no SSH from here");
    }, argv -> {
      terminal.add(argv);
      return 0;
    });
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    int code = switch (sub) {
      case "console" -> new ConsoleCommand(o, e, tools).run(List.of(args));
      case "exec" -> new ExecCommand(o, e, tools).run(List.of(args));
      case "ssh" -> new SshCommand(o, e, tools).run(List.of(args));
      default -> throw new IllegalArgumentException(sub);
    };
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static final List<String> SRUN = List.of("srun", "--jobid=42", "--overlap", "-w");
  private static final List<String> ONE = List.of("-N1", "-n1", "--quiet", "--quit-on-interrupt");

  @Test
  void theHeadsConsoleIsReadOnItsNodeInAStepOfTheJob() {
    Run r = run("console");
    assertEquals(0, r.code(), r.err());
    List<String> want = new ArrayList<>(SRUN);
    want.add("n1");
    want.addAll(ONE);
    want.addAll(List.of("tail", "-n", "+1", "--", "/var/lib/vcluster/jobs/42/n1/vc42-0.console.log"));
    assertEquals(List.of(want), terminal);
  }

  @Test
  void aNamedVmOnAnotherNodeFollowed() {
    Run r = run("console", "vc42-3", "-f", "-n", "20");
    assertEquals(0, r.code(), r.err());
    List<String> argv = terminal.get(0);
    assertEquals("n2", argv.get(4));
    assertEquals(List.of("tail", "-n", "20", "-F", "--", "/var/lib/vcluster/jobs/42/n2/vc42-3.console.log"),
        argv.subList(argv.indexOf("tail"), argv.size()));
  }

  @Test
  void anotherUsersJobIsRefusedBeforeAnythingRuns() {
    env.clear();
    caller = "mallory";
    scheduler.put("scontrol show job -o 42",
        new CommandResult(Command.of("scontrol"), 0, String.format(ClusterCommandsTest.SCONTROL, work), ""));
    Run r = run("console", "--job", "42");
    assertEquals(2, r.code());
    assertEquals("vcluster console: job 42 belongs to alice, not to mallory\n", r.err());
    assertEquals(List.of(), terminal);
  }

  @Test
  void badWordsAreUsageErrors() {
    assertEquals(2, run("console", "vc42-9").code());
    assertEquals(2, run("console", "-n", "0").code());
    assertEquals(2, run("console", "-n", "1;reboot").code());
    assertEquals(2, run("console", "vc42-0", "vc42-1").code());
    assertEquals(List.of(), terminal);
  }

  @Test
  void pbsIsToldThatItNeedsSlurm() {
    kind = Tools.Scheduler.PBS;
    Run r = run("console");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("needs Slurm"), r.err());
  }

  // ---- an salloc shell on a login node: exec and ssh run themselves again on the batch host

  @Test
  void offTheBatchHostExecRunsItselfThereThroughSrun() {
    env.remove("SLURMD_NODENAME");
    Run r = run("exec", "--all", "--", "hostname");
    assertEquals(0, r.code(), r.err());
    List<String> argv = terminal.get(0);
    assertEquals(List.of("srun", "--jobid=42", "--overlap", "-w", "n1", "-N1", "-n1", "--quiet",
        "--quit-on-interrupt", "--export=ALL," + InJob.HOPPED + "=1"), argv.subList(0, 10));
    assertEquals(List.of("exec", "--job", "42", "--all", "--", "hostname"), argv.subList(11, argv.size()));
  }

  @Test
  void anInteractiveSshGetsATerminalThere() {
    env.put("SLURMD_NODENAME", "n2");
    run("ssh", "vc42-1");
    assertTrue(terminal.get(0).contains("--pty"), terminal.toString());
    assertEquals(List.of("ssh", "--job", "42", "vc42-1"), terminal.get(0).subList(terminal.get(0).size() - 4,
        terminal.get(0).size()));
    terminal.clear();
    run("ssh", "vc42-1", "--", "uptime");
    assertTrue(!terminal.get(0).contains("--pty"), "a command needs no terminal: " + terminal);
  }

  @Test
  void theStepStartedThereNeverStartsAnother() {
    env.remove("SLURMD_NODENAME");
    env.put(InJob.HOPPED, "1");
    Run r = run("ssh"); // on the batch host: the login itself, on the terminal
    assertEquals(0, r.code(), r.err());
    assertEquals("ssh", terminal.get(0).get(0));
  }
}
