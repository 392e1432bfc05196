# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario libvirtd-restart: while a 2-node vc job runs (its VMs answered), the batch host's
# libvirtd is restarted: the very daemon the harness started and recorded (lib/node.sh
# start_node_daemons, lib/pids.sh), ended by its recorded PID (TERM, bounded wait, KILL) and
# started again the same way. QEMU keeps running meanwhile; the new libvirtd takes its domains
# back. The job's script then reaches its VMs again and completes, and the epilogs (whose
# libvirt connection is to the new daemon) still remove everything on every node.
register_scenario libvirtd-restart scenario_libvirtd_restart "libvirtd restarted under a running vc job: the job completes, the epilog removes everything"

# lr_restart_libvirtd NODE: ends the recorded libvirtd of NODE by PID and starts it again as
# lib/node.sh did (same arguments, same log, a new PID record), then waits until it answers.
lr_restart_libvirtd() {
  local node=$1 old
  old=$(recorded_alive "libvirtd:$node" | awk '{ print $2 }')
  [[ -n $old ]] || fail "no recorded libvirtd of $node running"
  stop_recorded "libvirtd:$node"
  [[ -z $(recorded_alive "libvirtd:$node") ]] || fail "libvirtd of $node (pid $old) still runs"
  start_libvirtd "$node"
  wait_for 30 "libvirtd of $node answering again" libvirt_ready "$node" || fail "libvirtd of $node did not come back"
  say "libvirtd of $node restarted: pid $old ended, pid $(recorded_alive "libvirtd:$node" | awk '{ print $2 }') answers"
}

scenario_libvirtd_restart() {
  local script job batch node state out t_submit t_restart t_back t_clean
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_all_clean || fail "leftovers before the job: $(for n in $(node_names); do vc_node_left "$n"; done)"
  script=$(job_script libvirtd-restart <<'JOB'
#!/bin/bash
set -euo pipefail
me=$SLURM_JOB_ID
date +%s.%N >"lr-$me.start"
for vm in ${VC_NODES//,/ }; do echo "before $(ssh -F "$VC_SSH_CONFIG" "$vm" hostname)"; done
echo waiting
for ((i = 0; i < 600; i++)); do [[ -e lr-$me.go ]] && break; sleep 0.2; done
for vm in ${VC_NODES//,/ }; do echo "after $(ssh -F "$VC_SSH_CONFIG" "$vm" hostname)"; done
echo done
JOB
)
  t_submit=$(now)
  job=$(submit -N 2 --ntasks-per-node=1 --job-name=libvirtd-restart --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M \
    --output="$STATE/jobs/lr-%j.out" "$script")
  # global for the trap: the script must not wait for its go forever if a check fails
  LR_GO=$STATE/jobs/lr-$job.go
  # shellcheck disable=SC2317  # run by the trap
  lr_release() { touch "$LR_GO"; }
  trap lr_release EXIT
  wait_file "$STATE/jobs/lr-$job.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
  wait_for 60 "job $job reaching its VMs" grep -qx waiting "$STATE/jobs/lr-$job.out" ||
    fail "job $job did not reach its VMs: $(cat "$STATE/jobs/lr-$job.out")"
  batch=$(job_field "$job" BatchHost)
  [[ -n $batch ]] || fail "no batch host for job $job"

  t_restart=$(now)
  lr_restart_libvirtd "$batch"
  t_back=$(now)
  expect_eq "running domains of job $job on $batch after the restart" "vc$job-0" \
    "$(cluster_exec "$batch" virsh -q -c qemu:///system list --state-running --name | grep "^vc$job-" || true)"

  lr_release
  state=$(wait_job "$job" 60)
  out=$(<"$STATE/jobs/lr-$job.out")
  say "output of job $job:"$'\n'"      ${out//$'\n'/$'\n'      }"
  expect_eq "job $job state" COMPLETED "$state"
  expect_eq "VMs reached after the restart" "after vc$job-0 after vc$job-1" "$(grep '^after ' <<<"$out" | paste -sd ' ')"
  wait_for 90 "nothing of job $job left on any node" vc_all_clean || true
  t_clean=$(now)
  expect_all_clean "$job"
  for node in $(node_names | head -n 2); do
    measure "epilog-$node" "$(epilog_seconds "$node" "$job")"
  done
  measure libvirtd-restart "$(secs_between "$t_restart" "$t_back")"
  measure sbatch-to-clean "$(secs_between "$t_submit" "$t_clean")"
}
