package org.virtualservices.core.config;

import java.nio.file.Path;

/** How each VM is rendered into a libvirt domain. */
public record Domain(
    @Doc(value = "libvirt domain type: kvm where the hardware has it, qemu (TCG) elsewhere, test for test:///",
        defaultValue = "kvm") String type,
    @Doc(value = "machine type", defaultValue = "pc") String machine,
    @Doc(value = "QEMU binary (absent: libvirt's default for the architecture)") String emulator,
    @Doc(value = "architecture", defaultValue = "x86_64") String arch,
    @Doc(value = "attach libvirt's clean-traffic nwfilter to each NIC (needs libvirt's nwfilter driver; the"
        + " fabric's own rules stop spoofing either way)", defaultValue = "false") boolean cleanTrafficFilter,
    @Doc(value = "libvirt's qemu.conf on the node, read for stdio_handler (console logs through virtlogd or not)",
        defaultValue = "/etc/libvirt/qemu.conf") Path libvirtQemuConf,
    @Doc(value = "virtlogd's configuration on the node, read for max_size and max_backups (the console logs'"
        + " bound)", defaultValue = "/etc/libvirt/virtlogd.conf") Path virtlogdConf,
    @Doc(value = "the account every QEMU runs as: absent for each job's own user (the default); else the name of a"
        + " fixed unprivileged user, never root (docs/hooks.md, \"QEMU as the job's user\")") String qemuUser,
    @Doc(value = "job: pin each VM's vCPUs and emulator threads to the CPUs the job has on the node (a job whose"
        + " CPUs cannot be learned is the node's fault); none: VMs run on any CPU of the node",
        defaultValue = "job") CpuPinning cpuPinning,
    @Doc(value = "each VM's memory is bounded by the kernel (libvirt's memtune hard_limit on its cgroup) at its"
        + " size plus this, for QEMU's own memory; 0: exactly its size", defaultValue = "256") int memoryOverheadMiB,
    @Doc(value = "bound each VM's memory (memoryOverheadMiB); false: no hard limit", defaultValue = "true")
    boolean memoryHardLimit,
    @Doc(value = "type qemu (TCG) only: the size of each QEMU's cache of translated code (libvirt's <tcg><tb-cache>),"
        + " counted in its memory hard limit; 0: QEMU's own default (7.2: up to 1 GiB, not counted); 0 to 2048",
        defaultValue = "128") int tcgCacheMiB) {

  /** Whether the VMs run under TCG, QEMU's emulation without KVM (type qemu). */
  public boolean tcg() {
    return "qemu".equals(type);
  }

  /** The translation cache each QEMU is given, MiB: tcgCacheMiB under TCG; 0 (none set) otherwise. */
  public int tcgCache() {
    return tcg() ? tcgCacheMiB : 0;
  }

  /**
   * The memory hard limit of a VM of {@code vmMiB}: its size, QEMU's own overhead and, under TCG, the
   * translation cache (QEMU's code cache grows to its size under a busy guest: docs/bench.md, "TCG's code cache").
   */
  public long hardLimitMiB(long vmMiB) {
    return vmMiB + memoryOverheadMiB + tcgCache();
  }

  /** Where a VM's threads may run (docs/hooks.md, "The job's CPUs and memory"). */
  public enum CpuPinning {
    job, none
  }
}
