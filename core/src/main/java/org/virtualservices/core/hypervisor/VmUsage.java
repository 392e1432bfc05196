package org.virtualservices.core.hypervisor;

import java.util.OptionalLong;

/**
 * What a VM used, read before its domain is destroyed (docs/hooks.md, "What the VMs used"): Slurm's
 * accounting does not count QEMU, which runs under libvirtd, not in the job's cgroup.
 *
 * @param cpuSeconds CPU time of all its QEMU threads (libvirt's domain info: the cgroup's cpuacct,
 *     else the process's)
 * @param peakMemoryBytes the most memory its cgroup held at once (v1 {@code
 *     memory.max_usage_in_bytes}, v2 {@code memory.peak}), when it can be read
 * @param memoryLimitBytes the cgroup's hard limit then, when there is one
 */
public record VmUsage(double cpuSeconds, OptionalLong peakMemoryBytes, OptionalLong memoryLimitBytes) {

  /** One line for the log: {@code 12.345 CPU seconds, peak memory 301 MiB of a 640 MiB limit}. */
  public String line() {
    StringBuilder s = new StringBuilder(String.format(java.util.Locale.ROOT, "%.3f CPU seconds", cpuSeconds));
    s.append(", peak memory ").append(peakMemoryBytes.isPresent() ? mib(peakMemoryBytes.getAsLong()) + " MiB"
        : "unknown");
    memoryLimitBytes.ifPresent(l -> s.append(" of a ").append(mib(l)).append(" MiB limit"));
    return s.toString();
  }

  private static long mib(long bytes) {
    return (bytes + (1 << 20) - 1) >> 20;
  }
}
