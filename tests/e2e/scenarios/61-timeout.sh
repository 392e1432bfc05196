# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario timeout: a vc job with --time=1 whose script sleeps forever is killed by Slurm at its
# time limit (state TIMEOUT); the epilogs remove everything of it on every node and the report
# folder; every node ends idle. slurmctld looks at time limits about every 30 s, so the kill
# comes 60-90 s after the start.
register_scenario timeout scenario_timeout "a vc job hitting its time limit: epilog tears everything down"

scenario_timeout() {
  local script job state node t_submit t_start t_end t_clean t_kill
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_all_clean || fail "leftovers before the job: $(for n in $(node_names); do vc_node_left "$n"; done)"

  script=$(job_script timeout <<'JOB'
#!/bin/bash
set -euo pipefail
date +%s.%N >"timeout-$SLURM_JOB_ID.start"
ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" hostname | sed 's/^/vm=/'
echo sleeping
sleep infinity
JOB
)
  t_submit=$(now)
  job=$(submit -N 2 --ntasks-per-node=1 --time=1 --job-name=timeout \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M --output="$STATE/jobs/timeout-%j.out" "$script")
  say "submitted job $job: sbatch -N 2 --ntasks-per-node=1 --time=1 --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M"
  wait_file "$STATE/jobs/timeout-$job.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
  t_start=$(<"$STATE/jobs/timeout-$job.start")
  wait_for 60 "job $job reaching its head VM" grep -qx sleeping "$STATE/jobs/timeout-$job.out" ||
    fail "job $job did not reach its VM: $(cat "$STATE/jobs/timeout-$job.out")"
  say "job $job running, its head VM answered; waiting for its time limit"
  state=$(wait_job "$job" 150)
  t_end=$(now)
  expect_eq "job $job state" TIMEOUT "$state"
  wait_for 90 "nothing of job $job left on any node" vc_all_clean || true
  t_clean=$(now)
  expect_all_clean "$job"

  for node in $(node_names | head -n 2); do
    measure "prolog-$node" "$(prolog_timings "$node" "$job")"
    measure "epilog-$node" "$(epilog_seconds "$node" "$job")"
  done
  measure sbatch-to-start "$(secs_between "$t_submit" "$t_start")"
  # The job reads TIMEOUT only once its epilogs are done (COMPLETING until then): the kill is
  # when slurmd started the batch host's epilog.
  t_kill=$(epilog_started "${VC_E2E_NODE_PREFIX}1" "$job")
  measure start-to-kill "$(secs_between "$t_start" "$t_kill")"
  measure kill-to-clean "$(secs_between "$t_kill" "$t_clean")"
  measure kill-to-TIMEOUT "$(secs_between "$t_kill" "$t_end")"
  measure whole-job "$(secs_between "$t_submit" "$t_clean")"
}
