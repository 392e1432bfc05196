package org.virtualservices.core.fabric.linux;

import java.util.regex.Pattern;
import org.virtualservices.core.fabric.Endpoint;
import org.virtualservices.core.fabric.FabricException;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.Peer;

/**
 * Checks every value of a {@link FabricSpec} before it is written into batch text for ip, bridge
 * and nft: those read one command per line and split on blanks, so a value with a blank, a newline
 * or a quote in it could smuggle in a command of its own. Only literal addresses are accepted: no
 * name is ever resolved here (see {@link org.virtualservices.core.fabric.UnderlayResolver}).
 */
final class SpecCheck {

  /** Kernel interface names: at most IFNAMSIZ - 1 = 15 characters; we allow a safe subset. */
  private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
  /** A job id as it may stand in a mark (alias, nft comment): Slurm's digits, PBS's {@code 123[4].server}. */
  private static final Pattern JOB = Pattern.compile("[A-Za-z0-9._\\[\\]-]{1,100}");
  private static final Pattern MAC = Pattern.compile("(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}");
  private static final Pattern IPV4 =
      Pattern.compile("(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
  /** The largest VNI: VXLAN carries 24 bits (RFC 7348, section 5). */
  static final int MAX_VNI = (1 << 24) - 1;

  private SpecCheck() {
  }

  static void check(FabricSpec s) {
    String where = "job " + s.job() + ", vni " + s.vni() + ": ";
    if (s.job() == null || !JOB.matcher(s.job()).matches()) {
      throw bad(where, "job id is not [A-Za-z0-9._[]-]{1,100}, so it cannot mark the job's devices: " + s.job());
    }
    if (s.vni() < 1 || s.vni() > MAX_VNI) {
      throw bad(where, "VNI out of range 1.." + MAX_VNI + ": " + s.vni());
    }
    ifname(where, "bridge", s.bridge());
    ifname(where, "vxlan device", s.vxlan());
    if (s.bridge().equals(s.vxlan())) {
      throw bad(where, "bridge and vxlan device have the same name " + s.bridge());
    }
    if (s.udpPort() < 1 || s.udpPort() > 65535) {
      throw bad(where, "UDP port out of range: " + s.udpPort());
    }
    // 68 is the IPv4 minimum (RFC 791); 65535 the largest an interface can be given.
    if (s.guestMtu() < 68 || s.guestMtu() > 65535) {
      throw bad(where, "guest MTU out of range 68..65535: " + s.guestMtu());
    }
    address(where, "local underlay address", s.localAddress());
    if (s.underlayDevice() != null) {
      ifname(where, "underlay device", s.underlayDevice());
    }
    if (s.multicastGroup() != null) {
      address(where, "multicast group", s.multicastGroup());
    }
    for (Peer p : s.peers()) {
      address(where, "underlay address of peer " + p.node(), p.underlayAddress());
      for (String mac : p.vmMacs()) {
        mac(where, "VM MAC on peer " + p.node(), mac);
      }
      for (String ip : p.vmIps()) {
        address(where, "VM IP on peer " + p.node(), ip);
      }
    }
    cidr(where, "subnet", s.subnet());
    if (s.gatewayCidr() != null) {
      cidr(where, "gateway", s.gatewayCidr());
    }
    if (s.ownerUid() < 0) {
      throw bad(where, "owner uid is negative: " + s.ownerUid());
    }
    for (Endpoint e : s.endpoints()) {
      ifname(where, "tap", e.tap());
      mac(where, "MAC of tap " + e.tap(), e.mac());
      address(where, "IP of tap " + e.tap(), e.ip());
    }
  }

  static boolean isIpv6(String literal) {
    return literal.contains(":");
  }

  private static void ifname(String where, String what, String name) {
    if (name == null || !IFNAME.matcher(name).matches()) {
      throw bad(where, what + " is not an interface name of 1-15 characters [A-Za-z0-9_.-]: " + name);
    }
  }

  private static void mac(String where, String what, String mac) {
    if (mac == null || !MAC.matcher(mac).matches()) {
      throw bad(where, what + " is not a MAC address: " + mac);
    }
  }

  private static void address(String where, String what, String ip) {
    if (ip == null || !(IPV4.matcher(ip).matches() || IPV6.matcher(ip).matches())) {
      throw bad(where, what + " is not a literal IP address: " + ip);
    }
  }

  private static void cidr(String where, String what, String cidr) {
    int slash = cidr == null ? -1 : cidr.indexOf('/');
    if (slash < 0) {
      throw bad(where, what + " is not in CIDR notation: " + cidr);
    }
    address(where, what, cidr.substring(0, slash));
    int max = isIpv6(cidr) ? 128 : 32;
    try {
      int len = Integer.parseInt(cidr.substring(slash + 1));
      if (len < 0 || len > max) {
        throw bad(where, what + " has a prefix length out of range: " + cidr);
      }
    } catch (NumberFormatException e) {
      throw bad(where, what + " has no numeric prefix length: " + cidr);
    }
  }

  private static FabricException bad(String where, String what) {
    return new FabricException(where + what);
  }
}
