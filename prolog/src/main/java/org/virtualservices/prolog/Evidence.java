package org.virtualservices.prolog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.virtualservices.core.files.PrivateFiles;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.plan.StatePaths;

/**
 * What a node's failed prolog keeps before its rollback removes it (docs/hooks.md, "When the
 * prolog fails"): the reason, each VM's domain XML and console log, in a folder of root's under
 * {@code <stateDir>/evidence}.
 */
final class Evidence {

  private final NodeServices s;
  private final JobLog log;

  Evidence(NodeServices services, JobLog log) {
    this.s = services;
    this.log = log;
  }

  /** Keeps the evidence of {@code what} on this node; a failure to keep it is only warned of. */
  void keep(JobContext job, Path nodeDir, NodePlan mine, String what) {
    if (mine == null || !Files.isDirectory(nodeDir)) {
      return;
    }
    Path dir = StatePaths.of(s.config()).evidence(job.jobId(), job.thisNode(), s.clock().instant());
    try {
      PrivateFiles.folders(dir.getParent());
      Files.createDirectory(dir, PrivateFiles.FOLDER);
      PrivateFiles.write(dir.resolve("failure.txt"), what + "\n");
      for (VmPlan v : mine.vms()) {
        for (Path p : List.of(StatePaths.domainXml(nodeDir, v.name()), v.console())) {
          if (Files.isRegularFile(p)) {
            PrivateFiles.copy(p, dir.resolve(p.getFileName()));
          }
        }
      }
      log.info("evidence kept in {0}", dir);
    } catch (IOException e) {
      log.warn("could not keep evidence in {0}: {1}", dir, e.getMessage());
    }
  }
}
