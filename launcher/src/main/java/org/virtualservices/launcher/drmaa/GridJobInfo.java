package org.virtualservices.launcher.drmaa;

import java.util.Map;
import org.ggf.drmaa.JobInfo;

/**
 * What {@code Session.wait} returns for an ended job, from its last status. A job that ended
 * before it ran (cancelled while pending, refused at launch with no code) {@link #wasAborted()}.
 */
public final class GridJobInfo implements JobInfo {

  private final JobStatus status;

  public GridJobInfo(JobStatus status) {
    this.status = status;
  }

  public JobStatus status() {
    return status;
  }

  @Override
  public String getJobId() {
    return status.id();
  }

  /** No usage is collected: an empty map, as the spec allows where the DRM gives none. */
  @Override
  public Map<String, String> getResourceUsage() {
    return Map.of();
  }

  @Override
  public boolean hasExited() {
    return status.exitCode() != null;
  }

  @Override
  public int getExitStatus() {
    if (status.exitCode() == null) {
      throw new IllegalStateException("job " + status.id() + " did not exit by itself (" + status.describe() + ")");
    }
    return status.exitCode();
  }

  @Override
  public boolean hasSignaled() {
    return status.signal() != null;
  }

  /** The signal's name as DRMAA writes it (SIGTERM), or its number when it has no usual name. */
  @Override
  public String getTerminatingSignal() {
    if (status.signal() == null) {
      throw new IllegalStateException("job " + status.id() + " was not ended by a signal");
    }
    return switch (status.signal()) {
      case 1 -> "SIGHUP";
      case 2 -> "SIGINT";
      case 6 -> "SIGABRT";
      case 9 -> "SIGKILL";
      case 11 -> "SIGSEGV";
      case 15 -> "SIGTERM";
      default -> "SIG" + status.signal();
    };
  }

  @Override
  public boolean hasCoreDump() {
    return false;
  }

  @Override
  public boolean wasAborted() {
    return status.exitCode() == null && status.signal() == null;
  }

  /**
   * The job's outcome as one process exit code, as a shell gives it: the exit code; 128 plus the
   * signal; 1 when it never ran to an end of its own.
   */
  public int shellExitCode() {
    if (status.exitCode() != null) {
      return status.exitCode();
    }
    return status.signal() != null ? 128 + status.signal() : 1;
  }
}
