package org.virtualservices.core.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class ShellWordsTest {

  static Stream<Arguments> words() {
    return Stream.of(
        Arguments.of(List.of("hostname"), "hostname"),
        Arguments.of(List.of("echo", "a b"), "echo 'a b'"),
        Arguments.of(List.of("echo", ""), "echo ''"),
        Arguments.of(List.of("echo", "it's"), "echo 'it'\\''s'"),
        Arguments.of(List.of("echo", "$HOME", "`id`", "a;b", "a|b", "*"), "echo '$HOME' '`id`' 'a;b' 'a|b' '*'"),
        Arguments.of(List.of("ls", "-l", "/tmp/x,y=z:1@2%3+4"), "ls -l /tmp/x,y=z:1@2%3+4"),
        Arguments.of(List.of("echo", "line\nbreak"), "echo 'line\nbreak'"));
  }

  @ParameterizedTest
  @MethodSource("words")
  void everyWordReachesTheRemoteProgramAsItWas(List<String> argv, String expected) {
    assertEquals(expected, ShellWords.quote(argv));
  }

  /** The quoted string, run by a real POSIX shell, gives back the same words. */
  @ParameterizedTest
  @MethodSource("words")
  void aRealShellSplitsItBackIntoTheSameWords(List<String> argv, String ignored) throws Exception {
    String script = "printf '%s\\0' " + ShellWords.quote(argv);
    Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
    String got = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    assertEquals(String.join("\0", argv) + "\0", got);
  }

  @Test
  void anEmptyCommandIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ShellWords.quote(List.of()));
  }
}
