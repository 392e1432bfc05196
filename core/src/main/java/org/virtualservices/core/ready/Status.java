package org.virtualservices.core.ready;

/** The answer of one look at a readiness check. */
public record Status(State state, String detail) {

  /** Whether the awaited condition holds. */
  public enum State {
    READY,
    NOT_YET,
    /** it will never hold: stop waiting */
    FAILED
  }

  public static Status ready() {
    return new Status(State.READY, "");
  }

  public static Status notYet(String detail) {
    return new Status(State.NOT_YET, detail);
  }

  public static Status failed(String detail) {
    return new Status(State.FAILED, detail);
  }
}
