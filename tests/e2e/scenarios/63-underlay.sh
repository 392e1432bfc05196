# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario underlay: strangers cannot enter a job's network from the underlay. A 2-node job (vnode1
# + vnode2, 1 VM each) runs; `nobody`, with a plain UDP socket, sends VXLAN datagrams carrying the
# job's VNI to vnode1:4789: ARP requests for the head VM from an invented MAC, and frames claiming
# to be the job's other VM. From vnode3 (not in the job) they are dropped on arrival at vnode1 (not a
# peer's address); from vnode2 (a node of the job) they never leave (a user's socket). Neither the
# bridge's learned addresses nor the head VM's ARP table show them; the drop counters count them.
# Positive controls: the job's own traffic flows and shows in the same detectors, and the very
# same datagrams sent by root on vnode2 (trusted, DESIGN.md) do reach the bridge and the VM.
register_scenario underlay scenario_underlay "VXLAN datagrams with a job's VNI from a user's socket reach neither its bridge nor its VMs"

# The attack: ARP requests (who has TARGET, tell SENDER from MAC) in VXLAN datagrams with VNI,
# sent COUNT times from a plain UDP socket to DST:4789. Run as any user: needs no privilege.
UNDERLAY_INJECT='
import socket, struct, sys
dst, vni, mac, target, sender, count = sys.argv[1:7]
m = bytes.fromhex(mac.replace(":", ""))
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + m + socket.inet_aton(sender) + bytes(6) + socket.inet_aton(target)
frame = b"\xff" * 6 + m + b"\x08\x06" + arp + bytes(18)
vxlan = struct.pack("!B3xI", 0x08, int(vni) << 8)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
refused = 0
for _ in range(int(count)):
    try:
        s.sendto(vxlan + frame, (dst, 4789))
    except PermissionError:  # an nftables drop on output: sendto fails with EPERM
        refused += 1
print("sent", int(count) - refused, "refused", refused)
'

underlay_job_script() {
  job_script underlay <<'JOB'
#!/bin/bash
set -euo pipefail
me=$SLURM_JOB_ID
date +%s.%N >"underlay-$me.start"
await() { local i; for ((i = 0; i < 900; i++)); do [[ -s $1 ]] && return 0; sleep 0.2; done; echo "no $1"; exit 1; }
head_arp() { ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" "tail -n +2 /proc/net/arp" | awk '{ print $1 "=" $4 }' | paste -sd ' '; }
await "underlay-$me.attacked"
echo "arp-after-attack: $(head_arp)"
# the job's own traffic: the head VM reaches the other VM (which puts it in its ARP table)
other=$(jq -r '.nodes[1].vms[0].ip' "$VC_DIR/report.json")
if ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" "timeout 3 bash -c '</dev/tcp/$other/22'"; then echo "own-connect: ok"; fi
echo "arp-after-own: $(head_arp)"
for vm in ${VC_NODES//,/ }; do echo "own-vm $vm: $(ssh -F "$VC_SSH_CONFIG" "$vm" hostname)"; done
echo checked >"underlay-$me.checked"
await "underlay-$me.rootsent"
echo "arp-after-root: $(head_arp)"
echo done
JOB
}

# underlay_counter NODE VNI NAME: packets of the job's named counter on NODE.
underlay_counter() {
  cluster_exec "$1" nft list counter inet "vc$2" "$3" | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# underlay_learned NODE VNI MAC: the bridge's learned entry for MAC, if any.
underlay_learned() {
  cluster_exec "$1" bridge fdb show br "vcbr$2" | grep -i "^$3 " || true
}

scenario_underlay() {
  local script job p=$VC_E2E_NODE_PREFIX report vni head_ip head_mac other_ip other_mac out dst
  local invented=02:de:ad:be:ef:01 fake_ip forged_before forged_after user_before user_after
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  (($(cat "$STATE/nodes.count") >= 3)) || fail "needs 3 nodes"
  vc_all_clean || fail "leftovers before the job"
  script=$(underlay_job_script)
  # shellcheck disable=SC2054  # the commas are sbatch's
  job=$(submit -N 2 --ntasks-per-node=1 --nodelist="${p}1,${p}2" --job-name=underlay \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M --output="$STATE/jobs/underlay-%j.out" "$script")
  say "submitted job $job on ${p}1,${p}2"
  UNDERLAY_FILES=("$STATE/jobs/underlay-$job.attacked" "$STATE/jobs/underlay-$job.rootsent")
  underlay_release() { echo go | tee "${UNDERLAY_FILES[@]}" >/dev/null; }
  trap underlay_release EXIT
  wait_file "$STATE/jobs/underlay-$job.start" "${VC_E2E_BOOT_TIMEOUT:-150}"

  report=$STATE/jobs/vcluster-$job/report.json
  vni=$(jq -r .vni "$report")
  head_ip=$(jq -r '.nodes[0].vms[0].ip' "$report")
  head_mac=$(jq -r '.nodes[0].vms[0].mac' "$report")
  other_ip=$(jq -r '.nodes[1].vms[0].ip' "$report")
  other_mac=$(jq -r '.nodes[1].vms[0].mac' "$report")
  fake_ip=${head_ip%.*}.99
  dst=$(cluster_exec "${p}1" getent ahostsv4 "${p}1" | awk '{ print $1; exit }')
  say "job $job: VNI $vni, head VM $head_ip ($head_mac) on ${p}1 ($dst), other VM $other_ip ($other_mac)"

  forged_before=$(underlay_counter "${p}1" "$vni" underlay_forged)
  user_before=$(underlay_counter "${p}2" "$vni" underlay_user)
  # from a node outside the job, and from a node of the job, as an unprivileged user
  for node in "${p}3" "${p}2"; do
    out=$(cluster_exec "$node" setpriv --reuid=65534 --regid=65534 --clear-groups \
      /usr/bin/python3 -c "$UNDERLAY_INJECT" "$dst" "$vni" "$invented" "$head_ip" "$fake_ip" 20) ||
      fail "the attack did not run on $node: $out"
    # frames claiming to be the job's other VM
    out+=", "$(cluster_exec "$node" setpriv --reuid=65534 --regid=65534 --clear-groups \
      /usr/bin/python3 -c "$UNDERLAY_INJECT" "$dst" "$vni" "$other_mac" "$head_ip" "$other_ip" 20) ||
      fail "the attack did not run on $node: $out"
    say "nobody on $node, 2 x 20 datagrams with VNI $vni to $dst:4789: $out"
  done
  sleep 1
  forged_after=$(underlay_counter "${p}1" "$vni" underlay_forged)
  user_after=$(underlay_counter "${p}2" "$vni" underlay_user)
  say "drop counters: ${p}1 underlay_forged $forged_before -> $forged_after, ${p}2 underlay_user $user_before -> $user_after"
  ((forged_after - forged_before >= 40)) || fail "vnode1 did not count the 40 datagrams from ${p}3"
  ((user_after - user_before >= 40)) || fail "vnode2 did not count the 40 datagrams its user's socket sent"
  expect_eq "invented MAC learned by vcbr$vni on ${p}1" "" "$(underlay_learned "${p}1" "$vni" "$invented")"
  echo go >"$STATE/jobs/underlay-$job.attacked"

  wait_for 60 "job $job checked" test -s "$STATE/jobs/underlay-$job.checked" || fail "job $job never checked"
  out=$(<"$STATE/jobs/underlay-$job.out")
  say "job output:"$'\n'"      ${out//$'\n'/$'\n'      }"
  grep -q "^own-connect: ok" <<<"$out" || fail "the job's own traffic did not flow"
  grep -q "^arp-after-attack: .*$fake_ip=" <<<"$out" && fail "the head VM took the invented address into its ARP table"
  grep -q "^arp-after-own: .*$other_ip=$other_mac" <<<"$out" ||
    fail "positive control: the head VM's ARP table does not show the job's own peer"
  [[ -n $(underlay_learned "${p}1" "$vni" "$other_mac") ]] ||
    fail "positive control: vcbr$vni on ${p}1 did not learn the job's own remote VM"
  expect_eq "own VMs answer" 2 "$(grep -c '^own-vm ' <<<"$out")"

  # positive control of the detectors: root of a peer node is trusted, and its datagrams get in
  out=$(cluster_exec "${p}2" /usr/bin/python3 -c "$UNDERLAY_INJECT" "$dst" "$vni" "$invented" "$head_ip" "$fake_ip" 5)
  say "root on ${p}2, 5 datagrams: $out"
  sleep 1
  [[ -n $(underlay_learned "${p}1" "$vni" "$invented") ]] ||
    fail "positive control: root's datagrams from a peer did not reach the bridge: the detector sees nothing"
  echo go >"$STATE/jobs/underlay-$job.rootsent"
  expect_eq "job $job state" COMPLETED "$(wait_job "$job" 120)"
  out=$(<"$STATE/jobs/underlay-$job.out")
  grep -q "^arp-after-root: .*$fake_ip=$invented" <<<"$out" ||
    fail "positive control: root's ARP request did not reach the head VM: $(grep arp-after-root <<<"$out")"
  wait_for 60 "nothing of job $job left" vc_all_clean || fail "leftovers after job $job"
}
