package org.virtualservices.prolog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.plan.VmPlan;

/** The quote of a console on its own: bounded, each line escaped and marked as the guest's. */
class ConsoleQuoteTest {

  @TempDir
  Path tmp;

  private VmPlan vm(String name, Path console) {
    return new VmPlan(name, 0, 0, "n1", "10.0.0.2", "52:54:00:00:00:02", "vt0", 1, 256, tmp.resolve("d"),
        tmp.resolve("s"), console);
  }

  @Test
  void everyQuotedLineIsEscapedAndMarked() throws IOException {
    Path console = Files.writeString(tmp.resolve("c.log"),
        "ok\n\u001b[2J\u001b]0;t\u0007x\r\nfake\u2028line\n\n\u009b31m\n", StandardCharsets.UTF_8);
    String q = ConsoleQuote.of(List.of(vm("vc1-0", console)));
    assertEquals("\nVM vc1-0 on node n1 did not become ready; the last 4 line(s) of its console:\n"
        + "  vc1-0| ok\n  vc1-0| \\x1b[2J\\x1b]0;t\\x07x\n  vc1-0| fake\\u2028line\n  vc1-0| \\x9b31m", q);
  }

  @Test
  void boundedInLinesBytesAndVms() throws IOException {
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      big.append("line ").append(i).append(' ').append("x".repeat(i % 300)).append('\n');
    }
    Path console = Files.writeString(tmp.resolve("c.log"), big);
    List<String> last = ConsoleQuote.lastLines(console, ConsoleQuote.LINES);
    assertEquals(ConsoleQuote.LINES, last.size());
    assertTrue(last.get(last.size() - 1).startsWith("line 4999 "), last.toString());
    String q = ConsoleQuote.of(List.of(vm("a", console), vm("b", console), vm("c", console), vm("d", console)));
    assertTrue(q.endsWith("\n(and 1 more VM(s) not ready)"), q);
    for (String l : q.split("\n")) {
      assertTrue(l.length() <= ConsoleQuote.LINE_CHARS + 40, l);
    }
    assertEquals(List.of(), ConsoleQuote.lastLines(tmp.resolve("none"), 3), "no console yet: nothing quoted");
  }
}
