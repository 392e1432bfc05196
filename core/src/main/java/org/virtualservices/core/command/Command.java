package org.virtualservices.core.command;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * An external program to run: an argument list (never a shell string), optional standard input
 * (a text, or a file opened by the runner for the program to read as its fd 0), and a timeout
 * after which it is killed.
 *
 * @param stdinFile a file the program gets as its standard input, or null; opened by this process
 *     (root, in the hooks): a caller names only a file of root's own tree, no user's path
 */
public record Command(List<String> argv, String stdin, Duration timeout, Path stdinFile) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  public Command {
    Objects.requireNonNull(argv, "argv");
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a command needs at least the program");
    }
    argv = List.copyOf(argv);
    Objects.requireNonNull(timeout, "timeout");
    if (stdin != null && stdinFile != null) {
      throw new IllegalArgumentException("a command reads a text or a file, not both");
    }
  }

  public Command(List<String> argv, String stdin, Duration timeout) {
    this(argv, stdin, timeout, null);
  }

  public static Command of(String... argv) {
    return new Command(List.of(argv), null, DEFAULT_TIMEOUT);
  }

  public static Command of(List<String> argv) {
    return new Command(argv, null, DEFAULT_TIMEOUT);
  }

  public Command withStdin(String input) {
    return new Command(argv, input, timeout, null);
  }

  /** The program reads {@code file} as its standard input (opened here, handed over as fd 0). */
  public Command withStdinFile(Path file) {
    return new Command(argv, null, timeout, file);
  }

  public Command withTimeout(Duration limit) {
    return new Command(argv, stdin, limit, stdinFile);
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
