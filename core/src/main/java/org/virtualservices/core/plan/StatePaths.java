package org.virtualservices.core.plan;

import java.nio.file.Path;
import java.time.Instant;
import org.virtualservices.core.config.SiteConfig;

/**
 * Every path of a job's state on a node, built here and nowhere else (docs/hooks.md, "The run
 * tree"): in {@code stateDir} the job's folder per node (journal, overlays, seeds, console logs,
 * domain XML), the job's log and the evidence of failed prologs; in {@code runDir} the job's
 * folder (the marker, and the batch host's report). A job id or node name is one element of a
 * path, never more: one that is not ({@code 1/../x}, {@code ..}) is refused here, wherever it came
 * from.
 *
 * @param stateDir the site's {@code stateDir} (default {@code /var/lib/vcluster})
 * @param runDir the site's {@code runDir} (default {@code /run/vcluster})
 */
public record StatePaths(Path stateDir, Path runDir) {

  public static StatePaths of(SiteConfig site) {
    return new StatePaths(site.stateDir(), site.runDir());
  }

  /** {@code <stateDir>/jobs}: one folder per job with state on this node (or a shared file system). */
  public Path jobs() {
    return stateDir.resolve("jobs");
  }

  /** {@code <stateDir>/jobs/<job>}. */
  public Path job(String jobId) {
    return jobs().resolve(element("job id", jobId));
  }

  /** {@code <stateDir>/jobs/<job>/<node>}: the node's, so nodes sharing a file system never clash. */
  public Path node(String jobId, String node) {
    return job(jobId).resolve(element("node name", node));
  }

  /** A VM's copy-on-write overlay in its node's folder. */
  public static Path overlay(Path nodeDir, String vm) {
    return nodeDir.resolve(vm + ".qcow2");
  }

  /** A VM's NoCloud seed in its node's folder. */
  public static Path seed(Path nodeDir, String vm) {
    return nodeDir.resolve(vm + "-seed.iso");
  }

  /** A VM's serial console log in its node's folder. */
  public static Path console(Path nodeDir, String vm) {
    return nodeDir.resolve(vm + ".console.log");
  }

  /** A VM's rendered domain XML in its node's folder (kept as evidence of a failed prolog). */
  public static Path domainXml(Path nodeDir, String vm) {
    return nodeDir.resolve(vm + ".xml");
  }

  /** {@code <stateDir>/logs/<job>.log}: the job's log on this node, the admin's, kept after teardown. */
  public Path log(String jobId) {
    return stateDir.resolve("logs").resolve(element("job id", jobId) + ".log");
  }

  /** {@code <stateDir>/evidence/<job>-<node>-<ms>}: what a failed prolog keeps. */
  public Path evidence(String jobId, String node, Instant at) {
    return stateDir.resolve("evidence").resolve(element("job id", jobId) + "-" + element("node name", node) + "-"
        + at.toEpochMilli());
  }

  /** {@code <runDir>/jobs}: root's, 0711. */
  public Path runJobs() {
    return runDir.resolve("jobs");
  }

  /** {@code <runDir>/jobs/<job>}: the job's folder of the run tree. */
  public Path runJob(String jobId) {
    return runJobs().resolve(element("job id", jobId));
  }

  /**
   * {@code name} when it is one path element that names no other folder: not empty, no {@code /},
   * not starting with a dot ({@code .}, {@code ..}, hidden names), no NUL.
   *
   * @throws IllegalArgumentException otherwise
   */
  public static String element(String what, String name) {
    if (name == null || name.isEmpty() || name.contains("/") || name.startsWith(".") || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(what + " '" + name + "' cannot name a folder");
    }
    return name;
  }
}
