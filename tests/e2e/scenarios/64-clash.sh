# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario clash: a forced clash of subnets is refused cleanly and leaves the first job untouched.
# Every node's site.yaml is given a pool of one subnet (10.97.5.0/24 in /24s), so every job gets
# the same subnet. Job A (vnode1 + vnode2) runs; job B (vnode1 + vnode3) shares A's batch host.
# B's prolog on vnode1 finds A's gateway address and route in its subnet before it makes anything
# and refuses B: vnode1 is not drained, B's user reads why in the ERROR file (naming job A), B's
# rollback and epilog remove nothing of A's (teardown goes by the job's mark), and A still reaches
# both of its VMs afterwards. Nothing of either job is left.
register_scenario clash scenario_clash "a job whose subnet another job holds on its batch host is refused cleanly; the first is untouched"

clash_job_script() {
  job_script clash <<'JOB'
#!/bin/bash
set -uo pipefail
me=$SLURM_JOB_ID
date +%s.%N >"clash-$me.start"
if [[ ! -s vcluster-$me/report.json ]]; then
  echo "ERROR file: $(cat "vcluster-$me/ERROR" 2>/dev/null)"
  exit 0
fi
for ((i = 0; i < 900; i++)); do [[ -s clash-$me.release ]] && break; sleep 0.2; done
for vm in ${VC_NODES//,/ }; do echo "own-vm $vm: $(ssh -F "$VC_SSH_CONFIG" "$vm" hostname)"; done
echo done
JOB
}

scenario_clash() {
  local script a b p=$VC_E2E_NODE_PREFIX node vni_a out state alias
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  (($(cat "$STATE/nodes.count") >= 3)) || fail "needs 3 nodes"
  vc_all_clean || fail "leftovers before the jobs"
  site_edit_begin "${p}1" "${p}2" "${p}3"
  for node in "${p}1" "${p}2" "${p}3"; do
    cluster_exec "$node" sed -i 's|^  mode: vxlan|  mode: vxlan\n  subnetPool: 10.97.5.0/24\n  subnetPrefix: 24|' \
      /etc/vcluster/site.yaml
  done
  script=$(clash_job_script)
  # shellcheck disable=SC2054  # the commas are sbatch's
  local -a common=(-N 2 --ntasks-per-node=1 --job-name=clash --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M
    --output="$STATE/jobs/clash-%j.out")
  a=$(submit "${common[@]}" --nodelist="${p}1,${p}2" "$script")
  site_edit_job "$a"
  CLASH_RELEASE=$STATE/jobs/clash-$a.release
  clash_release() { echo go >"$CLASH_RELEASE"; site_edit_end; }
  trap clash_release EXIT
  wait_file "$STATE/jobs/clash-$a.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
  vni_a=$(jq -r .vni "$STATE/jobs/vcluster-$a/report.json")
  say "job $a runs on ${p}1,${p}2: VNI $vni_a, subnet $(jq -r .subnet "$STATE/jobs/vcluster-$a/report.json")"

  b=$(submit "${common[@]}" --nodelist="${p}1,${p}3" "$script")
  say "submitted job $b on ${p}1,${p}3 (same batch host, same subnet)"
  state=$(wait_job "$b" "${VC_E2E_BOOT_TIMEOUT:-150}")
  out=$(<"$STATE/jobs/clash-$b.out")
  say "job $b ended $state: $out"
  grep -q "refused on node ${p}1: .*inside subnet 10.97.5.0/24 (job $a)" <<<"$out" ||
    fail "job $b's user was not told of the clash with job $a"
  state=$(sinfo -h -n "${p}1" -o '%T' | tr -d '*~#')
  [[ $state != drain* ]] || fail "${p}1 was drained for a refused job: $state"
  expect_eq "B's prolog on ${p}1" "peer-fault clash 0" \
    "$(vc_outcome "${p}1" "$b" prolog '"\(.outcome) \(.error.code) \(.exit)"')"
  say "B's prolog on ${p}1: $(vc_outcome "${p}1" "$b" prolog .error.message)"

  # job A untouched: its bridge (with its mark), its tables, and its VMs
  alias=$(cluster_exec "${p}1" ip -details -json link show "vcbr$vni_a" | jq -r '.[0].ifalias')
  expect_eq "mark of A's bridge on ${p}1 after B's epilog" "vcjob=$a" "$alias"
  expect_eq "A's tables on ${p}1" 2 "$(cluster_exec "${p}1" nft list tables | grep -c " vc$vni_a\$")"
  echo go >"$CLASH_RELEASE"
  expect_eq "job $a state" COMPLETED "$(wait_job "$a" 120)"
  out=$(<"$STATE/jobs/clash-$a.out")
  expect_eq "job $a reaches its own VMs after the refusal" 2 "$(grep -c '^own-vm ' <<<"$out")"
  site_edit_end
  trap - EXIT
  wait_for 60 "nothing of jobs $a and $b left" vc_all_clean || fail "leftovers after the jobs"
}
