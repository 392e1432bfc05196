package org.virtualservices.launcher.drmaa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.ggf.drmaa.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;

/**
 * PbsSession's parsers against real qstat -f output of Torque and PBS Pro published by another
 * project (src/test/resources/drmaa/pbs/README.md says where each came from).
 */
class PbsParsersTest {

  static final String TORQUE = Captured.read("/drmaa/pbs/torque-qstat-f-completed.txt");
  static final String PBSPRO = Captured.read("/drmaa/pbs/pbspro-qstat-xf-finished.txt");

  private static final PbsSession PBS = new PbsSession(new ScriptedRunner(), Clock.systemUTC(), d -> { },
      Duration.ofSeconds(1), Duration.ofSeconds(5), "qsub", "qstat", "qdel", "testuser");

  @Test
  void torqueCompleted() {
    JobStatus s = PbsSession.parseQstat(TORQUE).get("4242.torque-head");
    assertEquals("C", s.nativeState());
    assertEquals(Session.DONE, s.drmaaState());
    assertEquals(0, s.exitCode());
    assertEquals("testuser", s.user());
    assertEquals("/home/testuser", s.workDir());
  }

  @Test
  void pbsProFinishedWithFoldedLines() {
    JobStatus s = PbsSession.parseQstat(PBSPRO).get("0.e5a207891675");
    assertEquals("F", s.nativeState());
    assertEquals(Session.DONE, s.drmaaState());
    assertEquals(0, s.exitCode());
    assertEquals("testuser", s.user());
    // no init_work_dir in PBS Pro: PBS_O_WORKDIR of the folded Variable_List
    assertEquals("/home/testuser", s.workDir());
    assertEquals("Job run at Thu May 14 at 07:04 on (e5a207891675:ncpus=1) and finished", s.reason());
  }

  @ParameterizedTest(name = "{0} {1} {2}: {3}")
  @CsvSource(nullValues = "-", value = {
      // dialect, state, exit, DRMAA state,   exit code, signal
      "torque, Q, -,   QUEUED_ACTIVE, -, -",
      "torque, R, -,   RUNNING,       -, -",
      "torque, E, -,   RUNNING,       -, -",
      "torque, T, -,   QUEUED_ACTIVE, -, -",
      "torque, W, -,   QUEUED_ACTIVE, -, -",
      "torque, S, -,   SYSTEM_SUSPENDED, -, -",
      "torque, H, -,   USER_ON_HOLD,  -, -",
      "torque, C, 0,   DONE,          0, -",
      "torque, C, 3,   FAILED,        3, -",
      "torque, C, 271, FAILED,        -, 15",
      "torque, C, -1,  FAILED,        -, -",
      "pbspro, Q, -,   QUEUED_ACTIVE, -, -",
      "pbspro, R, -,   RUNNING,       -, -",
      "pbspro, B, -,   RUNNING,       -, -",
      "pbspro, E, -,   RUNNING,       -, -",
      "pbspro, M, -,   UNDETERMINED,  -, -",
      "pbspro, U, -,   SYSTEM_SUSPENDED, -, -",
      "pbspro, S, -,   SYSTEM_SUSPENDED, -, -",
      "pbspro, F, 0,   DONE,          0, -",
      "pbspro, F, 1,   FAILED,        1, -",
      "pbspro, F, 265, FAILED,        -, 9",
      "pbspro, X, 0,   DONE,          0, -",
      "pbspro, F, -3,  FAILED,        -, -"})
  void everyStateLetter(String dialect, String state, String exit, String drmaa, Integer code, Integer signal) {
    String text = dialect.equals("torque") ? TORQUE : PBSPRO;
    String exitKey = dialect.equals("torque") ? "exit_status" : "Exit_status";
    text = text.replace("job_state = " + (dialect.equals("torque") ? "C" : "F"), "job_state = " + state);
    text = exit == null ? text.replaceAll("(?m)^    " + exitKey + " = .*\n", "")
        : text.replaceAll("(?m)^(    " + exitKey + " = ).*$", "$1" + exit);
    JobStatus s = PbsSession.parseQstat(text).values().iterator().next();
    assertEquals(drmaa, DrmaaStates.name(s.drmaaState()));
    assertEquals(code, s.exitCode());
    assertEquals(signal, s.signal());
  }

  @Test
  void holdTypes() {
    assertEquals(Session.USER_ON_HOLD, PbsSession.held("u"));
    assertEquals(Session.SYSTEM_ON_HOLD, PbsSession.held("s"));
    assertEquals(Session.SYSTEM_ON_HOLD, PbsSession.held("o"));
    assertEquals(Session.USER_SYSTEM_ON_HOLD, PbsSession.held("uos"));
    String held = TORQUE.replace("job_state = C", "job_state = H").replace("Hold_Types = n", "Hold_Types = s");
    assertEquals(Session.SYSTEM_ON_HOLD, PbsSession.parseQstat(held).get("4242.torque-head").drmaaState());
  }

  @Test
  void twoJobsInOneOutput() {
    Map<String, JobStatus> jobs = PbsSession.parseQstat(TORQUE + PBSPRO + "\n");
    assertEquals(List.of("4242.torque-head", "0.e5a207891675"), List.copyOf(jobs.keySet()));
  }

  @Test
  void jobIds() {
    assertEquals("4242.torque-head", PBS.parseJobId("4242.torque-head\n"));
    assertEquals("10.localhost", PBS.parseJobId("\n10.localhost\n"));
    assertEquals("12[].server", PBS.parseJobId("12[].server\n"));
    assertThrows(IllegalArgumentException.class, () -> PBS.parseJobId("qsub: submit error (Bad UID for job execution)"));
  }

  @Test
  void unknownJobInBothDialects() {
    assertTrue(PBS.saysUnknownJob(new CommandResult(Command.of("qstat"), 153, "", "qstat: Unknown Job Id Error 9.head\n")));
    assertTrue(PBS.saysUnknownJob(new CommandResult(Command.of("qstat"), 35, "", "qstat: Unknown Job Id 9.pbs\n")));
  }

  @Test
  void variableListWithEscapedCommas() {
    assertEquals("/a,b", PbsSession.variable("X=1,PBS_O_WORKDIR=/a\\,b,Y=2", "PBS_O_WORKDIR"));
    assertEquals("", PbsSession.variable("X=1", "PBS_O_WORKDIR"));
  }
}
