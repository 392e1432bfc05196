package org.virtualservices.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.disk.GuestSeed;
import org.virtualservices.core.keys.SshKeyPair;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.StatePaths;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.render.Hostfile;
import org.virtualservices.core.render.Templates;

/** The report is one model: its JSON, its text and its ssh config say the same; the hostfile is the guests'. */
class ReportWriterTest {

  static final SshKeyPair KEY = new SshKeyPair("-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
      "ssh-ed25519 AAAA");

  static Plan plan() {
    Path dir = Path.of("/var/lib/vcluster/jobs/42/n1");
    List<VmPlan> n1 = List.of(vm("vc42-0", 0, "n1", "10.9.0.2", dir), vm("vc42-1", 1, "n1", "10.9.0.3", dir));
    List<VmPlan> n2 = List.of(vm("vc42-2", 2, "n2", "10.9.0.4", dir));
    return new Plan("42", "tiny", 4138, "10.9.0.0/24", "10.9.0.1", 24, 1450, "n1", "vcbr4138", "vcvx4138",
        List.of(new NodePlan("n1", n1), new NodePlan("n2", n2)));
  }

  static VmPlan vm(String name, int index, String node, String ip, Path dir) {
    return new VmPlan(name, index, index, node, ip, "02:00:10:2a:00:0" + index, "vt4138-" + index, 2, 4096,
        dir.resolve(name + ".qcow2"), dir.resolve(name + "-seed.iso"), dir.resolve(name + ".console.log"));
  }

  private static Map<String, String> written(Templates templates, Path tmp) throws IOException {
    JobFolder folder = JobFolder.of(new StatePaths(tmp.resolve("state"), tmp.resolve("run")), "42").create();
    new ReportWriter(templates, null).write(folder, Optional.empty(), plan(), "ann", "ann", UserCopy.ourUid(),
        UserCopy.ourGid(), KEY, List.of("vc42-0 ssh-ed25519 A"), List.of(new Timing("plan", 0.0694),
            new Timing("ready", 12.5)));
    Map<String, String> files = new java.util.TreeMap<>();
    for (String name : ReportFiles.NAMES) {
      files.put(name, Files.readString(folder.dir().resolve(name)));
    }
    return files;
  }

  @Test
  void theJsonTheTextAndTheSshConfigComeFromOneModel(@TempDir Path tmp) throws IOException {
    Map<String, String> files = written(Templates.shipped(), tmp);
    JsonNode json = new ObjectMapper().readTree(files.get("report.json"));
    assertEquals("42", json.path("job").asText());
    assertEquals("10.9.0.4", json.path("nodes").path(1).path("vms").path(0).path("ip").asText());
    assertEquals(0.069, json.path("timings").path("plan").asDouble(), "seconds, to the millisecond");
    assertEquals(List.of("job", "user", "image", "vni", "subnet", "gateway", "batchHost", "login", "nodes", "enter",
        "hostPattern", "files", "timings"), iterate(json.fieldNames()), "what scripts read, in this order");
    String text = files.get("report.txt");
    assertTrue(text.contains("  enter:      " + json.path("enter").asText() + "\n"), text);
    assertTrue(text.contains("  VMs:        3 on 2 node(s)\n"), text);
    assertTrue(text.contains("  vc42-2         10.9.0.4         n2               2 vCPU 4096 MiB\n"), text);
    assertTrue(text.contains("  plan           0.069\n  ready          12.500\n"), text);
    String ssh = files.get("ssh_config");
    assertTrue(ssh.contains("Host vc42-*\n    User ann\n    IdentityFile " + json.path("files").path("identity").asText()),
        ssh);
    assertTrue(ssh.contains("Host vc42-2\n    HostName 10.9.0.4\n"), ssh);
    assertTrue(ssh.startsWith("# ssh configuration for the virtual cluster of job 42: " + json.path("enter").asText()),
        ssh);
  }

  @Test
  void aSitesHostfileIsTheGuestsAndTheReportsAlike(@TempDir Path tmp) throws IOException {
    Path site = Files.createDirectories(tmp.resolve("site"));
    Files.writeString(site.resolve("hostfile.ftl"), "# job ${job}\n<#list vms as vm>${vm.ip} slots=${vm.vcpus * 2}\n</#list>");
    Templates templates = new Templates(List.of(site));
    String report = written(templates, tmp).get("hostfile");
    Plan plan = plan();
    Map<String, String> seed = GuestSeed.files(templates, plan, plan.vms().get(2), "ann", 1000, 1000, KEY, KEY,
        List.of(), Hostfile.render(templates, plan));
    assertEquals("# job 42\n10.9.0.2 slots=4\n10.9.0.3 slots=4\n10.9.0.4 slots=4\n", report);
    assertEquals(report, seed.get("vcluster/hostfile"), "the guest's hostfile is the report's");
    assertTrue(seed.get("user-data").contains("      10.9.0.4 slots=4\n"), "cloud-init's copy too: " + seed.get("user-data"));
  }

  private static List<String> iterate(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
