package org.virtualservices.core.confine;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.virtualservices.core.log.Shown;

/**
 * A set of CPU numbers in the kernel's list format ({@code 0-3,8,10-11}: cpuset(7), "FORMATS";
 * Slurm's CPU_IDs use the same). Parsed strictly and bounded, because the text comes from files and
 * records that a hostile job may have a hand in: at most {@link #MAX_TEXT} characters, numbers below
 * {@link #MAX_CPU}, ranges ascending; anything else is refused, never guessed at.
 */
public final class CpuList {

  /** Above any node's CPU count (Linux's NR_CPUS is at most 8,192 on x86_64). */
  public static final int MAX_CPU = 8192;
  /** The longest list text read: every CPU below {@link #MAX_CPU} listed singly needs more. */
  public static final int MAX_TEXT = 40_000;

  private final BitSet cpus;

  private CpuList(BitSet cpus) {
    this.cpus = cpus;
  }

  /** The CPUs {@code ids}, each in [0, MAX_CPU). */
  public static CpuList of(List<Integer> ids) {
    BitSet b = new BitSet();
    for (int id : ids) {
      if (id < 0 || id >= MAX_CPU) {
        throw new IllegalArgumentException("CPU " + id + " is outside 0-" + (MAX_CPU - 1));
      }
      b.set(id);
    }
    return new CpuList(b);
  }

  /**
   * Parses {@code text}; one trailing newline is allowed (the kernel writes one), an empty list is
   * an empty set.
   *
   * @throws IllegalArgumentException naming what is wrong, the text quoted short
   */
  public static CpuList parse(String text) {
    if (text.length() > MAX_TEXT) {
      throw new IllegalArgumentException("a CPU list of " + text.length() + " characters, more than " + MAX_TEXT);
    }
    String t = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    BitSet b = new BitSet();
    if (t.isEmpty()) {
      return new CpuList(b);
    }
    for (String item : t.split(",", -1)) {
      int dash = item.indexOf('-');
      int lo = number(item, dash < 0 ? item : item.substring(0, dash), text);
      int hi = dash < 0 ? lo : number(item, item.substring(dash + 1), text);
      if (hi < lo) {
        throw new IllegalArgumentException("descending range '" + item + "' in CPU list " + quoted(text));
      }
      b.set(lo, hi + 1);
    }
    return new CpuList(b);
  }

  private static int number(String item, String digits, String text) {
    if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("'" + shortened(item) + "' is not a CPU or a range in CPU list "
          + quoted(text));
    }
    int n = Integer.parseInt(digits);
    if (n >= MAX_CPU) {
      throw new IllegalArgumentException("CPU " + n + " is beyond " + (MAX_CPU - 1) + " in CPU list " + quoted(text));
    }
    return n;
  }

  public boolean isEmpty() {
    return cpus.isEmpty();
  }

  public int size() {
    return cpus.cardinality();
  }

  /** The CPUs in ascending order. */
  public List<Integer> ids() {
    List<Integer> ids = new ArrayList<>(cpus.cardinality());
    cpus.stream().forEach(ids::add);
    return ids;
  }

  public boolean contains(int cpu) {
    return cpu >= 0 && cpus.get(cpu);
  }

  /** Whether every CPU of {@code other} is in this set. */
  public boolean containsAll(CpuList other) {
    BitSet rest = (BitSet) other.cpus.clone();
    rest.andNot(cpus);
    return rest.isEmpty();
  }

  /** The kernel's list format, ranges joined: {@code 0-3,8}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (int lo = cpus.nextSetBit(0); lo >= 0; ) {
      int hi = cpus.nextClearBit(lo) - 1;
      if (s.length() > 0) {
        s.append(',');
      }
      s.append(lo);
      if (hi > lo) {
        s.append('-').append(hi);
      }
      lo = cpus.nextSetBit(hi + 1);
    }
    return s.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CpuList c && c.cpus.equals(cpus);
  }

  @Override
  public int hashCode() {
    return cpus.hashCode();
  }

  private static String quoted(String text) {
    return "'" + Shown.value(text) + "'";
  }

  private static String shortened(String s) {
    return Shown.value(s);
  }
}
