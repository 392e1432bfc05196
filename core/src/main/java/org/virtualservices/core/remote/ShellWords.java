package org.virtualservices.core.remote;

import java.util.List;

/**
 * Quotes an argument list into the one command string that SSH's exec request carries, for a
 * POSIX login shell on the other side. Each word goes in single quotes, an embedded quote as
 * {@code '\''}, so no word is ever interpreted. Written here because it is one rule of the POSIX
 * shell grammar (XCU 2.2.2) and none of the project's libraries exposes it.
 */
public final class ShellWords {

  private ShellWords() {}

  public static String quote(List<String> argv) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a remote command needs at least the program");
    }
    StringBuilder sb = new StringBuilder();
    for (String word : argv) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(quote(word));
    }
    return sb.toString();
  }

  public static String quote(String word) {
    if (!word.isEmpty() && word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
