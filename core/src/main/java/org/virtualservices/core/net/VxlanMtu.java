package org.virtualservices.core.net;

/**
 * The MTU rule of a VXLAN overlay. It lives apart from the fabric so that the site configuration
 * (which checks the underlay MTU and derives the guests') does not depend on the fabric adapter.
 */
public final class VxlanMtu {

  /**
   * What VXLAN adds to a guest frame over an IPv4 underlay: inner Ethernet header 14 + VXLAN 8 +
   * UDP 8 + outer IPv4 20 (RFC 7348, section 5). The underlay MTU counts the outer IP packet.
   */
  public static final int VXLAN_OVERHEAD_IPV4 = 50;
  /** The same over an IPv6 underlay: the outer IPv6 header is 40 bytes. */
  public static final int VXLAN_OVERHEAD_IPV6 = 70;

  private VxlanMtu() {
  }

  /** The MTU of the bridge, the VXLAN device and the guests, so that no guest frame is fragmented. */
  public static int guestMtu(int underlayMtu, boolean ipv6Underlay) {
    int mtu = underlayMtu - (ipv6Underlay ? VXLAN_OVERHEAD_IPV6 : VXLAN_OVERHEAD_IPV4);
    if (mtu < 68) {
      throw new IllegalArgumentException("underlay MTU " + underlayMtu + " leaves guests less than 68 bytes");
    }
    return mtu;
  }
}
