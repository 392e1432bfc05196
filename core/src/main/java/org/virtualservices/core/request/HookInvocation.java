package org.virtualservices.core.request;

import java.util.Optional;

/**
 * A hook call read from the resource manager: the job, and its virtual-cluster request if it has
 * one. {@code request} is empty for the ordinary jobs that make up most of a site's work.
 *
 * @param refused the job asked for a virtual cluster in words that cannot be read (a user's typo
 *     in the comment, the SPANK options or the PBS variable list): the error naming what was
 *     wrong, kept with the job it belongs to so the prolog can tell its user (an ERROR file) and
 *     the epilog can still tear down; {@code request} is then empty
 */
public record HookInvocation(HookPhase phase, JobContext job, Optional<VcRequest> request,
    Optional<RequestException> refused) {

  public HookInvocation(HookPhase phase, JobContext job, Optional<VcRequest> request) {
    this(phase, job, request, Optional.empty());
  }

  /** Whether the job asked for a virtual cluster, readable or not. */
  public boolean asked() {
    return request.isPresent() || refused.isPresent();
  }
}
