package org.virtualservices.launcher.drmaa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.ggf.drmaa.Session;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** SlurmSession's parsers against Slurm 22.05's own output (tests/capture/slurm-drmaa.sh). */
class SlurmParsersTest {

  private static final SlurmSession SLURM = new SlurmSession(new ScriptedRunner(), java.time.Clock.systemUTC(),
      d -> { }, java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(5), "sbatch", "squeue", "sacct",
      "scancel", "vcuser");

  @ParameterizedTest(name = "{0}: {1} -> {2}, exit {3}, signal {4}")
  @CsvSource(nullValues = "-", value = {
      // capture,         native state, DRMAA state,   exit, signal, reason
      "squeue-pending,    PENDING,      QUEUED_ACTIVE, -,    -,      Resources",
      "squeue-running,    RUNNING,      RUNNING,       -,    -,      None",
      "squeue-held,       PENDING,      USER_ON_HOLD,  -,    -,      JobHeldUser",
      "squeue-too-big,    PENDING,      QUEUED_ACTIVE, -,    -,      PartitionConfig",
      "squeue-completed,  COMPLETED,    DONE,          0,    -,      None",
      "squeue-cancelled,  CANCELLED,    FAILED,        -,    15,     None",
      "squeue-failed,     FAILED,       FAILED,        3,    -,      NonZeroExitCode",
      "squeue-killed,     FAILED,       FAILED,        -,    9,      JobLaunchFailure"})
  void squeueStates(String capture, String state, String drmaa, Integer exit, Integer signal, String reason) {
    Captured c = Captured.slurm(capture);
    Map<String, JobStatus> jobs = SlurmSession.parseSqueue(c.stdout());
    assertEquals(1, jobs.size());
    JobStatus s = jobs.get(c.id());
    assertEquals(state, s.nativeState());
    assertEquals(drmaa, DrmaaStates.name(s.drmaaState()));
    assertEquals(exit, s.exitCode());
    assertEquals(signal, s.signal());
    assertEquals(reason, s.reason());
    assertEquals("vcuser", s.user());
    assertEquals("/tmp/vcluster-capture", s.workDir());
  }

  @Test
  void severalJobsInOneQueryAndTheUnknownOneLeftOut() {
    Captured c = Captured.slurm("squeue-several");
    assertTrue(c.argv().get(3).endsWith(",999999"), "the query named an unknown job too: " + c.argv());
    Map<String, JobStatus> jobs = SlurmSession.parseSqueue(c.stdout());
    assertEquals(List.of("COMPLETED", "FAILED", "PENDING"), jobs.values().stream().map(JobStatus::nativeState).toList());
    assertEquals(0, c.status());
  }

  @Test
  void theUsersJobs() {
    Map<String, JobStatus> jobs = SlurmSession.parseSqueue(Captured.slurm("squeue-user").stdout());
    assertTrue(jobs.size() >= 6, jobs.toString());
    assertTrue(jobs.values().stream().allMatch(s -> s.user().equals("vcuser")));
  }

  @ParameterizedTest
  @CsvSource({"sbatch-ok", "sbatch-blocker", "sbatch-held", "sbatch-fail", "sbatch-killed", "sbatch-too-big"})
  void jobIdOfSbatchParsable(String capture) {
    Captured c = Captured.slurm(capture);
    assertEquals(c.stdout().strip(), SLURM.parseJobId(c.stdout()));
  }

  @Test
  void jobIdWithACluster() {
    assertEquals("42", SLURM.parseJobId("42;vce2e\n"));
    assertThrows(IllegalArgumentException.class, () -> SLURM.parseJobId("Submitted batch job 42\n"));
    assertThrows(IllegalArgumentException.class, () -> SLURM.parseJobId(""));
  }

  @Test
  void theArgvOfTheCapturesAreTheSessions() {
    assertEquals(Captured.slurm("squeue-running").argv(), SLURM.statusCommand(List.of(Captured.slurm("squeue-running").id())));
    assertEquals(Captured.slurm("squeue-user").argv(), SLURM.statusCommand(List.of()));
    assertEquals(Captured.slurm("sacct-disabled").argv(), SLURM.historyCommand("999999").orElseThrow());
    assertEquals(Captured.slurm("scancel-unknown").argv(), SLURM.killCommand("999999"));
  }

  @Test
  void unknownJobAndDisabledAccountingAreRecognised() {
    Captured unknown = Captured.slurm("squeue-unknown");
    assertEquals(1, unknown.status());
    assertTrue(SLURM.saysUnknownJob(unknown.answer(org.virtualservices.core.command.Command.of(unknown.argv()))));
    Captured sacct = Captured.slurm("sacct-disabled");
    assertEquals("Slurm accounting storage is disabled", sacct.stderr().strip());
  }

  /**
   * sacct --parsable2 in the columns asked; not captured (the e2e cluster has no accounting
   * database), so shaped after sacct's manual: ExitCode is "code:signal", State of a cancelled job
   * "CANCELLED by UID". https://slurm.schedmd.com/archive/slurm-22.05-latest/sacct.html
   */
  @Test
  void sacctHistory() {
    Map<String, JobStatus> jobs = SlurmSession.parseSacct(
        "41|COMPLETED|0:0|alice|/home/alice\n42|FAILED|3:0|alice|/home/alice\n43|CANCELLED by 1000|0:15|alice|/w\n");
    assertEquals(Session.DONE, jobs.get("41").drmaaState());
    assertEquals(3, jobs.get("42").exitCode());
    assertEquals("CANCELLED", jobs.get("43").nativeState());
    assertEquals(15, jobs.get("43").signal());
    assertThrows(IllegalArgumentException.class, () -> SlurmSession.parseSacct("41 COMPLETED 0:0\n"));
  }

  @Test
  void everyStateOfTheTableAndTheUnknown() {
    assertEquals(24, SlurmSession.STATES.size());
    assertEquals(Session.SYSTEM_ON_HOLD, SlurmSession.drmaaState("PENDING", "JobHeldAdmin"));
    assertEquals(Session.RUNNING, SlurmSession.drmaaState("COMPLETING", "None"));
    assertEquals(Session.UNDETERMINED, SlurmSession.drmaaState("SOMETHING_NEW", "None"));
  }

  @Test
  void squeueOutputInAnotherFormatIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> SlurmSession.parseSqueue("  1  e2e  plain vcuser CD 0:00 2\n"));
  }
}
