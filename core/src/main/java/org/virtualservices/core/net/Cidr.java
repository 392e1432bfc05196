package org.virtualservices.core.net;

/**
 * An IPv4 network in CIDR notation. Hand-written because java.net has no CIDR type and the few
 * operations needed (parse, n-th subnet, n-th address) do not justify a dependency.
 */
public record Cidr(long base, int prefixLength) {

  public Cidr {
    if (prefixLength < 0 || prefixLength > 32) {
      throw new IllegalArgumentException("prefix length must be 0 to 32, got " + prefixLength);
    }
    if ((base & ~mask(prefixLength)) != 0) {
      throw new IllegalArgumentException(format(base) + "/" + prefixLength + " has host bits set");
    }
  }

  public static Cidr parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("missing");
    }
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("not in CIDR notation (a.b.c.d/len): '" + text + "'");
    }
    int len;
    try {
      len = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad prefix length in '" + text + "'");
    }
    return new Cidr(parseAddress(text.substring(0, slash)), len);
  }

  public static long parseAddress(String dotted) {
    String[] parts = dotted.split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address: '" + dotted + "'");
    }
    long v = 0;
    for (String p : parts) {
      if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > 255) {
        throw new IllegalArgumentException("not an IPv4 address: '" + dotted + "'");
      }
      v = (v << 8) | Integer.parseInt(p);
    }
    return v;
  }

  public static String format(long address) {
    return ((address >>> 24) & 255) + "." + ((address >>> 16) & 255) + "." + ((address >>> 8) & 255) + "."
        + (address & 255);
  }

  private static long mask(int len) {
    return len == 0 ? 0 : (0xFFFFFFFFL << (32 - len)) & 0xFFFFFFFFL;
  }

  public long size() {
    return 1L << (32 - prefixLength);
  }

  /** How many subnets of the given prefix length this network holds. */
  public long subnetCount(int subPrefix) {
    if (subPrefix < prefixLength) {
      throw new IllegalArgumentException("/" + subPrefix + " is larger than " + this);
    }
    return 1L << (subPrefix - prefixLength);
  }

  public Cidr subnet(int subPrefix, long index) {
    if (index < 0 || index >= subnetCount(subPrefix)) {
      throw new IllegalArgumentException("subnet " + index + " out of range for " + this);
    }
    return new Cidr(base + index * (1L << (32 - subPrefix)), subPrefix);
  }

  /** The address at this offset from the network address. */
  public String address(long offset) {
    if (offset < 0 || offset >= size()) {
      throw new IllegalArgumentException("offset " + offset + " outside " + this);
    }
    return format(base + offset);
  }

  public boolean contains(String address) {
    long a = parseAddress(address);
    return (a & mask(prefixLength)) == base;
  }

  @Override
  public String toString() {
    return format(base) + "/" + prefixLength;
  }
}
