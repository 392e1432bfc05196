package org.virtualservices.core.render;

import java.util.LinkedHashMap;
import java.util.Map;
import org.virtualservices.core.plan.VmPlan;

/** Template models: plain maps of strings and numbers, so templates see exactly what they may use. */
public final class Models {

  private Models() {
  }

  public static Map<String, Object> vm(VmPlan vm) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", vm.name());
    m.put("index", vm.index());
    m.put("node", vm.node());
    m.put("ip", vm.ip());
    m.put("mac", vm.mac());
    m.put("tap", vm.tap());
    m.put("vcpus", vm.vcpus());
    m.put("memoryMiB", vm.memoryMiB());
    m.put("disk", vm.disk().toString());
    m.put("seed", vm.seed().toString());
    m.put("console", vm.console().toString());
    return m;
  }
}
