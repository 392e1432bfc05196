#!/usr/bin/env bash
# The baseline's epilog: what a site would write by hand, for one node. virsh destroy and
# undefine of each VM (one after another, as such a script does), the VMs' files, the network.
# Keeps going past failures; exit 1 if anything failed.
#
# usage: epilog.sh PLAN.json KEY_DIR
# Prints "phase NAME SECONDS" for domains, files, network.
set -uo pipefail

now() { date +%s.%N; }
phase() { awk -v n="$1" -v a="$2" -v b="$(now)" 'BEGIN { printf "phase %s %.3f\n", n, b - a }'; }

plan=$1 key_dir=$2
rc=0

remove_domains() {
  local name
  for name in $(jq -r '.nodes[0].vms[].name' "$plan"); do
    if virsh -q -c qemu:///system domstate "$name" 2>/dev/null | grep -q running; then
      virsh -q -c qemu:///system destroy "$name" >/dev/null || rc=1
    fi
    virsh -q -c qemu:///system undefine "$name" >/dev/null 2>&1 || true
  done
}

remove_files() {
  local f
  for f in $(jq -r '.nodes[0].vms[] | .disk, .seed, .console' "$plan"); do
    rm -f "$f" || rc=1
  done
  rmdir "$(dirname "$(jq -r '.nodes[0].vms[0].disk' "$plan")")" 2>/dev/null || true
  rmdir "$(dirname "$(dirname "$(jq -r '.nodes[0].vms[0].disk' "$plan")")")" 2>/dev/null || true
  rm -rf "$key_dir"
}

remove_network() {
  ip link del "$(jq -r .vxlan "$plan")" 2>/dev/null || true
  ip link del "$(jq -r .bridge "$plan")" || rc=1
}

main() {
  local t
  t=$(now); remove_domains; phase domains "$t"
  t=$(now); remove_files; phase files "$t"
  t=$(now); remove_network; phase network "$t"
  exit "$rc"
}

main
