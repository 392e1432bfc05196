package org.virtualservices.core.command;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * An external program to run: an argument list (never a shell string), optional standard input,
 * and a timeout after which it is killed.
 */
public record Command(List<String> argv, String stdin, Duration timeout) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  public Command {
    Objects.requireNonNull(argv, "argv");
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a command needs at least the program");
    }
    argv = List.copyOf(argv);
    Objects.requireNonNull(timeout, "timeout");
  }

  public static Command of(String... argv) {
    return new Command(List.of(argv), null, DEFAULT_TIMEOUT);
  }

  public static Command of(List<String> argv) {
    return new Command(argv, null, DEFAULT_TIMEOUT);
  }

  public Command withStdin(String input) {
    return new Command(argv, input, timeout);
  }

  public Command withTimeout(Duration limit) {
    return new Command(argv, stdin, limit);
  }

  public String program() {
    return argv.get(0);
  }

  /** The argv as one line for messages and logs; quoted where a word has spaces. */
  public String display() {
    StringBuilder sb = new StringBuilder();
    for (String a : argv) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(a.isEmpty() || a.matches(".*[\\s'\"\\\\$].*") ? "'" + a.replace("'", "'\\''") + "'" : a);
    }
    return sb.toString();
  }
}
