package org.virtualservices.core.rm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.command.CommandResult;

class SchedulerJobsTest {

  @Test
  void squeueListsOneJobIdALine() {
    assertEquals(Set.of("12", "13", "1048576"), SchedulerJobs.parseSqueue("12\n13\n1048576\n"));
    assertEquals(Set.of(), SchedulerJobs.parseSqueue(""));
    assertThrows(IllegalStateException.class, () -> SchedulerJobs.parseSqueue("JOBID\n12\n"));
  }

  @Test
  void qstatsFirstColumnAfterItsHeader() {
    String out = String.join("\n",
        "Job ID                    Name             User            Time Use S Queue",
        "------------------------- ---------------- --------------- -------- - -----",
        "123.head                  vcjob            alice           00:00:01 R batch",
        "124[].head                array            bob                    0 Q batch",
        "");
    assertEquals(Set.of("123.head", "124[].head"), SchedulerJobs.parseQstat(out));
  }

  @Test
  void aResourceManagerThatDoesNotAnswerIsAnError() {
    ActiveJobs jobs = SchedulerJobs.slurm(c -> new CommandResult(c, 1, "",
        "slurm_load_jobs error: Unable to contact slurm controller"), "/usr/bin/squeue");
    IllegalStateException e = assertThrows(IllegalStateException.class, jobs::ids);
    assertTrue(e.getMessage().contains("/usr/bin/squeue --noheader --format=%A"), e.getMessage());
    assertTrue(e.getMessage().contains("Unable to contact"), e.getMessage());
    assertEquals(List.of("12"), List.copyOf(SchedulerJobs.slurm(c -> new CommandResult(c, 0, "12\n", ""), "sq").ids()));
  }
}
