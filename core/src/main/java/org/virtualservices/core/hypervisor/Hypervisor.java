package org.virtualservices.core.hypervisor;

import java.util.List;
import java.util.Optional;

/** The node's hypervisor: one connection, closed when the hook is done. No libvirt type leaves it. */
public interface Hypervisor extends AutoCloseable {

  /** The XML namespace of the metadata that marks a domain as a job's. */
  String METADATA_NS = "https://virtualservices.org/xmlns/vcluster/1";

  String uri();

  /** Defines (persistently) a domain from its XML. */
  void define(String name, String xml);

  void start(String name);

  /**
   * Starts the domain with its memory bounded by the kernel: started paused, its cgroup's hard limit
   * set to {@code hardLimitMiB} (libvirt's memtune {@code hard_limit}), then resumed, so the guest
   * never runs without it (docs/hooks.md, "The job's CPUs and memory").
   */
  void start(String name, long hardLimitMiB);

  /**
   * What the running domain has used so far (CPU time, peak memory); empty when it is not running
   * or cannot be read. Never throws: teardown reads it on the way to removing the domain.
   */
  Optional<VmUsage> usage(String name);

  DomainState state(String name);

  /**
   * Asks the running domain's guest to power off, as a power button would (libvirt's shutdown:
   * ACPI for a guest without an agent); returns at once, the guest may take its time or ignore it.
   */
  void shutdown(String name);

  /** Whether the domain's QEMU still runs (libvirt's isActive): false once it is off, or gone. */
  boolean active(String name);

  /** Stops the domain if it runs and undefines it; returns false if it was already gone. */
  boolean remove(String name);

  /** Every domain, running or not, with the job and node read from its metadata. */
  List<DomainInfo> domains();

  /** The domain's current XML, if it exists. */
  Optional<String> xml(String name);

  /** Pauses the running domain (its vCPUs stop; QEMU flushes its disks). */
  default void suspend(String name) {
    throw new HypervisorException("suspend domain " + name + " on " + uri() + ": not supported here");
  }

  /** Lets the paused domain run again. */
  default void resume(String name) {
    throw new HypervisorException("resume domain " + name + " on " + uri() + ": not supported here");
  }

  /**
   * Saves the domain's memory and device state into {@code file} (libvirt's virDomainSave, written by
   * libvirtd as root) and stops it: the domain stays defined, shut off.
   */
  default void save(String name, java.nio.file.Path file) {
    throw new HypervisorException("save domain " + name + " on " + uri() + ": not supported here");
  }

  /**
   * Brings a saved domain back from {@code file}, paused, its memory bounded when {@code hardLimitMiB}
   * is positive, then running. With {@code xml}, the domain is restored with that definition
   * (libvirt's virDomainRestoreFlags {@code dxml}: other paths and bridge, the same devices and UUID);
   * without, with the one saved in the file.
   */
  default void restore(String name, java.nio.file.Path file, Optional<String> xml, long hardLimitMiB) {
    throw new HypervisorException("restore domain " + name + " on " + uri() + ": not supported here");
  }

  /**
   * Sets the guest's clock to {@code epochSecond} through its guest agent (virDomainSetTime);
   * false, never an exception, when the guest has no agent or it does not answer.
   */
  default boolean setGuestTime(String name, long epochSecond) {
    return false;
  }

  @Override
  void close();
}
