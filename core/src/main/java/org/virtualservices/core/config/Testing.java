package org.virtualservices.core.config;

/**
 * Fault injection, for the project's own tests of what the epilog leaves after a prolog that
 * failed or died at any point. Off unless set; a site never sets it.
 */
public record Testing(
    @Doc("FOR TESTS ONLY: the fault point where a hook fails or dies: the prolog's journal, fabric,"
        + " disk:<vm>, seed:<vm>, define:<vm>, start:<vm>, ready, report; teardown's (epilog, rollback, sweep)"
        + " teardown:domain:<vm>, teardown:files, teardown:fabric; absent: off") String faultPoint,
    @Doc(value = "FOR TESTS ONLY: fail (an error, then the usual rollback) or die (the process halts at once,"
        + " as kill -9 would: no rollback)", defaultValue = "fail") FaultAction faultAction) {

  /** What happens at the fault point. */
  public enum FaultAction {
    fail,
    die
  }
}
