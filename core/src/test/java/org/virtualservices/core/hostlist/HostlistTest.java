package org.virtualservices.core.hostlist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtualservices.core.request.RequestException;

class HostlistTest {

  /** Rows of scontrol.tsv, captured from the real scontrol by tests/capture/hostlists.sh. */
  static Stream<Arguments> captured() throws IOException {
    List<Arguments> rows = new ArrayList<>();
    try (InputStream in = HostlistTest.class.getResourceAsStream("/hostlist/scontrol.tsv")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        String[] cols = line.split("\t", 2);
        rows.add(Arguments.of(cols[0], cols[1]));
      }
    }
    assertTrue(rows.size() >= 30, "scontrol.tsv should hold at least 30 captured expressions");
    return rows.stream();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("captured")
  void matchesScontrol(String expr, String expected) {
    if (expected.equals("ERROR")) {
      RequestException e = assertThrows(RequestException.class, () -> Hostlist.expand(expr));
      assertEquals("SLURM_NODELIST", e.field());
      assertTrue(e.getMessage().contains(expr), e.getMessage());
    } else {
      assertEquals(Arrays.asList(expected.split(" ")), Hostlist.expand(expr));
    }
  }

  /**
   * Where scontrol 22.05 prints something for broken input (shown after each), we refuse: a wrong
   * node list would put VMs on the wrong machines.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "n[1-3",             // scontrol: n]
      "n1-3]",             // scontrol: n1-3]
      "n]1",               // scontrol: n]1
      "n[1-]",             // scontrol: n1
      "n[ 1-2]",           // scontrol: n01 n02
      "n[1 -2]",           // scontrol: n01 n02
      "n[+1-2]",           // scontrol: n01 n02
      "",                  // scontrol: nothing
      "   ",               // scontrol: nothing
      ",",                 // scontrol: nothing
      "n[1-300]-[1-300]",  // scontrol: 90,000 names
      "n[1234567890123456789-1234567890123456790]",
  })
  void refusesWhatScontrolGarbles(String expr) {
    RequestException e = assertThrows(RequestException.class, () -> Hostlist.expand(expr));
    assertEquals("SLURM_NODELIST", e.field());
  }

  @Test
  void refusesNull() {
    assertThrows(RequestException.class, () -> Hostlist.expand(null));
  }

  @Test
  void acceptsTheLargestRangeScontrolAccepts() {
    List<String> names = Hostlist.expand("n[1-65536]");
    assertEquals(65_536, names.size());
    assertEquals("n65536", names.get(65_535));
    assertThrows(RequestException.class, () -> Hostlist.expand("n[1-65536],extra"));
    assertThrows(RequestException.class, () -> Hostlist.expand("m1,n[1-65536]"));
  }

  @Test
  void tabsSeparateLikeCommas() {
    // scontrol: "n[1-2]<TAB>m1" gives n1 n2 m1 (not in the TSV, which is tab-separated)
    assertEquals(List.of("n1", "n2", "m1"), Hostlist.expand("n[1-2]\tm1"));
  }

  @Test
  void errorsNameTheGivenField() {
    RequestException e = assertThrows(RequestException.class, () -> Hostlist.expand("SLURM_JOB_NODELIST", "n[3-1]"));
    assertEquals("SLURM_JOB_NODELIST", e.field());
    assertTrue(e.getMessage().startsWith("SLURM_JOB_NODELIST: invalid host list 'n[3-1]': reversed range '3-1'"),
        e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }
}
