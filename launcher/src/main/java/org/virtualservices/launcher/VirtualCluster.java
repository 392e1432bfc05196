package org.virtualservices.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.virtualservices.core.remote.RemoteHost;
import org.virtualservices.core.report.ReportFiles;

/**
 * A job's virtual cluster as its report describes it: the VMs in the order of the hostfile (the
 * first is the head), the login on them, and the report folder with the key, known_hosts, ssh
 * config and hostfile. Read from report.json, the prolog's account for scripts.
 */
record VirtualCluster(String job, String login, String batchHost, List<Vm> vms, ReportFiles files) {

  /**
   * One VM: its name, its address on the job's network, the node it runs on, and its console log
   * there (empty in a report from before the console was the user's).
   */
  record Vm(String name, String ip, String node, String console) {
    RemoteHost host(String login) {
      return new RemoteHost(name, ip, 22, login);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  VirtualCluster {
    vms = List.copyOf(vms);
    if (vms.isEmpty()) {
      throw new IllegalArgumentException("a virtual cluster without VMs");
    }
  }

  Vm head() {
    return vms.get(0);
  }

  Optional<Vm> vm(String name) {
    return vms.stream().filter(v -> v.name().equals(name)).findFirst();
  }

  List<String> names() {
    return vms.stream().map(Vm::name).toList();
  }

  /**
   * Reads {@code files.json()}.
   *
   * @throws LauncherException (1) when the report is unreadable or lacks what is needed
   */
  static VirtualCluster load(ReportFiles files) {
    JsonNode root;
    try {
      root = JSON.readTree(files.json().toFile());
    } catch (IOException e) {
      throw new LauncherException(1, "cannot read " + files.json() + ": " + e.getMessage());
    }
    String job = text(root, "job", files);
    String login = text(root, "login", files);
    List<Vm> vms = new ArrayList<>();
    for (JsonNode node : root.path("nodes")) {
      for (JsonNode vm : node.path("vms")) {
        vms.add(new Vm(text(vm, "name", files), text(vm, "ip", files), node.path("name").asText(""),
            vm.path("console").asText("")));
      }
    }
    if (vms.isEmpty()) {
      throw new LauncherException(1, files.json() + " lists no VMs");
    }
    return new VirtualCluster(job, login, root.path("batchHost").asText(""), vms, files);
  }

  private static String text(JsonNode n, String field, ReportFiles files) {
    JsonNode v = n.get(field);
    if (v == null || !v.isValueNode() || v.asText().isEmpty()) {
      throw new LauncherException(1, files.json() + " has no '" + field + "'");
    }
    return v.asText();
  }
}
