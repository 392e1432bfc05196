package org.virtualservices.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;

/** {@code vcluster checkpoint}: one srun step of the job, one task per node, the pause 2 s ahead. */
class CheckpointCommandTest {

  @TempDir
  Path work;
  Map<String, String> env = new HashMap<>();
  List<List<String>> terminal = new ArrayList<>();
  int srunExit;

  @BeforeEach
  void reportFolder() throws IOException {
    env.put("VC_DIR", ClusterCommandsTest.report(work, "42", "vc42-0", "vc42-1", "vc42-2", "vc42-3").toString());
  }

  private int run(ByteArrayOutputStream err, String... args) {
    CommandRunner runner = c -> new CommandResult(c, 1, "", "no such job");
    Tools tools = new Tools(env, runner, "alice", Tools.Scheduler.SLURM, "scontrol", "qstat", c -> {
      throw new AssertionError("no SSH from here");
    }, argv -> {
      terminal.add(argv);
      return srunExit;
    });
    return new CheckpointCommand(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
        StandardCharsets.UTF_8), tools, Clock.fixed(Instant.ofEpochMilli(1_800_000_000_000L), ZoneOffset.UTC))
        .run(List.of(args));
  }

  @Test
  void oneStepOfTheJobWithOneTaskOnEachOfItsNodes() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(0, run(err, "--stop", "--keep", "2"), err.toString());
    // the report's 4 VMs are on n1 and n2
    assertEquals(List.of(List.of("srun", "--jobid=42", "--overlap", "-N2", "-n2", "--ntasks-per-node=1",
        "--quiet", "--vc-checkpoint-now=1800000002000,stop,keep=2", "true")), terminal);
  }

  @Test
  void aNodeThatFailedFailsTheCommand() {
    srunExit = 1;
    assertEquals(1, run(new ByteArrayOutputStream()));
  }

  @Test
  void aBadKeepIsRefusedBeforeAnyStep() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(2, run(err, "--keep", "0"));
    assertTrue(err.toString().contains("--keep wants a number from 1 to 99"), err.toString());
    assertEquals(List.of(), terminal);
  }
}
