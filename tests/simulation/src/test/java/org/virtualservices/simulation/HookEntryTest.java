package org.virtualservices.simulation;

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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.runtime.Fault;
import org.virtualservices.epilog.EpilogCommand;
import org.virtualservices.prolog.PrologCommand;

/**
 * The hooks' one entry (HookCommand.run): whatever escapes a hook is one log line and an exit
 * status, the node's fault unless it is known to be the user's; a comment can forge no log line
 * and a huge one is cut; and the epilog is not made to fail (and drain its node) by what the user
 * did to the request or the report after the prolog.
 */
class HookEntryTest {

  private static final String REQUEST = "vc:image=tiny,vcpus=1,mem=256M";
  private static final String FORGED = "2026-12-03T00:00:00Z vcluster-prolog[1] sim1 INFO: prolog done";

  @TempDir
  Path tmp;
  SimulatedCluster cluster;

  @BeforeEach
  void up() throws IOException {
    cluster = new SimulatedCluster(tmp, List.of("sim1", "sim2"), "");
  }

  @AfterEach
  void down() {
    cluster.close();
  }

  @Test
  void aNewlineInTheCommentIsOneLogLine() throws IOException {
    assertEquals(0, cluster.prolog("61", "sim1", "vc:image=tiny,vcpus=1\n" + FORGED + " vc:x"), cluster.log());
    List<String> lines = cluster.prose().lines().toList();
    assertEquals(1, lines.size(), "one line, however many newlines the comment has:\n" + cluster.log());
    assertTrue(lines.get(0).contains("\\n2026-12-03T00:00:00Z vcluster-prolog[1]"), lines.get(0));
    assertEquals(1, SimulatedCluster.outcomeLines(cluster.log()).size(), "and its outcome line:\n" + cluster.log());
    assertEquals(2, Files.readAllLines(cluster.stateDir.resolve("logs/61.log")).size(), "the job's log file too");
  }

  /**
   * A working folder named with a newline and a forged line (sbatch --chdir there): the prolog
   * logs its path unquoted ("report in ..."), so only the logger itself stands in the way.
   */
  @Test
  void aNewlineInTheWorkingFolderForgesNoLine() throws IOException {
    Path work = Files.createDirectory(tmp.resolve("run\n" + FORGED));
    Map<String, String> env = cluster.slurmEnv("68", "sim1", REQUEST, false);
    env.put("SLURM_JOB_WORK_DIR", work.toString());
    assertEquals(0, cluster.prolog("sim1", env), cluster.log());
    String log = cluster.log() + Files.readString(cluster.stateDir.resolve("logs/68.log"));
    // refused (a working folder whose name holds control characters is the user's mistake), and
    // the refusal that quotes it is still one line
    assertTrue(log.contains("working folder"), log);
    assertTrue(SimulatedCluster.prose(log).lines().allMatch(l -> l.contains(" vcluster-prolog[68] sim1 ")),
        "a forged line:\n" + log);
    assertTrue(SimulatedCluster.outcomeLines(log).stream().allMatch(l -> l.contains("\"job\":\"68\",\"node\":\"sim1\"")),
        "a forged outcome line:\n" + log);
    assertTrue(log.lines().noneMatch(l -> l.startsWith("2026-12-03T00:00:00Z")), "a forged line:\n" + log);
    assertEquals(0, cluster.epilog("68", "sim1", REQUEST) + cluster.epilog("68", "sim2", REQUEST), cluster.log());
  }

  @Test
  void aHundredKilobyteCommentIsCut() throws IOException {
    String huge = "vc:image=tiny,vcpus=" + "1".repeat(100_000);
    assertEquals(0, cluster.prolog("62", "sim1", huge), cluster.log());
    assertEquals(1, cluster.prose().lines().count(), cluster.log());
    assertTrue(cluster.prose().length() < 600, "the log line is " + cluster.prose().length() + " characters");
    List<String> outcome = SimulatedCluster.outcomeLines(cluster.log());
    assertEquals(1, outcome.size(), cluster.log());
    assertTrue(outcome.get(0).length() < 1000, "the outcome line is " + outcome.get(0).length() + " characters");
    assertTrue(cluster.log().contains("(100000 bytes)"), "the cut says how much there was: " + cluster.log());
    assertTrue(Files.readString(cluster.workDir.resolve("vcluster-62/ERROR")).length() < 600);
  }

  /** What the wiring throws escapes every handler of the hook: HookCommand.run is the last. */
  static Stream<Object[]> escapes() {
    return Stream.of(
        new Object[] {new IllegalStateException("a bug\n" + FORGED), false, 1, "unexpected IllegalStateException"},
        new Object[] {new UnsatisfiedLinkError("libvirt.so.0: cannot open"), false, 1, "unexpected UnsatisfiedLinkError"},
        new Object[] {new StackOverflowError("deep"), false, 1, "unexpected StackOverflowError"},
        new Object[] {new RequestException("vc-mem", "the user's, found late"), false, 0, "unexpected RequestException"},
        new Object[] {new IllegalStateException("a bug"), true, 2, "unexpected IllegalStateException"},
        new Object[] {new IllegalStateException("wrapped", new RequestException("x", "y")), true, 1, "wrapped"});
  }

  @ParameterizedTest
  @MethodSource("escapes")
  void whatEscapesTheHookIsOneLineAndAnExitStatus(Throwable thrown, boolean pbs, int status, String said) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    PrologCommand prolog = new PrologCommand(err, err, (c, log) -> {
      if (thrown instanceof RuntimeException r) {
        throw r;
      }
      throw (Error) thrown;
    }, Clock.systemUTC());
    int got = pbs
        ? prolog.run(List.of("--config", cluster.config.toString(), "--pbs", "9.head", cluster.user, "root"), Map.of())
        : prolog.run(List.of("--config", cluster.config.toString()), cluster.slurmEnv("63", "sim1", REQUEST, false));
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(status, got, text);
    assertEquals(1, SimulatedCluster.prose(text).lines().count(), "one line, no stack trace:\n" + text);
    List<String> outcome = SimulatedCluster.outcomeLines(text);
    assertEquals(1, outcome.size(), "and the outcome line:\n" + text);
    assertTrue(outcome.get(0).contains("\"error\":{\"code\":\"unexpected\""), outcome.get(0));
    assertTrue(outcome.get(0).contains(Fault.of(thrown) == Fault.USER ? "\"outcome\":\"user-error\""
        : "\"outcome\":\"node-fault\""), outcome.get(0));
    assertTrue(text.contains(said), text);
    assertTrue(text.contains(" at "), "the line names where: " + text);
  }

  @Test
  void anEpilogFailureThatEscapesIsOneLineAndExitOne() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int got = new EpilogCommand(err, err, (c, log) -> {
      throw new IllegalStateException("a bug");
    }, Clock.systemUTC()).run(List.of("--config", cluster.config.toString()),
        cluster.slurmEnv("64", "sim1", REQUEST, true));
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(1, got, "the epilog cannot say nothing is left: " + text);
    assertEquals(1, SimulatedCluster.prose(text).lines().count(), text);
    assertEquals(1, SimulatedCluster.outcomeLines(text).size(), text);
  }

  @Test
  void aCommentBrokenAfterTheProlog_theEpilogStillTearsDown() {
    for (String node : cluster.nodes) {
      assertEquals(0, cluster.prolog("65", node, REQUEST), cluster.log());
    }
    assertEquals(2, domains("65"));
    // scontrol update JobId=65 Comment=... while the job runs: the request can no longer be read
    for (String node : cluster.nodes) {
      assertEquals(0, cluster.epilog("65", node, "vc:image=tiny,vcpus=two"), cluster.log());
    }
    assertEquals(0, domains("65"), cluster.log());
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/65")), "the state folder is gone");
    assertTrue(cluster.fabrics.values().stream().allMatch(f -> f.networks().isEmpty()), "the network is gone");
  }

  @Test
  void aReportFileTheUserReplacedByAFolderDoesNotFailTheEpilog() throws IOException {
    for (String node : cluster.nodes) {
      assertEquals(0, cluster.prolog("67", node, REQUEST), cluster.log());
    }
    Path report = cluster.workDir.resolve("vcluster-67");
    Files.delete(report.resolve("hostfile"));
    Files.createDirectories(report.resolve("hostfile/mine"));
    for (String node : cluster.nodes) {
      assertEquals(0, cluster.epilog("67", node, REQUEST), "the user's folder must not drain the node: "
          + cluster.log());
    }
    assertEquals(0, domains("67"));
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/67")));
    assertTrue(Files.isDirectory(report.resolve("hostfile/mine")), "the user's own folder is left to them");
    assertFalse(Files.exists(report.resolve("id_ed25519")), "our files in it are removed");
    assertTrue(cluster.log().contains("the user's copy keeps") && cluster.log().contains("hostfile"), cluster.log());
  }

  private long domains(String job) {
    return cluster.keepAlive.domains().stream().filter(d -> d.name().startsWith("vc" + job + "-")).count();
  }
}
