# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario cancel: a vc job of 2 nodes (1 VM each) is cancelled with scancel while its script
# runs, after its VMs are up. The epilogs must remove everything of it on every node (domains,
# links, nftables tables, state folders) and the report folder; every node ends idle.
register_scenario cancel scenario_cancel "scancel of a running vc job: epilog tears everything down"

scenario_cancel() {
  local script job state node vni t_submit t_start t_cancel t_clean domains
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_all_clean || fail "leftovers before the job: $(for n in $(node_names); do vc_node_left "$n"; done)"

  script=$(job_script cancel <<'JOB'
#!/bin/bash
set -euo pipefail
date +%s.%N >"cancel-$SLURM_JOB_ID.start"
echo "head=$VC_HEAD nodes=$VC_NODES"
# The VMs answer before the script goes on waiting for its end.
for vm in ${VC_NODES//,/ }; do ssh -F "$VC_SSH_CONFIG" "$vm" hostname | sed 's/^/vm=/'; done
echo waiting
sleep 600
echo "not cancelled"
JOB
)
  t_submit=$(now)
  job=$(submit -N 2 --ntasks-per-node=1 --job-name=cancel --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M \
    --output="$STATE/jobs/cancel-%j.out" "$script")
  say "submitted job $job: sbatch -N 2 --ntasks-per-node=1 --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M"
  wait_file "$STATE/jobs/cancel-$job.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
  t_start=$(<"$STATE/jobs/cancel-$job.start")
  wait_for 60 "job $job reaching its VMs" grep -qx waiting "$STATE/jobs/cancel-$job.out" ||
    fail "job $job did not reach its VMs: $(cat "$STATE/jobs/cancel-$job.out")"
  expect_eq "job $job state before scancel" RUNNING "$(job_field "$job" JobState)"
  [[ -f $STATE/jobs/vcluster-$job/report.json ]] || fail "no report for job $job"
  for node in $(node_names | head -n 2); do
    domains=$(cluster_exec "$node" virsh -q -c qemu:///system list --state-running --name | grep -c "^vc$job-" || true)
    expect_eq "running domains of job $job on $node" 1 "$domains"
  done
  vni=$(vc_vni "${VC_E2E_NODE_PREFIX}1" "$job")
  say "job $job running on $(job_field "$job" NodeList), VNI $vni, its VMs answered: scancel"

  t_cancel=$(now)
  cluster_as_user scancel "$job"
  state=$(wait_job "$job" 60)
  expect_eq "job $job state" CANCELLED "$state"
  wait_for 90 "nothing of job $job left on any node" vc_all_clean || true
  t_clean=$(now)
  expect_all_clean "$job"
  grep -q '^not cancelled' "$STATE/jobs/cancel-$job.out" && fail "the script of job $job went on after scancel"

  for node in $(node_names | head -n 2); do
    measure "prolog-$node" "$(prolog_timings "$node" "$job")"
    measure "epilog-$node" "$(epilog_seconds "$node" "$job")"
  done
  measure sbatch-to-start "$(secs_between "$t_submit" "$t_start")"
  measure cancel-to-clean "$(secs_between "$t_cancel" "$t_clean")"
  measure whole-job "$(secs_between "$t_submit" "$t_clean")"
}
