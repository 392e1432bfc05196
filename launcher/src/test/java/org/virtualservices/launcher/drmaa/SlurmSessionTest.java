package org.virtualservices.launcher.drmaa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.ggf.drmaa.AlreadyActiveSessionException;
import org.ggf.drmaa.DeniedByDrmException;
import org.ggf.drmaa.DrmCommunicationException;
import org.ggf.drmaa.ExitTimeoutException;
import org.ggf.drmaa.HoldInconsistentStateException;
import org.ggf.drmaa.InvalidContactStringException;
import org.ggf.drmaa.InvalidJobException;
import org.ggf.drmaa.InvalidJobTemplateException;
import org.ggf.drmaa.JobTemplate;
import org.ggf.drmaa.NoActiveSessionException;
import org.ggf.drmaa.ReleaseInconsistentStateException;
import org.ggf.drmaa.ResumeInconsistentStateException;
import org.ggf.drmaa.Session;
import org.ggf.drmaa.SuspendInconsistentStateException;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.ready.FakeTime;

/**
 * The Slurm session with a fake CommandRunner that plays Slurm 22.05's captured answers
 * (tests/capture/slurm-drmaa.sh), on a clock that only the sleeper moves: nothing really sleeps.
 */
class SlurmSessionTest {

  private final FakeTime clock = new FakeTime();
  private final ScriptedRunner runner = new ScriptedRunner();

  private SlurmSession session(CommandRunner r) throws Exception {
    SlurmSession s = new SlurmSession(r, clock, clock::sleep, Duration.ofSeconds(2), Duration.ofSeconds(30),
        "sbatch", "squeue", "sacct", "scancel", "vcuser");
    s.init(null);
    return s;
  }

  private JobTemplate template(Session s) throws Exception {
    JobTemplate t = s.createJobTemplate();
    t.setRemoteCommand("/tmp/vcluster-capture/ok.sh");
    t.setWorkingDirectory("/tmp/vcluster-capture");
    t.setJobName("ok");
    t.setNativeSpecification("-N 1");
    return t;
  }

  @Test
  void submitsWithTheArgvOfTheCapture() throws Exception {
    runner.on("sbatch", Captured.slurm("sbatch-ok"));
    SlurmSession s = session(runner);
    String id = s.runJob(template(s));
    assertEquals(Captured.slurm("sbatch-ok").id(), id);
    assertEquals(Captured.slurm("sbatch-ok").argv(), runner.ran.get(0).argv());
    assertEquals(Duration.ofSeconds(30), runner.ran.get(0).timeout());
  }

  @Test
  void waitsThroughPendingRunningCompletedAndTellsEachChange() throws Exception {
    runner.on("sbatch", Captured.slurm("sbatch-ok"))
        .on("squeue", Captured.slurm("squeue-pending"), Captured.slurm("squeue-pending"),
            Captured.slurm("squeue-running").withId(Captured.slurm("sbatch-ok").id()),
            Captured.slurm("squeue-completed"));
    SlurmSession s = session(runner);
    List<String> seen = new ArrayList<>();
    s.onChange(st -> seen.add(st.describe()));
    String id = s.runJob(template(s));
    GridJobInfo info = (GridJobInfo) s.wait(id, Session.TIMEOUT_WAIT_FOREVER);
    assertEquals(List.of("PENDING (QUEUED_ACTIVE), reason Resources", "RUNNING", "COMPLETED (DONE)"), seen);
    assertTrue(info.hasExited());
    assertEquals(0, info.getExitStatus());
    assertEquals(0, info.shellExitCode());
    assertEquals(4, runner.argvs("squeue").size());
    assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2)), clock.naps);
  }

  @Test
  void aFailedJobCarriesItsExitCodeAndAKilledOneItsSignal() throws Exception {
    runner.on("squeue", Captured.slurm("squeue-failed"));
    SlurmSession s = session(runner);
    GridJobInfo failed = (GridJobInfo) s.wait(Captured.slurm("squeue-failed").id(), 0);
    assertEquals(3, failed.getExitStatus());
    assertEquals(Session.FAILED, failed.status().drmaaState());

    ScriptedRunner r2 = new ScriptedRunner().on("squeue", Captured.slurm("squeue-cancelled"));
    GridJobInfo cancelled = (GridJobInfo) session(r2).wait(Captured.slurm("squeue-cancelled").id(), 0);
    assertFalse(cancelled.hasExited());
    assertEquals("SIGTERM", cancelled.getTerminatingSignal());
    assertEquals(143, cancelled.shellExitCode());
  }

  @Test
  void statusQueriesAreCachedForOnePollInterval() throws Exception {
    runner.on("squeue", Captured.slurm("squeue-several"));
    SlurmSession s = session(runner);
    List<String> ids = List.of("2", "5", "3");
    s.synchronize(List.of("2", "5"), 0, false);
    assertEquals(1, runner.argvs("squeue").size());
    assertEquals(List.of("squeue", "--noheader", "--states=all", "--jobs=2,5", "--Format=" + SlurmSession.SQUEUE_FORMAT),
        runner.argvs("squeue").get(0));
    // within the poll interval the same jobs are answered from the cache: no second query
    s.synchronize(List.of("5", "2"), 0, false);
    clock.sleep(Duration.ofSeconds(1));
    s.synchronize(List.of("2"), 0, false);
    assertEquals(1, runner.argvs("squeue").size(), "answered from the cache within one poll interval");
    // once the interval has passed, or for a job the cache does not hold, the scheduler is asked again
    clock.sleep(Duration.ofSeconds(1));
    s.synchronize(List.of("2", "5"), 0, false);
    assertEquals(2, runner.argvs("squeue").size(), "asked again after one poll interval");
    assertEquals(Session.USER_ON_HOLD, s.getJobProgramStatus("3"));
    assertEquals(3, runner.argvs("squeue").size(), "getJobProgramStatus asks afresh");
  }

  @Test
  void waitingTimesOutOnTheClockWithWhatWasAwaited() throws Exception {
    runner.on("squeue", Captured.slurm("squeue-held"));
    SlurmSession s = session(runner);
    ExitTimeoutException e = assertThrows(ExitTimeoutException.class, () -> s.wait("3", 5));
    assertEquals("timed out after 5s waiting for job 3 to end (last seen PENDING (USER_ON_HOLD), reason JobHeldUser)",
        e.getMessage());
    assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(1)), clock.naps);
  }

  @Test
  void terminateAsksFirstThenCancels() throws Exception {
    runner.on("squeue", Captured.slurm("squeue-running")).on("scancel", Captured.slurm("scancel-blocker"));
    SlurmSession s = session(runner);
    s.control(Captured.slurm("squeue-running").id(), Session.TERMINATE);
    assertEquals(List.of(List.of("scancel", Captured.slurm("squeue-running").id())), runner.argvs("scancel"));
  }

  @Test
  void terminateOfAnEndedJobDoesNothing() throws Exception {
    runner.on("squeue", Captured.slurm("squeue-completed"));
    SlurmSession s = session(runner);
    s.control(Captured.slurm("squeue-completed").id(), Session.TERMINATE);
    assertEquals(List.of(), runner.argvs("scancel"));
  }

  /** scancel of an unknown id exits 0 and says nothing: the session must find out from squeue and sacct. */
  @Test
  void anUnknownJobIsAnInvalidJobExceptionSayingWhySacctCouldNotTell() throws Exception {
    runner.on("squeue", Captured.slurm("squeue-unknown")).on("sacct", Captured.slurm("sacct-disabled"))
        .on("scancel", Captured.slurm("scancel-unknown"));
    SlurmSession s = session(runner);
    InvalidJobException e = assertThrows(InvalidJobException.class, () -> s.control("999999", Session.TERMINATE));
    assertEquals("job 999999 is not known to Slurm (its history, sacct, could not tell: Slurm accounting storage is"
        + " disabled)", e.getMessage());
    assertEquals(List.of(), runner.argvs("scancel"));
    assertEquals(Captured.slurm("sacct-disabled").argv(), runner.argvs("sacct").get(0));
  }

  @Test
  void aJobSqueueForgotIsFoundInSacct() throws Exception {
    runner.on("squeue", Captured.slurm("squeue-unknown")).on("sacct", 0, "999999|COMPLETED|0:0|vcuser|/w\n", "");
    JobStatus st = session(runner).status("999999");
    assertEquals(Session.DONE, st.drmaaState());
  }

  @Test
  void sbatchRefusingIsDeniedByDrmWithTheCommandBlock() throws Exception {
    runner.on("sbatch", Captured.slurm("sbatch-bad-partition"));
    SlurmSession s = session(runner);
    DeniedByDrmException e = assertThrows(DeniedByDrmException.class, () -> s.runJob(template(s)));
    assertTrue(e.getMessage().startsWith("Slurm refused the job: command failed\n  command executed: sbatch --parsable"),
        e.getMessage());
    assertTrue(e.getMessage().contains("exit status: 1"));
    assertTrue(e.getMessage().contains("Batch job submission failed: Invalid partition name specified"));
  }

  @Test
  void aMissingOrHangingSchedulerIsACommunicationError() throws Exception {
    SlurmSession s = session(runner);  // nothing answers: every program is "not installed"
    DrmCommunicationException e = assertThrows(DrmCommunicationException.class, () -> s.runJob(template(s)));
    assertTrue(e.getMessage().contains("exit status: 127"), e.getMessage());
    assertThrows(DrmCommunicationException.class, () -> s.getJobProgramStatus("1"));

    ScriptedRunner hung = new ScriptedRunner().on("squeue", CommandRunner.TIMED_OUT, "", "");
    DrmCommunicationException t = assertThrows(DrmCommunicationException.class, () -> session(hung).status("1"));
    assertTrue(t.getMessage().contains("timed out after 30s"), t.getMessage());
  }

  @Test
  void whatIsNotOfferedIsRefusedWithTheSpecsExceptions() throws Exception {
    runner.on("squeue", Captured.slurm("squeue-running"));
    SlurmSession s = session(runner);
    assertThrows(SuspendInconsistentStateException.class, () -> s.control("1", Session.SUSPEND));
    assertThrows(ResumeInconsistentStateException.class, () -> s.control("1", Session.RESUME));
    assertThrows(HoldInconsistentStateException.class, () -> s.control("1", Session.HOLD));
    assertThrows(ReleaseInconsistentStateException.class, () -> s.control("1", Session.RELEASE));
    assertThrows(DeniedByDrmException.class, () -> s.runBulkJobs(template(s), 1, 4, 1));
    assertThrows(AlreadyActiveSessionException.class, () -> s.init(null));
    JobTemplate noScript = s.createJobTemplate();
    assertThrows(InvalidJobTemplateException.class, () -> s.runJob(noScript));
    JobTemplate withEnv = template(s);
    withEnv.setJobEnvironment(java.util.Map.of("A", "1"));
    assertThrows(InvalidJobTemplateException.class, () -> s.runJob(withEnv));
    s.exit();
    assertThrows(NoActiveSessionException.class, () -> s.runJob(template(s)));
    assertThrows(NoActiveSessionException.class, s::exit);
    SlurmSession other = new SlurmSession(runner, clock, clock::sleep, Duration.ofSeconds(2), Duration.ofSeconds(30),
        "sbatch", "squeue", "sacct", "scancel", "vcuser");
    assertThrows(InvalidContactStringException.class, () -> other.init("pbs://elsewhere"));
    other.init("Slurm");
    assertEquals("Slurm", other.getDrmSystem());
    assertEquals("1.0", other.getVersion().toString());
  }

  @Test
  void waitForAnyJobOfTheSession() throws Exception {
    runner.on("sbatch", Captured.slurm("sbatch-ok")).on("squeue", Captured.slurm("squeue-completed"));
    SlurmSession s = session(runner);
    String id = s.runJob(template(s));
    assertEquals(id, s.wait(Session.JOB_IDS_SESSION_ANY, Session.TIMEOUT_NO_WAIT).getJobId());
    // reaped: the same finished job is not returned again, for any job nor by its id
    InvalidJobException again = assertThrows(InvalidJobException.class,
        () -> s.wait(Session.JOB_IDS_SESSION_ANY, Session.TIMEOUT_NO_WAIT));
    assertEquals("every job of this session has been waited for already", again.getMessage());
    assertThrows(InvalidJobException.class, () -> s.wait(id, Session.TIMEOUT_NO_WAIT));
  }

  @Test
  void theUsersJobsForStatusWithoutAJob() throws Exception {
    runner.on("squeue", Captured.slurm("squeue-user"));
    List<JobStatus> jobs = session(runner).userJobs();
    assertTrue(jobs.size() >= 6);
    assertEquals(Captured.slurm("squeue-user").argv(), runner.ran.get(0).argv());
  }
}
