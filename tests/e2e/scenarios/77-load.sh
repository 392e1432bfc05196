# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario load: 8 vc jobs one after the other (2 nodes, 1 small VM per node), then 2 at a time
# sharing a node (A on vnode1+vnode2, B on vnode2+vnode3, as in shared). Each job's script reaches
# every one of its VMs over ssh and completes; after each job (and after the pair) nothing of any
# vc job is left on any node. Prints sbatch-to-start and sbatch-to-clean per job and the total:
# the product must not get slower, nor leave anything, as jobs follow each other.
register_scenario load scenario_load "8 vc jobs in a row, then 2 at once on a shared node: all succeed, nothing left"

LOAD_JOBS=${VC_E2E_LOAD_JOBS:-8}

# load_script: reaches each of the job's VMs by ssh (one line "vm=<its hostname>" each).
load_script() {
  job_script load <<'JOB'
#!/bin/bash
set -euo pipefail
date +%s.%N >"load-$SLURM_JOB_ID.start"
for vm in ${VC_NODES//,/ }; do echo "vm=$(ssh -F "$VC_SSH_CONFIG" "$vm" hostname)"; done
echo "load-done"
JOB
}

# load_check JOB: the job completed, reached both of its VMs by ssh; prints nothing.
load_check() {
  local job=$1 out
  expect_eq "job $job state" COMPLETED "$(wait_job "$job" 120)"
  out=$(<"$STATE/jobs/load-$job.out")
  expect_eq "VMs job $job reached by ssh" "vm=vc$job-0 vm=vc$job-1" "$(grep '^vm=' <<<"$out" | paste -sd ' ')"
  grep -qx load-done <<<"$out" || fail "job $job's script did not finish: $out"
}

scenario_load() {
  local script p=$VC_E2E_NODE_PREFIX i job a b t0 t_submit t_start t_clean
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  (($(cat "$STATE/nodes.count") >= 3)) || fail "needs 3 nodes"
  vc_all_clean || fail "leftovers before the jobs: $(for n in $(node_names); do vc_node_left "$n"; done)"
  script=$(load_script)
  # shellcheck disable=SC2054  # the commas are sbatch's
  local -a common=(-N 2 --ntasks-per-node=1 --job-name=load --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M
    --output="$STATE/jobs/load-%j.out")
  t0=$(now)

  for ((i = 1; i <= LOAD_JOBS; i++)); do
    t_submit=$(now)
    job=$(submit "${common[@]}" --nodelist="${p}1,${p}2" "$script")
    wait_file "$STATE/jobs/load-$job.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
    t_start=$(<"$STATE/jobs/load-$job.start")
    load_check "$job"
    wait_for 60 "nothing of job $job left on any node" vc_all_clean || true
    t_clean=$(now)
    expect_all_clean "$job"
    say "job $i/$LOAD_JOBS ($job): reached vc$job-0 and vc$job-1, nothing left"
    measure "job$i-sbatch-to-start" "$(secs_between "$t_submit" "$t_start")"
    measure "job$i-sbatch-to-clean" "$(secs_between "$t_submit" "$t_clean")"
  done
  measure "serial-$LOAD_JOBS-jobs" "$(secs_between "$t0" "$(now)")"

  # Two at a time, vnode2 shared (2 CPUs: one task of each).
  t_submit=$(now)
  a=$(submit "${common[@]}" --nodelist="${p}1,${p}2" "$script")
  b=$(submit "${common[@]}" --nodelist="${p}2,${p}3" "$script")
  say "submitted jobs $a (${p}1,${p}2) and $b (${p}2,${p}3) at once"
  for job in "$a" "$b"; do
    wait_file "$STATE/jobs/load-$job.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
    measure "pair-$job-sbatch-to-start" "$(secs_between "$t_submit" "$(<"$STATE/jobs/load-$job.start")")"
  done
  for job in "$a" "$b"; do load_check "$job"; done
  wait_for 60 "nothing of jobs $a and $b left on any node" vc_all_clean || true
  t_clean=$(now)
  expect_all_clean "$a" "$b"
  measure pair-sbatch-to-clean "$(secs_between "$t_submit" "$t_clean")"
  measure total "$(secs_between "$t0" "$t_clean")"
}
