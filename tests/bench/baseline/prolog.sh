#!/usr/bin/env bash
# The baseline: what a site would write by hand instead of the product's prolog, for one node
# that is the job's batch host. The same steps with virsh and ip: bridge + VXLAN + gateway
# address, a qcow2 overlay and a NoCloud seed (genisoimage, via the appliance's make-seed.sh) per
# VM, virsh define + start of the very XML the product rendered, then the same readiness (the
# guest's "VC-READY <name>" console line, then TCP port 22 open), polled every 0.2 s as the
# product's default boot.pollMillis. Unlike the product: no nftables rules (anti-spoofing, owner
# only), no journal, no rollback, no key derivation (ssh-keygen makes throwaway keys).
#
# usage: prolog.sh PLAN.json XML_DIR LOCAL_ADDRESS KEY_DIR
#   PLAN.json      the product's plan (vcluster-prolog --dry-run) of a one-node job
#   XML_DIR        NAME.xml per VM: the domain XML the product rendered for the same job
#   LOCAL_ADDRESS  this node's underlay address (the VXLAN's local end)
#   KEY_DIR        where the throwaway job and host keys go
# Prints "phase NAME SECONDS" for fabric, disks, domains, ready; exit 1 if a step failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly MAKE_SEED="$HERE/../../e2e/appliance/make-seed.sh"
readonly TIMEOUT=150

now() { date +%s.%N; }
# phase NAME SINCE: prints the seconds since SINCE
phase() { awk -v n="$1" -v a="$2" -v b="$(now)" 'BEGIN { printf "phase %s %.3f\n", n, b - a }'; }

plan=$1 xml_dir=$2 local_address=$3 key_dir=$4
field() { jq -r "$1" "$plan"; }

make_network() {
  local vni bridge vxlan mtu gateway prefix
  vni=$(field .vni) bridge=$(field .bridge) vxlan=$(field .vxlan) mtu=$(field .guestMtu)
  gateway=$(field .gateway) prefix=$(field .prefixLength)
  ip link add name "$bridge" mtu "$mtu" type bridge stp_state 0
  ip link add name "$vxlan" mtu "$mtu" type vxlan id "$vni" dstport 4789 local "$local_address" nolearning
  ip link set dev "$vxlan" master "$bridge"
  ip link set dev "$vxlan" up
  ip link set dev "$bridge" up
  ip address add "$gateway/$prefix" dev "$bridge"
}

# make_disks: overlay and seed per VM, as the product makes them (same paths, from the plan)
make_disks() {
  local base vm name owner
  # the image's base disk, from the site configuration the product read
  base=$(awk '$1 == "disk:" { print $2; exit }' /etc/vcluster/site.yaml)
  mkdir -p "$key_dir"
  [[ -f $key_dir/job ]] || ssh-keygen -q -t ed25519 -N '' -C "vcluster-job-$(field .job)" -f "$key_dir/job"
  while read -r vm; do
    name=$(jq -r .name <<<"$vm")
    mkdir -p "$(dirname "$(jq -r .disk <<<"$vm")")"
    qemu-img create -q -f qcow2 -F qcow2 -b "$base" "$(jq -r .disk <<<"$vm")"
    "$MAKE_SEED" --job-key "$key_dir/job" --host-key "$key_dir/$name" "$(jq -r .seed <<<"$vm")" \
      "VC_JOB=$(field .job)" "VC_HOSTNAME=$name" "VC_MAC=$(jq -r .mac <<<"$vm")" \
      "VC_IP=$(jq -r .ip <<<"$vm")" "VC_PREFIX=$(field .prefixLength)" "VC_GATEWAY=$(field .gateway)" \
      "VC_SUBNET=$(field .subnet)" "VC_MTU=$(field .guestMtu)" VC_USER=vcuser VC_UID=1001 VC_GID=1001
    # QEMU runs as the account the domain's DAC label names, and libvirt relabels nothing
    # (docs/hooks.md, "QEMU as the job's user"): give it the overlay and the seed, as the product does
    owner=$(sed -n 's#.*<label>+\([0-9]*\):+\([0-9]*\)</label>.*#\1:\2#p' "$xml_dir/$name.xml")
    chmod 0600 "$(jq -r .disk <<<"$vm")" "$(jq -r .seed <<<"$vm")"
    chown "${owner:?no DAC label in $xml_dir/$name.xml}" "$(jq -r .disk <<<"$vm")" "$(jq -r .seed <<<"$vm")"
  done < <(jq -c '.nodes[0].vms[]' "$plan")
}

start_domains() {
  local name
  for name in $(jq -r '.nodes[0].vms[].name' "$plan"); do
    virsh -q -c qemu:///system define "$xml_dir/$name.xml" >/dev/null
    virsh -q -c qemu:///system start "$name" >/dev/null
  done
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/22" 2>/dev/null; }

await_ready() {
  local deadline=$((SECONDS + TIMEOUT)) vm name console ip
  while read -r vm; do
    name=$(jq -r .name <<<"$vm") console=$(jq -r .console <<<"$vm") ip=$(jq -r .ip <<<"$vm")
    until grep -q "^VC-READY $name" "$console" 2>/dev/null && port_open "$ip"; do
      ((SECONDS < deadline)) || { echo "baseline: $name not ready within ${TIMEOUT}s" >&2; return 1; }
      sleep 0.2
    done
  done < <(jq -c '.nodes[0].vms[]' "$plan")
}

main() {
  local t
  t=$(now); make_network; phase fabric "$t"
  t=$(now); make_disks; phase disks "$t"
  t=$(now); start_domains; phase domains "$t"
  t=$(now); await_ready; phase ready "$t"
}

main
