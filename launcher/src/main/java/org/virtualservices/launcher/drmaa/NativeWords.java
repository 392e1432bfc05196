package org.virtualservices.launcher.drmaa;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a DRMAA native specification into the words of the scheduler's command line, as a POSIX
 * shell would split it without expanding anything: blanks separate words; single quotes keep
 * everything literally; double quotes keep blanks and let a backslash escape {@code "} and
 * {@code \}; a backslash outside quotes keeps the next character. No shell is ever run.
 */
public final class NativeWords {

  private NativeWords() {
  }

  public static List<String> split(String spec) {
    List<String> words = new ArrayList<>();
    if (spec == null) {
      return words;
    }
    StringBuilder w = new StringBuilder();
    boolean inWord = false;
    for (int i = 0; i < spec.length(); i++) {
      char c = spec.charAt(i);
      if (c == '\'') {
        int end = spec.indexOf('\'', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed ' in the native specification: " + spec);
        }
        w.append(spec, i + 1, end);
        i = end;
        inWord = true;
      } else if (c == '"') {
        int j = i + 1;
        for (; j < spec.length() && spec.charAt(j) != '"'; j++) {
          char d = spec.charAt(j);
          if (d == '\\' && j + 1 < spec.length() && (spec.charAt(j + 1) == '"' || spec.charAt(j + 1) == '\\')) {
            j++;
            d = spec.charAt(j);
          }
          w.append(d);
        }
        if (j >= spec.length()) {
          throw new IllegalArgumentException("unclosed \" in the native specification: " + spec);
        }
        i = j;
        inWord = true;
      } else if (c == '\\' && i + 1 < spec.length()) {
        w.append(spec.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(w.toString());
          w.setLength(0);
          inWord = false;
        }
      } else {
        w.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(w.toString());
    }
    return words;
  }
}
