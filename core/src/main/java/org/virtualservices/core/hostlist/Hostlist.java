package org.virtualservices.core.hostlist;

import java.util.ArrayList;
import java.util.List;
import org.virtualservices.core.request.RequestException;

/**
 * Expands Slurm hostlist expressions the way {@code scontrol show hostnames} of Slurm 22.05 does:
 * {@code a[1,3-5],b7} gives a1 a3 a4 a5 b7. The expected values in the tests were captured from the
 * real scontrol (core/src/test/resources/hostlist/scontrol.tsv, tests/capture/hostlists.sh).
 *
 * <p>What scontrol 22.05 does, and we do too:
 * <ul>
 *   <li>names are separated by commas or whitespace; empty names ({@code a,,b}) are skipped;</li>
 *   <li>order and duplicates are kept ({@code n[1-3,2]} gives n1 n2 n3 n2);</li>
 *   <li>a number is zero-padded to the width of the range's low bound ({@code n[098-101]},
 *       {@code n[01-3]} gives n01 n02 n03, {@code n[9-010]} gives n9 n10);</li>
 *   <li>several bracket groups multiply ({@code n[1-2]-[1-2]}); the last group varies fastest,
 *       then the first, the second and so on (that is scontrol's order for three groups and more);</li>
 *   <li>text after the last bracket is refused ({@code a[1-3]-ib} is "Invalid hostlist" in 22.05);</li>
 *   <li>reversed ranges, empty ranges, non-digits in a range, and nested brackets are refused.</li>
 * </ul>
 * Where scontrol prints something for input that is plainly broken, we refuse it instead, because a
 * wrong node list would place VMs on the wrong machines: unbalanced brackets ({@code n[1-3} gives
 * "n]" in scontrol, {@code n1-3]} is taken literally), an open range ({@code n[1-]} gives n1),
 * spaces or signs inside a range ({@code n[ 1-2]} gives n01 n02), an empty expression, and more than
 * {@value #MAX_NAMES} names in all (scontrol limits each range to 65,536 but not their product).
 */
public final class Hostlist {

  /** At most this many names in one expression; a bigger list is a mistake, not an allocation. */
  public static final int MAX_NAMES = 65_536;

  /** The field named in errors when the caller does not give one. */
  public static final String DEFAULT_FIELD = "SLURM_NODELIST";

  // a longer number would not fit a long; no real node name has one
  private static final int MAX_DIGITS = 18;

  private Hostlist() {
  }

  /** Expands {@code expr}; errors name {@value #DEFAULT_FIELD}. */
  public static List<String> expand(String expr) {
    return expand(DEFAULT_FIELD, expr);
  }

  /** Expands {@code expr}; errors are {@link RequestException}s naming {@code field} and the expression. */
  public static List<String> expand(String field, String expr) {
    if (expr == null || expr.isBlank()) {
      throw new RequestException(field, "empty host list");
    }
    List<String> names = new ArrayList<>();
    for (String token : splitTopLevel(field, expr)) {
      expandToken(field, expr, token, names);
    }
    if (names.isEmpty()) {
      throw new RequestException(field, "no host names in '" + expr + "'");
    }
    return names;
  }

  /** Splits at commas and whitespace outside brackets, checking that brackets balance. */
  private static List<String> splitTopLevel(String field, String expr) {
    List<String> tokens = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean inBracket = false;
    for (int i = 0; i < expr.length(); i++) {
      char c = expr.charAt(i);
      if (c == '[') {
        if (inBracket) {
          throw bad(field, expr, "nested '[' at position " + (i + 1));
        }
        inBracket = true;
      } else if (c == ']') {
        if (!inBracket) {
          throw bad(field, expr, "']' without '[' at position " + (i + 1));
        }
        inBracket = false;
      } else if (!inBracket && (c == ',' || Character.isWhitespace(c))) {
        if (cur.length() > 0) {
          tokens.add(cur.toString());
          cur.setLength(0);
        }
        continue;
      }
      cur.append(c);
    }
    if (inBracket) {
      throw bad(field, expr, "'[' is never closed");
    }
    if (cur.length() > 0) {
      tokens.add(cur.toString());
    }
    return tokens;
  }

  /** One name pattern such as {@code n[1-2]-[3,5]}: literal pieces and bracket groups. */
  private static void expandToken(String field, String expr, String token, List<String> out) {
    List<String> literals = new ArrayList<>(); // literal before group i; literals.size() == groups.size()
    List<List<String>> groups = new ArrayList<>();
    int i = 0;
    while (i < token.length()) {
      int open = token.indexOf('[', i);
      if (open < 0) {
        break;
      }
      int close = token.indexOf(']', open);
      literals.add(token.substring(i, open));
      groups.add(expandGroup(field, expr, token.substring(open + 1, close), out.size()));
      i = close + 1;
    }
    String tail = token.substring(i);
    if (groups.isEmpty()) {
      add(field, expr, out, token);
      return;
    }
    if (!tail.isEmpty()) {
      throw bad(field, expr, "text '" + tail + "' after the last ']' in '" + token
          + "' (Slurm 22.05 does not accept a suffix after a range)");
    }
    long count = 1;
    for (List<String> g : groups) {
      count *= g.size();
      if (out.size() + count > MAX_NAMES) {
        throw bad(field, expr, "more than " + MAX_NAMES + " host names");
      }
    }
    // Odometer in scontrol's order: the last group turns fastest, then group 0, 1, ..., n-2.
    int n = groups.size();
    int[] order = new int[n];
    order[0] = n - 1;
    for (int k = 1; k < n; k++) {
      order[k] = k - 1;
    }
    int[] idx = new int[n];
    for (long made = 0; made < count; made++) {
      StringBuilder name = new StringBuilder();
      for (int g = 0; g < n; g++) {
        name.append(literals.get(g)).append(groups.get(g).get(idx[g]));
      }
      out.add(name.toString());
      for (int k = 0; k < n; k++) {
        int g = order[k];
        if (++idx[g] < groups.get(g).size()) {
          break;
        }
        idx[g] = 0;
      }
    }
  }

  /** The inside of one bracket: {@code 1,3-5,007}. */
  private static List<String> expandGroup(String field, String expr, String inside, int already) {
    List<String> values = new ArrayList<>();
    for (String range : inside.split(",", -1)) {
      int dash = range.indexOf('-');
      String lo = dash < 0 ? range : range.substring(0, dash);
      String hi = dash < 0 ? range : range.substring(dash + 1);
      if (!isNumber(lo) || !isNumber(hi)) {
        throw bad(field, expr, "invalid range '" + range + "' in '[" + inside + "]'"
            + " (a range is N or N-M with digits only)");
      }
      long from = Long.parseLong(lo);
      long to = Long.parseLong(hi);
      if (to < from) {
        throw bad(field, expr, "reversed range '" + range + "'");
      }
      if (already + values.size() + (to - from + 1) > MAX_NAMES) {
        throw bad(field, expr, "more than " + MAX_NAMES + " host names (range '" + range + "')");
      }
      int width = lo.length();
      for (long v = from; v <= to; v++) {
        values.add(pad(v, width));
      }
    }
    return values;
  }

  private static boolean isNumber(String s) {
    if (s.isEmpty() || s.length() > MAX_DIGITS) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static String pad(long v, int width) {
    String s = Long.toString(v);
    return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
  }

  private static void add(String field, String expr, List<String> out, String name) {
    if (out.size() >= MAX_NAMES) {
      throw bad(field, expr, "more than " + MAX_NAMES + " host names");
    }
    out.add(name);
  }

  private static RequestException bad(String field, String expr, String what) {
    String shown = expr.length() > 200 ? expr.substring(0, 200) + "..." : expr;
    return new RequestException(field, "invalid host list '" + shown + "': " + what);
  }
}
