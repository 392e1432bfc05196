package org.virtualservices.core.report;

import java.nio.file.Path;

/**
 * Where the batch host puts what the job needs: a folder {@code vcluster-<job>} in the job's
 * working directory, readable by the job's user only.
 */
public record ReportFiles(Path dir) {

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
