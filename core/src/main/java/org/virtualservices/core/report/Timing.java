package org.virtualservices.core.report;

/** How long one phase of a hook took on one node. */
public record Timing(String phase, double seconds) {
}
