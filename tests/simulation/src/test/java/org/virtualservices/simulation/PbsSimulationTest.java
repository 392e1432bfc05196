package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hooks as PBS/Torque calls them on the mother superior: prologue with the job id, user and
 * group (and Torque's job name, resource list, queue, account), epilogue with the exit status as
 * $10, an empty environment, the node list in the MOM's aux/<jobid> file, the request in the job's
 * variable list read with qstat -f. No PBS server is packaged for Debian: qstat here is a script
 * that prints what Torque's qstat -f prints for such a job.
 */
class PbsSimulationTest {

  @TempDir
  Path tmp;
  SimulatedCluster cluster;
  String host;
  String group;

  @BeforeEach
  void up() throws IOException {
    host = InetAddress.getLocalHost().getHostName();
    Path torque = tmp.resolve("torque");
    Files.createDirectories(torque.resolve("aux"));
    Path qstat = tmp.resolve("qstat");
    cluster = new SimulatedCluster(tmp.resolve("c"), List.of(host), String.join("\n",
        "pbs:",
        "  home: " + torque,
        "  qstat: " + qstat));
    group = Files.readAllLines(Path.of("/etc/group")).stream()
        .filter(l -> l.split(":")[2].equals(String.valueOf(cluster.gid))).map(l -> l.split(":")[0])
        .findFirst().orElseThrow();
    // the node file: one line per slot, as the MOM writes it
    Files.writeString(torque.resolve("aux/321.head"), host + "\n" + host + "\n");
    Files.writeString(qstat, String.join("\n",
        "#!/bin/sh",
        "# what Torque's qstat -f prints for job $2 (the arguments are checked by the reader's own tests)",
        "cat <<'QSTAT'",
        "Job Id: 321.head",
        "    Job_Name = vcjob",
        "    Job_Owner = " + cluster.user + "@login1",
        "    job_state = R",
        "    Variable_List = PBS_O_QUEUE=batch,PBS_O_HOME=/root,PBS_O_WORKDIR=" + cluster.workDir + ",VC_IMAGE=ti",
        "\tny,VC_VMS=2,VC_VCPUS=1,VC_MEM=256M,PBS_O_HOST=login1",
        "    euser = " + cluster.user,
        "QSTAT",
        ""));
    Files.setPosixFilePermissions(qstat, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void down() {
    cluster.close();
  }

  @Test
  void theMotherSuperiorsPrologueAndEpilogueMakeAndRemoveTheCluster() throws IOException {
    List<String> prologue = List.of("321.head", cluster.user, group, "vcjob", "nodes=1:ppn=2,walltime=00:10:00",
        "batch", "acct");
    assertEquals(0, cluster.pbsProlog(host, prologue), cluster.log());
    assertEquals(2, cluster.keepAlive.domains().stream().filter(d -> d.name().startsWith("vc321-")).count());
    Path report = cluster.workDir.resolve("vcluster-321.head");
    assertTrue(Files.exists(report.resolve("report.json")), "the report goes to PBS_O_WORKDIR: " + cluster.log());
    assertEquals(2, Files.readAllLines(report.resolve("hostfile")).size());

    List<String> epilogue = List.of("321.head", cluster.user, group, "vcjob", "4242", "nodes=1:ppn=2",
        "cput=00:00:01", "batch", "acct", "0");
    assertEquals(0, cluster.pbsEpilog(host, epilogue), cluster.log());
    assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().startsWith("vc321-")));
    assertFalse(Files.exists(report));
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/321.head")));
  }

  @Test
  void aBadRequestAbortsThePbsJobWithoutRequeueing() throws IOException {
    Path qstat = tmp.resolve("qstat");
    Files.writeString(qstat, Files.readString(qstat).replace("VC_VMS=2", "VC_VMS=-2"));
    assertEquals(1, cluster.pbsProlog(host, List.of("321.head", cluster.user, group)),
        "PBS: 1 aborts the job: " + cluster.log());
    assertTrue(cluster.log().contains("VC_VMS"), cluster.log());
    assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().startsWith("vc321-")));
  }
}
