package org.virtualservices.launcher.drmaa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class NativeWordsTest {

  @Test
  void splitsAsAShellWouldWithoutExpanding() {
    assertEquals(List.of(), NativeWords.split(null));
    assertEquals(List.of(), NativeWords.split("  "));
    assertEquals(List.of("-N", "2", "--comment=vc:image=a"), NativeWords.split(" -N 2\t--comment=vc:image=a "));
    assertEquals(List.of("--partition=p q", "$(id)"), NativeWords.split("--partition='p q' '$(id)'"));
    assertEquals(List.of("a\"b", "c\\d", "e f"), NativeWords.split("\"a\\\"b\" \"c\\\\d\" e\\ f"));
    assertEquals(List.of("''"), NativeWords.split("\"''\""));
    assertEquals(List.of(""), NativeWords.split("''"));
  }

  @Test
  void unclosedQuotesAreErrors() {
    assertThrows(IllegalArgumentException.class, () -> NativeWords.split("--comment='x"));
    assertThrows(IllegalArgumentException.class, () -> NativeWords.split("\"x"));
  }
}
