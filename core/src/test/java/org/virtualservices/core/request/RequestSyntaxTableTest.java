package org.virtualservices.core.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.virtualservices.core.request.RequestParser.Field;
import org.virtualservices.core.request.RequestParser.Key;

/** RequestParser against the table the SPANK plugin is tested against too (syntax-cases.tsv). */
class RequestSyntaxTableTest {

  static Stream<SyntaxCases.Case> cases() {
    return SyntaxCases.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void parserAgreesWithTheTable(SyntaxCases.Case c) {
    Key key = Key.ofWord(c.word()).orElseThrow();
    List<Field> fields = List.of(new Field(key, c.option(), c.value()));
    if (c.valid()) {
      VcRequest r = RequestParser.parse(fields, "test");
      Object got = switch (key) {
        case IMAGE -> r.image();
        case VCPUS -> r.vcpus();
        case MEM -> r.memoryMiB();
        case VMS -> r.vmsPerNode();
        case MOUNTS -> r.mounts().none() ? 0 : r.mounts().extra().size();
        case CHECKPOINT -> r.checkpointOnTimeout() ? 1 : 0;
        case SAVE -> r.save();
        case RESTORE -> r.restore();
      };
      assertEquals(c.expected(), String.valueOf(got), c.toString());
    } else {
      RequestException e = assertThrows(RequestException.class, () -> RequestParser.parse(fields, "test"),
          c.toString());
      assertEquals(c.option(), e.field());
      assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
      assertTrue(e.getMessage().length() < 300, "short: " + e.getMessage());
    }
  }
}
