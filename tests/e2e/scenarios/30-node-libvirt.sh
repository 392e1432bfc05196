# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario node-libvirt: every node has a libvirtd of its own at qemu:///system. On each node
# a minimal TCG domain (no disk: it sits in SeaBIOS) with <interface type='bridge'> is
# defined and started on a bridge made inside that node; its tap must be on that bridge in
# that node, absent from the machine's root namespace, and invisible to the other nodes.
register_scenario node-libvirt scenario_node_libvirt "a TCG domain with a bridge interface, per node, in that node only"

scenario_node_libvirt() {
  local node other xml tap dom=vce2e-probe bridge=vce2ebr0
  xml=$STATE/jobs/$dom.xml
  cat >"$xml" <<XML
<domain type='qemu'>
  <name>$dom</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='bridge'>
      <source bridge='$bridge'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'/>
  </devices>
</domain>
XML
  for node in $(node_names); do
    virsh_on() { cluster_exec "$node" virsh -q -c qemu:///system "$@"; }
    cluster_exec "$node" ip link add "$bridge" type bridge
    cluster_exec "$node" ip link set "$bridge" up
    virsh_on define "$xml" >/dev/null
    virsh_on start "$dom" >/dev/null
    expect_eq "state of $dom on $node" running "$(virsh_on domstate "$dom")"
    tap=$(virsh_on domiflist "$dom" | awk '{ print $1 }')
    [[ -n $tap && $tap != - ]] || fail "no tap for $dom on $node"
    expect_eq "master of $tap in $node" "$bridge" \
      "$(cluster_exec "$node" ip -o link show "$tap" | sed -n 's/.* master \([^ ]*\).*/\1/p')"
    if ip link show "$tap" >/dev/null 2>&1; then fail "$tap of $node is visible in the root namespace"; fi
    for other in $(node_names); do
      [[ $other == "$node" ]] && continue
      if cluster_exec "$other" virsh -q -c qemu:///system list --all --name | grep -qx "$dom"; then
        fail "$dom of $node is visible on $other"
      fi
    done
    say "$node: $dom running under TCG, tap $tap on $bridge inside $node only"
    virsh_on destroy "$dom" >/dev/null
    virsh_on undefine "$dom" >/dev/null
    cluster_exec "$node" ip link del "$bridge"
    expect_eq "domains left on $node" "" "$(virsh_on list --all --name | sed '/^$/d')"
  done
}
