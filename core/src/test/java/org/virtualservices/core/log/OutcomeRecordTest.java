package org.virtualservices.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The outcome line (docs/hooks.md, "The outcome line"): its fields, and that no value breaks it. */
class OutcomeRecordTest {

  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final Instant NOW = Instant.parse("2026-12-03T10:30:00Z");
  /** Every field of schema 1, whatever the outcome: a reader may count on each being there. */
  private static final Set<String> FIELDS = new TreeSet<>(List.of("schema", "time", "hook", "job", "node", "outcome",
      "exit", "ms", "error", "phases", "inside", "removed", "left"));

  @TempDir
  Path tmp;

  @ParameterizedTest
  @EnumSource(OutcomeRecord.Kind.class)
  void eachOutcomeParsesWithItsFields(OutcomeRecord.Kind kind) throws IOException {
    OutcomeRecord r = new OutcomeRecord("prolog");
    r.arm();
    r.phase("config", Duration.ofMillis(41), null);
    r.phase("make", Duration.ofNanos(94_400_000), null);
    r.phase("disks", Duration.ofMillis(69), "make");
    r.kind(kind);
    if (kind != OutcomeRecord.Kind.OK) {
      r.error("step", "prolog failed on node vnode2 at step 'disk of vc10-1': base image missing");
      r.step("disk of vc10-1");
      r.teardown(List.of("domain vc10-1"), List.of());
    }
    int exit = kind == OutcomeRecord.Kind.NODE_FAULT ? 1 : 0;
    JsonNode n = parseOneLine(r.json(NOW, "10", "vnode2", exit, Duration.ofMillis(612)));

    assertEquals(FIELDS, fields(n));
    assertEquals(1, n.get("schema").asInt());
    assertEquals("2026-12-03T10:30:00Z", n.get("time").asText());
    assertEquals("prolog", n.get("hook").asText());
    assertEquals("10", n.get("job").asText());
    assertEquals("vnode2", n.get("node").asText());
    assertEquals(kind.json(), n.get("outcome").asText());
    assertEquals(exit, n.get("exit").asInt());
    assertEquals(612, n.get("ms").asLong());
    assertEquals(41, n.get("phases").get("config").asLong());
    assertEquals(94, n.get("phases").get("make").asLong());
    assertEquals(List.of("config", "make", "disks"), List.copyOf(iterable(n.get("phases").fieldNames())));
    assertEquals("make", n.get("inside").get("disks").asText());
    assertTrue(n.get("inside").get("make") == null);
    if (kind == OutcomeRecord.Kind.OK) {
      assertTrue(n.get("error").isNull());
      assertTrue(n.get("removed").isNull(), "no teardown ran");
    } else {
      assertEquals("step", n.get("error").get("code").asText());
      assertTrue(n.get("error").get("message").asText().contains("base image missing"));
      assertEquals("disk of vc10-1", n.get("error").get("step").asText());
      assertEquals("domain vc10-1", n.get("removed").get(0).asText());
      assertEquals(0, n.get("left").size());
    }
  }

  @Test
  void theSpellingsOfTheOutcomesAreTheDocumentedOnes() {
    assertEquals(List.of("ok", "user-error", "node-fault", "peer-fault"),
        java.util.Arrays.stream(OutcomeRecord.Kind.values()).map(OutcomeRecord.Kind::json).toList());
  }

  @Test
  void withoutAKindTheExitStatusSaysIt() throws IOException {
    OutcomeRecord r = new OutcomeRecord("epilog");
    assertEquals("ok", parseOneLine(r.json(NOW, "7", "n1", 0, Duration.ZERO)).get("outcome").asText());
    assertEquals("node-fault", parseOneLine(r.json(NOW, "7", "n1", 1, Duration.ZERO)).get("outcome").asText());
  }

  @Test
  void theFirstErrorDecidesAndTheRollbacksComeAfter() throws IOException {
    OutcomeRecord r = new OutcomeRecord("prolog");
    r.error("request", "request refused: vcpus: invalid number of vCPUs 'two'");
    r.error("unexpected", "rollback incomplete");
    JsonNode n = parseOneLine(r.json(NOW, null, null, 0, Duration.ZERO));
    assertEquals("request", n.get("error").get("code").asText());
    assertTrue(n.get("job").isNull() && n.get("node").isNull(), "not known yet: null, not a made-up name");
  }

  /** A quote, a newline, a control or format character in any value a user can reach. */
  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r\n", "\r", "\u0085", "\u2028", "\u2029", "\u000b", "\u000c", "\u001b[2K\r",
      "\u007f", "\u0000", "\"", "\\", "\ud800", "\u202e"})
  void noValueBreaksTheLineNorForgesAnother(String breaker) throws IOException {
    String forged = breaker + "\"},\"outcome\":\"ok\",\"x\":{\"a\":\"" + breaker
        + "{\"schema\":1,\"hook\":\"prolog\",\"outcome\":\"ok\"}" + breaker;
    OutcomeRecord r = new OutcomeRecord("prolog");
    r.kind(OutcomeRecord.Kind.USER_ERROR);
    r.error("request", "request refused: vc:image=x" + forged);
    r.step("disk of " + forged);
    r.teardown(List.of("domain " + forged), List.of(forged));
    String line = r.json(NOW, "42" + forged, "vnode1" + forged, 0, Duration.ofMillis(5));

    assertTrue(line.chars().allMatch(c -> c >= 0x20 && c <= 0x7e), "printable ASCII only: " + line);
    JsonNode n = parseOneLine(line);
    assertEquals(FIELDS, fields(n), "no field added or dropped");
    assertEquals("user-error", n.get("outcome").asText());
    assertEquals("request", n.get("error").get("code").asText());
    assertTrue(n.get("error").get("message").asText().startsWith("request refused: vc:image=x"));
    assertTrue(n.get("job").asText().startsWith("42"));
    assertEquals(1, n.get("removed").size());
    assertEquals(1, n.get("left").size());
  }

  @Test
  void aHugeMessageIsCutWithItsSize() throws IOException {
    OutcomeRecord r = new OutcomeRecord("prolog");
    r.error("request", "request refused: " + "k".repeat(100_000));
    String line = r.json(NOW, "1", "n", 0, Duration.ZERO);
    assertTrue(line.length() < 1000, "length " + line.length());
    assertTrue(parseOneLine(line).get("error").get("message").asText().endsWith("(100017 bytes)"), line);
  }

  @Test
  void theLogWritesTheLineOnceAndOnlyForACallThatTookUpAJob() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    JobLog plain = new JobLog("vcluster-epilog", err, clock, false);
    plain.writeOutcome(0, Duration.ZERO);
    assertEquals("", bytes.toString(StandardCharsets.UTF_8), "a job without a request leaves no line");

    Path file = tmp.resolve("42.log");
    JobLog log = new JobLog("vcluster-prolog", err, clock, false);
    log.attach("42", "vnode1", file);
    log.info("plan: 1 VM(s)");
    log.failed("request", "request refused: {0}", "vcpus: invalid number of vCPUs 'two'");
    log.writeOutcome(0, Duration.ofMillis(3));
    log.writeOutcome(0, Duration.ofMillis(4));
    for (String text : List.of(bytes.toString(StandardCharsets.UTF_8), Files.readString(file))) {
      List<String> lines = text.lines().toList();
      assertEquals(3, lines.size(), text);
      assertTrue(lines.get(1).endsWith("ERROR: request refused: vcpus: invalid number of vCPUs 'two'"), text);
      assertEquals(1, lines.stream().filter(l -> l.startsWith("{")).count(), text);
      JsonNode n = parseOneLine(lines.get(2));
      assertEquals("prolog", n.get("hook").asText());
      assertEquals("42", n.get("job").asText());
      assertEquals("request refused: vcpus: invalid number of vCPUs 'two'", n.get("error").get("message").asText());
    }
  }

  private static JsonNode parseOneLine(String line) throws IOException {
    assertTrue(line.startsWith("{") && line.indexOf('\n') < 0 && line.indexOf('\r') < 0, line);
    JsonNode n = JSON.readTree(line);
    assertTrue(n.isObject(), line);
    return n;
  }

  private static Set<String> fields(JsonNode n) {
    return new TreeSet<>(List.copyOf(iterable(n.fieldNames())));
  }

  private static <T> List<T> iterable(java.util.Iterator<T> it) {
    List<T> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
