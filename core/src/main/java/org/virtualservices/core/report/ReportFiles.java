package org.virtualservices.core.report;

import java.nio.file.Path;
import java.util.List;

/**
 * The files of a report in a folder: the job's folder of the run tree ({@code VC_DIR},
 * {@link JobFolder}) or its copy {@code vcluster-<job>} in the job's working folder
 * ({@link UserCopy}); both readable by the job's user only.
 */
public record ReportFiles(Path dir) {

  /** The report's file names: what teardown removes of the user's copy (not ERROR, the user's to keep). */
  public static final List<String> NAMES = List.of("report.json", "report.txt", "hostfile", "ssh_config",
      "id_ed25519", "known_hosts");

  public static ReportFiles in(Path workDir, String jobId) {
    return new ReportFiles(workDir.resolve("vcluster-" + jobId));
  }

  public Path json() {
    return dir.resolve("report.json");
  }

  public Path text() {
    return dir.resolve("report.txt");
  }

  public Path hostfile() {
    return dir.resolve("hostfile");
  }

  public Path sshConfig() {
    return dir.resolve("ssh_config");
  }

  public Path identity() {
    return dir.resolve("id_ed25519");
  }

  public Path knownHosts() {
    return dir.resolve("known_hosts");
  }

  /** Written instead of the cluster when the request could not be honoured. */
  public Path error() {
    return dir.resolve("ERROR");
  }
}
