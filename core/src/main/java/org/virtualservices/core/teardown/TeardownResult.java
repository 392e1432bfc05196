package org.virtualservices.core.teardown;

import java.util.List;

/**
 * What teardown did on a node.
 *
 * @param removed what it removed (for the log)
 * @param failures every step that failed, with what it was about
 * @param leftovers what of the job is still on the node after it: must be empty for exit 0
 */
public record TeardownResult(List<String> removed, List<String> failures, List<String> leftovers) {

  public TeardownResult {
    removed = List.copyOf(removed);
    failures = List.copyOf(failures);
    leftovers = List.copyOf(leftovers);
  }

  public boolean clean() {
    return leftovers.isEmpty() && failures.isEmpty();
  }
}
