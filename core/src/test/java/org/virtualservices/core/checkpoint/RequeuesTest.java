package org.virtualservices.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code Restarts=} from Slurm 22.05's one-line job record; a user's text cannot add one unseen. */
class RequeuesTest {

  private static final String RECORD = "JobId=42 JobName=ck UserId=alice(1000) GroupId=alice(1000) MCS_label=N/A"
      + " Priority=1 Nice=0 Account=(null) QOS=(null) JobState=COMPLETING Reason=None Dependency=(null)"
      + " Requeue=1 Restarts=%s BatchFlag=1 Reboot=0 ExitCode=0:15 RunTime=00:00:31 TimeLimit=UNLIMITED"
      + " Comment=%s\n";

  @Test
  void readsTheRestarts() {
    assertEquals(0, Requeues.parse("42", RECORD.formatted("0", "vc:image=testapp")));
    assertEquals(3, Requeues.parse("42", RECORD.formatted("3", "vc:image=testapp")));
  }

  @Test
  void aForgedRestartsInTheCommentIsRefused() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Requeues.parse("42", RECORD.formatted("0", "x Restarts=9")));
    assertTrue(e.getMessage().contains("more than once"), e.getMessage());
  }

  @Test
  void anotherJobsRecordOrNoRestartsIsRefused() {
    assertThrows(IllegalStateException.class, () -> Requeues.parse("4", RECORD.formatted("0", "x")));
    assertThrows(IllegalStateException.class, () -> Requeues.parse("42", "JobId=42 JobName=x Restarts=\n"));
  }
}
