package org.virtualservices.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ShownTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("plain text 1-2_3.4/5:6", "plain text 1-2_3.4/5:6"),
        Arguments.of("a\nb", "a\\nb"),
        Arguments.of("a\r\n\tb", "a\\r\\n\\tb"),
        Arguments.of("\u001b[31mred", "\\x1b[31mred"),
        Arguments.of("x\u007fy\u0085z", "x\\x7fy\\x85z"),
        Arguments.of("line\u2028sep\u2029", "line\\u2028sep\\u2029"),
        Arguments.of("rtl\u202eevil\u200b", "rtl\\u202eevil\\u200b"),
        Arguments.of("\u00dcn\u00efc\u00f6d\u00e9 \u2713 \u540d\u524d \ud83d\ude00",
            "\u00dcn\u00efc\u00f6d\u00e9 \u2713 \u540d\u524d \ud83d\ude00"),
        Arguments.of("lone \ud800 half", "lone \\ud800 half"));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void controlCharactersAreEscapedAndTextIsKept(String in, String out) {
    assertEquals(out, Shown.escaped(in));
  }

  @org.junit.jupiter.api.Test
  void aLongValueIsCutWithItsSizeInBytes() {
    assertEquals("x".repeat(80) + "... (100000 bytes)", Shown.value("x".repeat(100_000)));
    assertEquals("\u00e9".repeat(80) + "... (200 bytes)", Shown.value("\u00e9".repeat(100)));
    assertEquals("short", Shown.value("short"));
  }

  @org.junit.jupiter.api.Test
  void aMessageKeepsAFewLines() {
    assertEquals("a\nb\\x1b\n... (2 more lines)", Shown.lines("a\nb\u001b\nc\nd", 2, 100));
  }
}
