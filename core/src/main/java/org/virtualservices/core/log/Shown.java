package org.virtualservices.core.log;

import java.nio.charset.StandardCharsets;

/**
 * Text that came from somewhere else, made fit for a log line, stderr or a user's ERROR file:
 * every character that could start a new line or move the terminal (C0 and C1 controls, DEL,
 * U+2028, U+2029, bidirectional and other format characters, lone surrogates) is written as an
 * escape ({@code \n}, {@code \x1b}, {@code \u2028}), and a long value is cut with its size. Users
 * control the job comment, the SPANK variables, the PBS variable list, their names and folders: a
 * hook repeats none of it as it came (docs/hooks.md, "Threat model").
 */
public final class Shown {

  /** How much of one value a message repeats. */
  public static final int VALUE_CHARS = 80;

  private Shown() {
  }

  /** One value as a message quotes it: escaped, and cut after {@value #VALUE_CHARS} characters. */
  public static String value(String v) {
    if (v == null) {
      return "null";
    }
    return v.length() <= VALUE_CHARS ? escaped(v) : cut(v, VALUE_CHARS);
  }

  /** A whole message on one line: escaped, and cut after {@code max} characters. */
  public static String line(String s, int max) {
    if (s == null) {
      return "null";
    }
    return s.length() <= max ? escaped(s) : cut(s, max);
  }

  /**
   * A message of a few lines (an ERROR file): each line escaped and cut, at most {@code maxLines}
   * lines, the rest counted.
   */
  public static String lines(String s, int maxLines, int maxLineChars) {
    if (s == null) {
      return "null";
    }
    String[] lines = s.split("\r\n|\n", -1);
    StringBuilder sb = new StringBuilder();
    int n = Math.min(lines.length, maxLines);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : "\n").append(line(lines[i], maxLineChars));
    }
    if (lines.length > maxLines) {
      sb.append("\n... (").append(lines.length - maxLines).append(" more lines)");
    }
    return sb.toString();
  }

  /** Every character that is not plain printable text, escaped; nothing cut. */
  public static String escaped(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      int width = plain(s, i);
      if (width > 0) {
        if (sb != null) {
          sb.append(s, i, i + width);
        }
        i += width - 1;
        continue;
      }
      if (sb == null) {
        sb = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c < 0x100) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    return sb == null ? s : sb.toString();
  }

  private static String cut(String s, int max) {
    int end = max;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return escaped(s.substring(0, end)) + "... (" + s.getBytes(StandardCharsets.UTF_8).length + " bytes)";
  }

  /** How many chars at {@code i} make one plain character (2 for a surrogate pair), or 0. */
  private static int plain(String s, int i) {
    char c = s.charAt(i);
    if (c >= 0x20 && c < 0x7f) {
      return 1;
    }
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
          && printable(Character.getType(s.codePointAt(i))) ? 2 : 0;
    }
    return !Character.isSurrogate(c) && printable(Character.getType(c)) ? 1 : 0;
  }

  private static boolean printable(int type) {
    return switch (type) {
      case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
          Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> false;
      default -> true;
    };
  }
}
