package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hooks' outcome lines (docs/hooks.md, "The outcome line") as the real prolog and epilog write
 * them, one per call that took up a job, for each outcome: what the e2e scenarios and the bench
 * read instead of the log's prose.
 */
class OutcomeLineSimulationTest extends OnSimulatedCluster {

  private static final String REQUEST = "vc:image=tiny,vms=2,vcpus=1,mem=256M";
  private static final List<String> NODES = List.of("sim1", "sim2", "sim3");
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  OutcomeLineSimulationTest() {
    super(NODES);
  }

  @Test
  void aJobThatBootsAndIsTornDownEndsOkOnEveryNode() throws IOException {
    for (String node : NODES) {
      assertEquals(0, cluster.prolog("4242", node, REQUEST), cluster.log());
      assertEquals(0, cluster.epilog("4242", node, REQUEST), cluster.log());
    }
    for (String node : NODES) {
      JsonNode p = only("prolog", "4242", node);
      assertEquals("ok 0 null", p.get("outcome").asText() + " " + p.get("exit").asInt() + " " + p.get("error"));
      List<String> phases = names(p.get("phases"));
      assertTrue(phases.containsAll(List.of("config", "plan", "make", "disks", "fabric", "define", "start", "ready")),
          phases.toString());
      assertEquals("make", p.get("inside").get("disks").asText());
      assertEquals(node.equals("sim1"), p.get("phases").has("report"), "the report: on the batch host only");
      assertTrue(p.get("removed").isNull(), "no rollback");
      JsonNode e = only("epilog", "4242", node);
      assertEquals("ok", e.get("outcome").asText());
      assertTrue(names(e.get("phases")).containsAll(List.of("plan+connect", "domains", "files", "network", "check")));
      List<String> removed = texts(e.get("removed"));
      int first = NODES.indexOf(node) * 2;
      assertTrue(removed.containsAll(List.of("domain vc4242-" + first, "domain vc4242-" + (first + 1))), removed.toString());
      assertTrue(removed.stream().anyMatch(r -> r.startsWith("network vcbr")), removed.toString());
      assertEquals(0, e.get("left").size());
    }
    // the job's log file on the node holds the same lines as stderr
    String file = Files.readString(cluster.stateDir.resolve("logs/4242.log"));
    assertEquals(NODES.size() * 2, file.lines().filter(l -> l.startsWith("{")).count(), file);
  }

  @Test
  void aRequestBeyondTheAllocationIsTheUsersErrorAndExitsZero() {
    assertEquals(0, cluster.prolog("66", "sim1", "vc:image=tiny,vms=3,vcpus=1"), cluster.log());
    JsonNode p = only("prolog", "66", "sim1");
    assertEquals("user-error 0 request", p.get("outcome").asText() + " " + p.get("exit").asInt() + " "
        + p.get("error").get("code").asText());
    assertTrue(p.get("error").get("message").asText().contains("3 VM(s) x 1 vCPUs"), p.toString());
  }

  @Test
  void aMissingBaseImageIsTheNodesFaultAtItsDiskAndRolledBack() throws IOException {
    Files.delete(cluster.baseImage);
    assertEquals(1, cluster.prolog("71", "sim1", REQUEST), cluster.log());
    JsonNode p = only("prolog", "71", "sim1");
    assertEquals("node-fault 1 step", p.get("outcome").asText() + " " + p.get("exit").asInt() + " "
        + p.get("error").get("code").asText());
    assertTrue(p.get("error").get("step").asText().matches("(disk|seed) of vc71-[01]"), p.toString());
    assertTrue(p.get("removed").isArray(), "a rollback ran: " + p);
    assertTrue(p.get("phases").has("rollback"), p.toString());
  }

  @Test
  void vmsOfAnotherNodeThatNeverAnswerArePeersFaultsOnTheBatchHost() throws IOException {
    cluster.probePortsOnLoopback();
    // job 95's VMs on sim1 answer (HookSimulationTest.vmsOfAnotherNodeThatNeverAnswer...), sim2's do not
    try (java.net.ServerSocket a = new java.net.ServerSocket(20222, 5, java.net.InetAddress.getByName("127.77.67.2"));
        java.net.ServerSocket b = new java.net.ServerSocket(20222, 5, java.net.InetAddress.getByName("127.77.67.3"))) {
      assertEquals(0, cluster.prolog("95", "sim1", REQUEST), cluster.log());
    }
    JsonNode p = only("prolog", "95", "sim1");
    assertEquals("peer-fault 0 peers-not-ready", p.get("outcome").asText() + " " + p.get("exit").asInt() + " "
        + p.get("error").get("code").asText());
    assertTrue(p.get("error").get("message").asText().contains("vc95-2 on sim2"), p.toString());
  }

  @Test
  void aCommentThatForgesAnOutcomeLineIsOneEscapedValue() {
    String forged = "vc:image=tiny,vcpus=\n{\"schema\":1,\"hook\":\"prolog\",\"job\":\"67\",\"outcome\":\"ok\"}\n";
    assertEquals(0, cluster.prolog("67", "sim1", forged), cluster.log());
    List<JsonNode> lines = outcomes();
    assertEquals(1, lines.size(), cluster.log());
    assertEquals("user-error", lines.get(0).get("outcome").asText());
    assertTrue(cluster.log().lines().allMatch(l -> l.startsWith("{") || l.matches("^\\d{4}-\\d\\d-\\d\\dT.*")),
        "every line is an outcome line or begins with its time: " + cluster.log());
  }

  /** The one outcome line of this hook, job and node. */
  private JsonNode only(String hook, String job, String node) {
    List<JsonNode> mine = outcomes().stream().filter(n -> n.get("hook").asText().equals(hook)
        && job.equals(n.get("job").asText()) && node.equals(n.get("node").asText())).toList();
    assertEquals(1, mine.size(), hook + " of " + job + " on " + node + ": " + cluster.log());
    return mine.get(0);
  }

  /** Every outcome line so far: the lines of stderr that begin with "{". */
  private List<JsonNode> outcomes() {
    List<JsonNode> out = new ArrayList<>();
    for (String line : cluster.log().lines().filter(l -> l.startsWith("{")).toList()) {
      try {
        out.add(JSON.readTree(line));
      } catch (IOException e) {
        throw new UncheckedIOException("not one JSON object: " + line, e);
      }
    }
    return out;
  }

  private static List<String> names(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
