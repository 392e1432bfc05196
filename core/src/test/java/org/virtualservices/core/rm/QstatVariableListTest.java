package org.virtualservices.core.rm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandFailedException;
import org.virtualservices.core.command.CommandResult;

class QstatVariableListTest {

  /** Shaped like Torque's qstat -f: attributes indented, long ones folded with a leading tab. */
  static final String QSTAT_F = String.join("\n",
      "Job Id: 123.head",
      "    Job_Name = myjob",
      "    Job_Owner = alice@login1",
      "    job_state = R",
      "    queue = batch",
      "    Resource_List.nodes = 3:ppn=2",
      "    Variable_List = PBS_O_QUEUE=batch,PBS_O_HOME=/home/alice,PBS_O_LOGNAME=al",
      "\tice,PBS_O_PATH=/usr/bin:/bin,VC_IMAGE=debian12,VC_MEM=2G,NOTE=a\\,b,PBS_O",
      "\t_HOST=login1,EMPTY",
      "    euser = alice",
      "");

  @Test
  void joinsFoldedLinesAndUnescapesCommas() {
    Map<String, String> vars = QstatVariableList.parseQstat(QSTAT_F);
    assertEquals("alice", vars.get("PBS_O_LOGNAME"));
    assertEquals("debian12", vars.get("VC_IMAGE"));
    assertEquals("2G", vars.get("VC_MEM"));
    assertEquals("a,b", vars.get("NOTE"));
    assertEquals("login1", vars.get("PBS_O_HOST"));
    assertEquals("", vars.get("EMPTY"));
    assertEquals("/usr/bin:/bin", vars.get("PBS_O_PATH"));
  }

  /** The job's ctime is its instance (its keys depend on it); one qstat gives it and the variables. */
  @Test
  void theCtimeComesFromTheSameQstat() {
    String out = QSTAT_F.replace("    job_state = R", "    job_state = R\n    ctime = Thu Dec  3 07:11:10 2026");
    List<Command> ran = new ArrayList<>();
    QstatVariableList list = new QstatVariableList(c -> {
      ran.add(c);
      return new CommandResult(c, 0, out, "");
    }, "/usr/bin/qstat");
    assertEquals("debian12", list.read("123.head").get("VC_IMAGE"));
    assertEquals("Thu Dec 3 07:11:10 2026", list.instance("123.head"));
    assertEquals(1, ran.size(), "one qstat for both");
    assertEquals("", QstatVariableList.parseCtime(QSTAT_F));
  }

  /** A variable's value holding a newline and a second ctime is refused, not chosen from. */
  @Test
  void aForgedCtimeIsRefused() {
    String out = QSTAT_F.replace("    euser = alice", "    ctime = Thu Dec  3 07:11:10 2026\n    ctime = Mon Jan  1 00:00:00 2024");
    assertThrows(org.virtualservices.core.request.RequestException.class, () -> QstatVariableList.parseCtime(out));
  }

  @Test
  void noVariableListMeansNoVariables() {
    assertEquals(Map.of(), QstatVariableList.parseQstat("Job Id: 1.head\n    job_state = R\n"));
  }

  @Test
  void runsQstatAsAnArgumentList() {
    List<Command> ran = new ArrayList<>();
    QstatVariableList list = new QstatVariableList(c -> {
      ran.add(c);
      return new CommandResult(c, 0, QSTAT_F, "");
    }, "/usr/bin/qstat");
    assertEquals("debian12", list.read("123.head").get("VC_IMAGE"));
    assertEquals(List.of("/usr/bin/qstat", "-f", "123.head"), ran.get(0).argv());
  }

  @Test
  void aFailingQstatIsReportedWithItsCommand() {
    QstatVariableList list = new QstatVariableList(c -> new CommandResult(c, 153, "", "Unknown Job Id 9.head"),
        "/usr/bin/qstat");
    CommandFailedException e = assertThrows(CommandFailedException.class, () -> list.read("9.head"));
    assertEquals(153, e.result().exitStatus());
  }
}
