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
    boolean memoryHardLimit) {

  /** Where a VM's threads may run (docs/hooks.md, "The job's CPUs and memory"). */
  public enum CpuPinning {
    job, none
  }
}
