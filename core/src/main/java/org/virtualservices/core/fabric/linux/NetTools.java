package org.virtualservices.core.fabric.linux;

/** Where iproute2's ip and bridge and nftables' nft are: absolute paths in hooks, which run with no PATH. */
public record NetTools(String ip, String bridge, String nft) {

  /** Bare names, looked up on the PATH: for tests and interactive use. */
  public static final NetTools ON_PATH = new NetTools("ip", "bridge", "nft");

  /** Whether the kernel has IPv6 (absent with ipv6.disable=1): then devices get no IPv6 address to turn off. */
  public boolean ipv6() {
    return java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/sys/net/ipv6"));
  }
}
