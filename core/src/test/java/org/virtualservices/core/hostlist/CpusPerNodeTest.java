package org.virtualservices.core.hostlist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.virtualservices.core.request.RequestException;

class CpusPerNodeTest {

  static Stream<Arguments> good() {
    return Stream.of(
        Arguments.of("2(x3),1", 4, List.of(2, 2, 2, 1)),
        Arguments.of("1", 1, List.of(1)),
        Arguments.of("64(x2)", 2, List.of(64, 64)),
        Arguments.of("4,2(x2),8", 4, List.of(4, 2, 2, 8)),
        Arguments.of("1(x1)", 1, List.of(1)));
  }

  @ParameterizedTest(name = "{0} on {1} nodes")
  @MethodSource("good")
  void expands(String spec, int nodes, List<Integer> expected) {
    assertEquals(expected, CpusPerNode.expand(spec, nodes));
  }

  @ParameterizedTest(name = "''{0}'' on {1} nodes")
  @CsvSource(delimiter = '|', value = {
      "2(x3),1 | 3",     // more than the nodes
      "2(x3),1 | 5",     // fewer
      "''      | 1",     // empty
      "0       | 1",     // zero CPUs
      "2(x0)   | 1",
      "2(3)    | 3",
      "2(x3    | 3",
      "x3      | 3",
      "-1      | 1",
      "2,,1    | 3",
      "2,      | 1",
      "a       | 1",
      "2(x99999999999) | 1",
  })
  void refuses(String spec, int nodes) {
    RequestException e = assertThrows(RequestException.class, () -> CpusPerNode.expand(spec, nodes));
    assertEquals("SLURM_JOB_CPUS_PER_NODE", e.field());
  }
}
