package org.virtualservices.core.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CpuListTest {

  @Test
  void readsTheKernelsListFormat() {
    String[][] cases = {{"0", "0"}, {"0-3", "0-3"}, {"0-3\n", "0-3"}, {"3,1,2", "1-3"}, {"0-1,4-5,7", "0-1,4-5,7"},
        {"8191", "8191"}, {"0-8191", "0-8191"}, {"007", "7"}, {"2-2", "2"}};
    for (String[] c : cases) {
      assertEquals(c[1], CpuList.parse(c[0]).toString(), c[0]);
    }
  }

  @Test
  void anEmptyListIsAnEmptySet() {
    assertTrue(CpuList.parse("\n").isEmpty());
    assertTrue(CpuList.parse("").isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"x", "0-", "-1", "3-1", "1,,2", ",1", "1,", "0 1", " 0", "0\n\n", "0-3x", "1-2-3",
      "8192", "0-8192", "99999999999999999999", "\u0663", "0x1", "+1", "1\u0000", "0-1\n2", "1.0"})
  void refusesAnythingElse(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuList.parse(text));
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    assertFalse(e.getMessage().contains("\u0000"), "escaped: " + e.getMessage());
  }

  @Test
  void aHugeListIsRefusedBeforeItIsParsedAndQuotedShort() {
    String huge = "0,".repeat(100_000) + "0";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuList.parse(huge));
    assertTrue(e.getMessage().length() < 200, e.getMessage());
    // within the size bound, every CPU listed singly is still taken
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 4096; i++) {
      all.append(i == 0 ? "" : ",").append(i);
    }
    assertEquals("0-4095", CpuList.parse(all.toString()).toString());
    String garbage = "1,".repeat(1000) + "z".repeat(5000);
    e = assertThrows(IllegalArgumentException.class, () -> CpuList.parse(garbage));
    assertTrue(e.getMessage().length() < 400, e.getMessage());
  }

  @Test
  void containsAllAndIds() {
    CpuList job = CpuList.parse("2-3");
    assertEquals(List.of(2, 3), job.ids());
    assertTrue(CpuList.parse("0-3").containsAll(job));
    assertFalse(CpuList.parse("0-2").containsAll(job));
    assertEquals(job, CpuList.of(List.of(3, 2)));
    assertThrows(IllegalArgumentException.class, () -> CpuList.of(List.of(-1)));
  }
}
