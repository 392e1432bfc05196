# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario shared: two vc jobs at once, sharing a node: A on vnode1+vnode2, B on vnode2+vnode3,
# 1 VM per node each (--ntasks-per-node=1: both fit on vnode2's 2 CPUs), both RUNNING together.
# Each job's script reaches both of its own VMs over ssh, and from inside its head VM cannot open
# a TCP connection to the other job's VMs (the appliance has no ping: a connect to port 22 is
# the probe, and the same probe succeeds towards its own VMs). On each batch host the job's
# owner-only rule holds: the job's user connects to the VMs' port 22, `nobody` cannot. On the
# shared node, each job's tap sits on its own job's bridge only. Both jobs complete and nothing
# of either is left.
register_scenario shared scenario_shared "two vc jobs share nodes without seeing each other's networks"

# shared_job_script: the script both jobs run. It learns the other job's id from the file
# shared-<own id>.peer (the scenario writes it once both are submitted), reads the other job's
# report once that job has started, probes, then waits for shared-<own id>.release.
shared_job_script() {
  job_script shared <<'JOB'
#!/bin/bash
set -euo pipefail
me=$SLURM_JOB_ID
date +%s.%N >"shared-$me.start"
await() { local i; for ((i = 0; i < 900; i++)); do [[ -s $1 ]] && return 0; sleep 0.2; done; echo "no $1"; exit 1; }
await "shared-$me.peer"
peer=$(<"shared-$me.peer")
await "shared-$peer.start"   # the peer's report is complete once its script runs
echo "peer=$peer"
for vm in ${VC_NODES//,/ }; do echo "own-vm $vm: $(ssh -F "$VC_SSH_CONFIG" "$vm" hostname)"; done
# probe IP: from inside our head VM, a TCP connect to IP:22 within 3 s
probe() {
  if ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" "timeout 3 bash -c '</dev/tcp/$1/22' 2>/dev/null"; then
    echo reached
  else
    echo unreachable
  fi
}
for ip in $(jq -r '.nodes[].vms[].ip' "$VC_DIR/report.json"); do echo "own-ip $ip: $(probe "$ip")"; done
for ip in $(jq -r '.nodes[].vms[].ip' "vcluster-$peer/report.json"); do echo "peer-ip $ip: $(probe "$ip")"; done
echo probed
await "shared-$me.release"
echo done
JOB
}

# shared_connect NODE USER IP: a TCP connect to IP:22 from NODE as USER (3 s at most).
shared_connect() {
  cluster_exec "$1" setpriv --reuid="$2" --regid="$(id -g "$2")" --clear-groups \
    timeout 3 bash -c "</dev/tcp/$3/22" 2>/dev/null
}

scenario_shared() {
  local script a b job other node running out ip batch t_submit t_end
  local p=$VC_E2E_NODE_PREFIX
  local -A start=() vni=()
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  (($(cat "$STATE/nodes.count") >= 3)) || fail "needs 3 nodes"
  vc_all_clean || fail "leftovers before the jobs: $(for n in $(node_names); do vc_node_left "$n"; done)"
  script=$(shared_job_script)
  # shellcheck disable=SC2054  # the commas are sbatch's
  local -a common=(-N 2 --ntasks-per-node=1 --job-name=shared --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M
    --output="$STATE/jobs/shared-%j.out")
  t_submit=$(now)
  a=$(submit "${common[@]}" --nodelist="${p}1,${p}2" "$script")
  b=$(submit "${common[@]}" --nodelist="${p}2,${p}3" "$script")
  say "submitted jobs $a (${p}1,${p}2) and $b (${p}2,${p}3): sbatch ${common[*]:0:4} --nodelist=..."
  echo "$b" >"$STATE/jobs/shared-$a.peer"
  echo "$a" >"$STATE/jobs/shared-$b.peer"
  # shellcheck disable=SC2317  # run by the trap
  # (global: the trap may run after this function has returned and its locals are gone)
  SHARED_RELEASE=("$STATE/jobs/shared-$a.release" "$STATE/jobs/shared-$b.release")
  shared_release() { echo go | tee "${SHARED_RELEASE[@]}" >/dev/null; }
  trap shared_release EXIT

  for job in "$a" "$b"; do
    wait_file "$STATE/jobs/shared-$job.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
    start[$job]=$(<"$STATE/jobs/shared-$job.start")
  done
  running=$(squeue -h -t RUNNING -j "$a,$b" -o '%i %N' | sort)
  say "squeue, both started:"$'\n'"      ${running//$'\n'/$'\n'      }"
  expect_eq "jobs RUNNING at once" 2 "$(wc -l <<<"$running")"
  for job in "$a" "$b"; do
    wait_for 90 "job $job probing" grep -qx probed "$STATE/jobs/shared-$job.out" ||
      fail "job $job did not finish its probes: $(cat "$STATE/jobs/shared-$job.out")"
  done

  # The owner-only rule on each batch host, while both jobs run.
  for job in "$a" "$b"; do
    batch=$(jq -r .batchHost "$STATE/jobs/vcluster-$job/report.json")
    vni[$job]=$(jq -r .vni "$STATE/jobs/vcluster-$job/report.json")
    for ip in $(jq -r '.nodes[].vms[].ip' "$STATE/jobs/vcluster-$job/report.json"); do
      shared_connect "$batch" "$VC_E2E_USER" "$ip" || fail "$VC_E2E_USER cannot connect to $ip:22 on $batch (job $job)"
      if shared_connect "$batch" nobody "$ip"; then fail "nobody connected to $ip:22 on $batch (job $job)"; fi
      say "job $job on $batch: $VC_E2E_USER reaches $ip:22, nobody does not"
    done
  done
  # On the shared node each job's taps hang on that job's bridge.
  for job in "$a" "$b"; do
    out=$(cluster_exec "${p}2" ip -o link show master "vcbr${vni[$job]}" | awk -F': ' '{ print $2 }' | sed 's/@.*//' | sort)
    expect_eq "ports of vcbr${vni[$job]} (job $job) on ${p}2" "$(printf 'vcvx%s\nvt%s-0' "${vni[$job]}" "${vni[$job]}")" "$out"
  done
  [[ ${vni[$a]} != "${vni[$b]}" ]] || fail "jobs $a and $b got the same VNI ${vni[$a]}"

  shared_release
  for job in "$a" "$b"; do
    expect_eq "job $job state" COMPLETED "$(wait_job "$job" 60)"
  done
  t_end=$(now)
  for job in "$a" "$b"; do
    other=$a; [[ $job == "$a" ]] && other=$b
    out=$(<"$STATE/jobs/shared-$job.out")
    say "output of job $job:"$'\n'"      ${out//$'\n'/$'\n'      }"
    expect_eq "own VMs job $job reached" "vc$job-0 vc$job-1" \
      "$(sed -n 's/^own-vm [^ ]*: //p' <<<"$out" | paste -sd ' ')"
    expect_eq "own IPs unreachable from job $job's VM" "" "$(grep '^own-ip .*: unreachable' <<<"$out" || true)"
    expect_eq "own IPs probed by job $job" 2 "$(grep -c '^own-ip .*: reached' <<<"$out" || true)"
    expect_eq "job $other's IPs reached from job $job's VM" "" "$(grep '^peer-ip .*: reached' <<<"$out" || true)"
    expect_eq "job $other's IPs probed by job $job" 2 "$(grep -c '^peer-ip .*: unreachable' <<<"$out" || true)"
  done
  wait_for 90 "nothing of jobs $a and $b left on any node" vc_all_clean || true
  expect_all_clean "$a" "$b"

  for node in ${p}1 ${p}2; do measure "prolog-$node-job-A" "$(prolog_timings "$node" "$a")"; done
  for node in ${p}2 ${p}3; do measure "prolog-$node-job-B" "$(prolog_timings "$node" "$b")"; done
  measure epilog-vnode2-job-A "$(epilog_seconds "${p}2" "$a")"
  measure sbatch-to-start-A "$(secs_between "$t_submit" "${start[$a]}")"
  measure sbatch-to-start-B "$(secs_between "$t_submit" "${start[$b]}")"
  measure whole-both "$(secs_between "$t_submit" "$t_end")"
}
