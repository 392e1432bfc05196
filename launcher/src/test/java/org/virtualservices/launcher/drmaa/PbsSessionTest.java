package org.virtualservices.launcher.drmaa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.ggf.drmaa.InvalidJobException;
import org.ggf.drmaa.InvalidJobTemplateException;
import org.ggf.drmaa.JobTemplate;
import org.ggf.drmaa.Session;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.ready.FakeTime;

/** The PBS session with a fake CommandRunner playing published qstat -f output (PbsParsersTest). */
class PbsSessionTest {

  private final FakeTime clock = new FakeTime();
  private final ScriptedRunner runner = new ScriptedRunner();

  private PbsSession session() throws Exception {
    PbsSession s = new PbsSession(runner, clock, clock::sleep, Duration.ofSeconds(5), Duration.ofSeconds(30),
        "qsub", "qstat", "qdel", "testuser");
    s.init(null);
    return s;
  }

  private static String torque(String state) {
    return PbsParsersTest.TORQUE.replace("job_state = C", "job_state = " + state);
  }

  @Test
  void submitsWaitsThroughTheStatesAndGetsTheExitStatus() throws Exception {
    runner.on("qsub", 0, "4242.torque-head\n", "")
        .on("qstat", 0, torque("Q"), "").on("qstat", 0, torque("R"), "").on("qstat", 0, torque("E"), "")
        .on("qstat", 0, PbsParsersTest.TORQUE.replace("exit_status = 0", "exit_status = 2"), "");
    PbsSession s = session();
    JobTemplate t = s.createJobTemplate();
    t.setRemoteCommand("job.sh");
    t.setArgs(List.of("a", "b"));
    t.setJobName("vc");
    t.setNativeSpecification("-l nodes=2 -v VC_IMAGE=testapp");
    String id = s.runJob(t);
    assertEquals("4242.torque-head", id);
    assertEquals(List.of("qsub", "-N", "vc", "-l", "nodes=2", "-v", "VC_IMAGE=testapp", "-F", "a b", "job.sh"),
        runner.argvs("qsub").get(0));
    GridJobInfo info = (GridJobInfo) s.wait(id, Session.TIMEOUT_WAIT_FOREVER);
    assertEquals(2, info.getExitStatus());
    assertEquals(Session.FAILED, info.status().drmaaState());
    assertEquals(List.of("qstat", "-f", "4242.torque-head"), runner.argvs("qstat").get(0));
    assertEquals(4, runner.argvs("qstat").size());
  }

  @Test
  void aFinishedPbsProJobIsFoundWithQstatX() throws Exception {
    runner.on("qstat", 35, "", "qstat: Unknown Job Id 0.e5a207891675\n")
        .on("qstat", 0, PbsParsersTest.PBSPRO, "");
    JobStatus st = session().status("0.e5a207891675");
    assertEquals("F", st.nativeState());
    assertEquals(List.of("qstat", "-x", "-f", "0.e5a207891675"), runner.argvs("qstat").get(1));
  }

  @Test
  void anUnknownJobIsInvalid() throws Exception {
    runner.on("qstat", 153, "", "qstat: Unknown Job Id Error 9.torque-head\n");
    InvalidJobException e = assertThrows(InvalidJobException.class, () -> session().control("9.torque-head",
        Session.TERMINATE));
    assertTrue(e.getMessage().startsWith("job 9.torque-head is not known to PBS (its history, qstat, could not tell:"),
        e.getMessage());
    assertEquals(List.of(), runner.argvs("qdel"));
  }

  @Test
  void terminateIsQdel() throws Exception {
    runner.on("qstat", 0, torque("R"), "").on("qdel", 0, "", "");
    session().control("4242.torque-head", Session.TERMINATE);
    assertEquals(List.of(List.of("qdel", "4242.torque-head")), runner.argvs("qdel"));
  }

  @Test
  void anArgumentWithABlankCannotGoThroughQsubF() throws Exception {
    PbsSession s = session();
    JobTemplate t = s.createJobTemplate();
    t.setRemoteCommand("job.sh");
    t.setArgs(List.of("a b"));
    assertThrows(InvalidJobTemplateException.class, () -> s.runJob(t));
    assertEquals(List.of(), runner.ran);
  }

  @Test
  void theUsersJobsAreFilteredByOwner() throws Exception {
    runner.on("qstat", 0, PbsParsersTest.TORQUE + PbsParsersTest.TORQUE.replace("4242", "4243")
        .replace("Job_Owner = testuser@", "Job_Owner = bob@"), "");
    List<JobStatus> mine = session().userJobs();
    assertEquals(List.of("4242.torque-head"), mine.stream().map(JobStatus::id).toList());
    assertEquals(List.of("qstat", "-f"), runner.ran.get(0).argv());
  }
}
