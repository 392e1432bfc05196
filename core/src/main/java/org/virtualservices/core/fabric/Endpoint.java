package org.virtualservices.core.fabric;

/**
 * A VM's port on the job's bridge on this node: the tap libvirt makes (or, in the fabric tests, a
 * veth end), and the only MAC and IP it may send with.
 */
public record Endpoint(String tap, String mac, String ip) {
}
