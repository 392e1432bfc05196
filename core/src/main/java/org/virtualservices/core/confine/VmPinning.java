package org.virtualservices.core.confine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where one VM's threads may run: each vCPU on one CPU of the job's, the emulator threads (QEMU's
 * main loop, I/O) on all of them (libvirt's {@code <cputune>}: {@code vcpupin}, {@code
 * emulatorpin}; https://libvirt.org/formatdomain.html#cpu-tuning).
 *
 * @param vcpus the CPU of each vCPU, by vCPU number
 * @param all every CPU of the job on this node: the VM's {@code <vcpu cpuset>} and its emulator's
 */
public record VmPinning(List<Integer> vcpus, CpuList all) {

  public VmPinning {
    vcpus = List.copyOf(vcpus);
  }

  /**
   * The node's VMs spread over the job's CPUs: the vCPUs of all of them, one after the other in the
   * VMs' order, go round the CPUs in ascending order, so that no CPU gets a second vCPU before every
   * CPU has one (a job that asked more vCPUs than it has CPUs, where the site allows
   * {@code limits.cpuOvercommit}, shares them evenly).
   *
   * @param vcpusPerVm each VM's name and vCPU count, in the node's order
   * @throws IllegalArgumentException when {@code cpus} is empty
   */
  public static Map<String, VmPinning> spread(CpuList cpus, Map<String, Integer> vcpusPerVm) {
    if (cpus.isEmpty()) {
      throw new IllegalArgumentException("no CPU to pin to");
    }
    List<Integer> ids = cpus.ids();
    Map<String, VmPinning> out = new LinkedHashMap<>();
    int next = 0;
    for (Map.Entry<String, Integer> vm : vcpusPerVm.entrySet()) {
      List<Integer> mine = new ArrayList<>();
      for (int v = 0; v < vm.getValue(); v++) {
        mine.add(ids.get(next++ % ids.size()));
      }
      out.put(vm.getKey(), new VmPinning(mine, cpus));
    }
    return out;
  }
}
