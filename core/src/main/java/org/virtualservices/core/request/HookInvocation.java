package org.virtualservices.core.request;

import java.util.Optional;

/**
 * A hook call read from the resource manager: the job, and its virtual-cluster request if it has
 * one. {@code request} is empty for the ordinary jobs that make up most of a site's work.
 */
public record HookInvocation(HookPhase phase, JobContext job, Optional<VcRequest> request) {
}
