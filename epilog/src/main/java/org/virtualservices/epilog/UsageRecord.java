package org.virtualservices.epilog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.virtualservices.core.hypervisor.VmUsage;

/**
 * What a node's VMs used, for the job's user after the job (docs/users.md, "What your VMs used"):
 * {@code vcluster-<job>-usage/<node>.json} in the working folder, written as the user by each
 * node's epilog. Slurm's accounting does not see QEMU (it runs under libvirtd, outside the job's
 * cgroup), so this is where the job's VMs' CPU time and memory are told.
 */
public final class UsageRecord {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private UsageRecord() {
  }

  /** The folder's name for {@code job}, in the working folder. */
  public static String folderName(String job) {
    return "vcluster-" + job + "-usage";
  }

  /** The file's name for {@code node}. */
  public static String fileName(String node) {
    return node + ".json";
  }

  /** The record's JSON: the job, the node, and per VM its CPU seconds and memory in MiB. */
  public static String json(String job, String node, Map<String, VmUsage> usages) {
    List<Map<String, Object>> vms = new ArrayList<>();
    usages.forEach((name, u) -> {
      Map<String, Object> vm = new LinkedHashMap<>();
      vm.put("name", name);
      vm.put("cpuSeconds", Math.round(u.cpuSeconds() * 1000) / 1000.0);
      vm.put("peakMemoryMiB", u.peakMemoryBytes().isPresent() ? mib(u.peakMemoryBytes().getAsLong()) : null);
      vm.put("memoryLimitMiB", u.memoryLimitBytes().isPresent() ? mib(u.memoryLimitBytes().getAsLong()) : null);
      vms.add(vm);
    });
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("job", job);
    root.put("node", node);
    root.put("vms", vms);
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("usage record: " + e.getMessage(), e);
    }
  }

  private static long mib(long bytes) {
    return (bytes + (1 << 20) - 1) >> 20;
  }
}
