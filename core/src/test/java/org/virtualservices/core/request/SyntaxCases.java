package org.virtualservices.core.request;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared table of request syntax cases, {@code request/syntax-cases.tsv}: the same file the
 * SPANK plugin's C test reads, so the two implementations cannot drift apart unnoticed.
 */
public final class SyntaxCases {

  /** The resource, on the test class path of core and of every module using core's test-jar. */
  public static final String RESOURCE = "/request/syntax-cases.tsv";

  /**
   * One case.
   *
   * @param option {@code vc-image}, {@code vc-vcpus}, {@code vc-mem} or {@code vc-vms}
   * @param value the value as typed, escapes decoded
   * @param expected the normalized value when valid ("testapp", "2", "2048"), null when an error
   */
  public record Case(int line, String option, String value, String expected) {
    public boolean valid() {
      return expected != null;
    }

    /** The request word: {@code image}, {@code vcpus}, {@code mem}, {@code vms}, {@code mounts}. */
    public String word() {
      String o = option.substring("vc-".length());
      return o.equals("mount") ? "mounts" : o;
    }

    @Override
    public String toString() {
      return "line " + line + ": --" + option + "=" + RequestParser.shown(value) + " -> "
          + (valid() ? "ok " + expected : "error");
    }
  }

  private SyntaxCases() {
  }

  public static List<Case> all() {
    List<Case> cases = new ArrayList<>();
    String text;
    try (InputStream in = SyntaxCases.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("no " + RESOURCE + " on the class path");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + RESOURCE, e);
    }
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length != 3) {
        throw new IllegalStateException(RESOURCE + " line " + n + ": expected 3 tab-separated fields");
      }
      String expected;
      if (f[2].equals("error")) {
        expected = null;
      } else if (f[2].startsWith("ok=")) {
        expected = f[2].substring(3);
      } else {
        throw new IllegalStateException(RESOURCE + " line " + n + ": expected ok=VALUE or error");
      }
      cases.add(new Case(n, f[0], unescape(f[1]), expected));
    }
    return cases;
  }

  /** Decodes \\, \t, \n and \xHH (bytes, so that UTF-8 sequences can be written byte by byte). */
  static String unescape(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] in = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < in.length; i++) {
      if (in[i] != '\\') {
        out.write(in[i]);
        continue;
      }
      char c = (char) in[++i];
      switch (c) {
        case '\\' -> out.write('\\');
        case 't' -> out.write('\t');
        case 'n' -> out.write('\n');
        case 'x' -> {
          out.write(Integer.parseInt(new String(in, i + 1, 2, StandardCharsets.US_ASCII), 16));
          i += 2;
        }
        default -> throw new IllegalArgumentException("unknown escape \\" + c + " in " + s);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
