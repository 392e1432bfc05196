package org.virtualservices.core.rm;

import java.util.List;

/**
 * How a sister node's hook ended, as the mother superior saw it.
 *
 * @param node the sister, as the node file names it
 * @param status whether it ran, and how it ended
 * @param exitStatus the hook's exit status when it ran to its end, else -1
 * @param detail what went wrong, in words: the exit status, or why SSH could not run it
 * @param output the last lines the hook wrote (its log), for the mother superior's log and ERROR file
 */
public record SisterResult(String node, Status status, int exitStatus, String detail, List<String> output) {

  /** How a sister's hook ended. */
  public enum Status {
    /** it ran and exited 0 */
    OK,
    /** it ran and exited non-zero */
    FAILED,
    /** SSH could not run it (refused, unknown host key, authentication) or it outran its time */
    UNREACHABLE
  }

  public SisterResult {
    output = List.copyOf(output);
  }

  public boolean ok() {
    return status == Status.OK;
  }

  /** One block for logs and the user's ERROR file: the node, what happened, its last lines. */
  public String describe() {
    StringBuilder sb = new StringBuilder("sister node ").append(node).append(": ").append(detail);
    for (String line : output) {
      sb.append("\n  | ").append(line);
    }
    return sb.toString();
  }
}
