package org.virtualservices.core.config;

import java.util.Map;
import org.virtualservices.core.net.VxlanMtu;

/** The per-job private network: VXLAN over the nodes' underlay. */
public record Network(
    @Doc(value = "vxlan (bridge + VXLAN per job, made with iproute2) or none (VMs get no network)",
        defaultValue = "vxlan") Mode mode,
    @Doc(value = "VXLAN UDP destination port", defaultValue = "4789") int vxlanPort,
    @Doc(value = "lowest VNI handed to jobs", defaultValue = "4096") int vniMin,
    @Doc(value = "highest VNI handed to jobs", defaultValue = "16777215") int vniMax,
    @Doc(value = "address pool the jobs' subnets are cut from", defaultValue = "10.96.0.0/11") String subnetPool,
    @Doc(value = "prefix length of each job's subnet (its size bounds the VMs per job)", defaultValue = "24")
    int subnetPrefix,
    @Doc(value = "MTU of the underlay; the guests get 50 less (VXLAN overhead)", defaultValue = "1500")
    int underlayMtu,
    @Doc(value = "underlay device to bind VXLAN devices to (absent: the kernel routes)") String underlayDevice,
    @Doc(value = "multicast group for broadcast traffic instead of head-end replication (absent: head-end)")
    String multicastGroup,
    @Doc(value = "how node names become underlay addresses: resolver (the system's), map, or pattern",
        defaultValue = "resolver") UnderlayMode underlay,
    @Doc(value = "node name -> underlay address, for underlay: map", defaultValue = "{}")
    Map<String, String> underlayMap,
    @Doc(value = "for underlay: pattern, a name or address with {node} in it, e.g. '{node}-ib'", defaultValue = "{node}")
    String underlayPattern,
    @Doc(value = "masquerade the virtual cluster's outbound traffic on the batch host", defaultValue = "false")
    boolean outboundNat,
    @Doc(value = "broadcast and multicast frames each VM may send per second (burst as many again); 0: no limit",
        defaultValue = "100") int floodLimit) {

  public Network {
    underlayMap = underlayMap == null ? Map.of() : Map.copyOf(underlayMap);
  }

  /** Whether jobs get a network. */
  public enum Mode {
    vxlan,
    none
  }

  /** How node names resolve to underlay addresses. */
  public enum UnderlayMode {
    resolver,
    map,
    pattern
  }

  /** The MTU of the bridges, VXLAN devices and guests: the underlay's less the VXLAN overhead. */
  public int guestMtu() {
    return VxlanMtu.guestMtu(underlayMtu, false);
  }
}
