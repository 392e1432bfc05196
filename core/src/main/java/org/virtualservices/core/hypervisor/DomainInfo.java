package org.virtualservices.core.hypervisor;

/**
 * A domain as listed by the hypervisor, with the job and node from its metadata (null when it has
 * none of ours).
 */
public record DomainInfo(String name, DomainState state, String job, String node) {
}
