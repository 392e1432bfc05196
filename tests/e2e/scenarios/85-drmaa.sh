# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario drmaa: the product's `vcluster submit`, `status` and `cancel` (DRMAA sessions over
# sbatch, squeue, sacct and scancel) against the real cluster, run as the test user on the
# machine, where sbatch runs in the other scenarios (Slurm's client config through SLURM_CONF):
#   - a plain job with --wait: progress lines show its states, COMPLETED, exit code 0;
#   - a job that exits 3: FAILED, and `vcluster submit --wait` exits 3;
#   - a job cancelled through the session (`vcluster cancel`, DRMAA TERMINATE) while a
#     `vcluster submit --wait` waits for it: CANCELLED, the waiter exits 128+15;
#   - bad requests refused before submission (exit 2, one line, no job made);
#   - a virtual-cluster job, `vcluster submit --image testapp`: the request reaches the prolog
#     through the SPANK options (the plugin is installed here), its VM boots, the job sees it with
#     `vcluster status` (report read), and the epilog cleans everything.
register_scenario drmaa scenario_drmaa "vcluster submit/status/cancel through DRMAA on the real Slurm, plain and vc jobs"

# vcluster ARGS...: the product's command as the test user, from the jobs folder.
vcluster() {
  (cd "$STATE/jobs" && cluster_as_user "$VC_DIST/bin/vcluster" "$@")
}

# drmaa_script NAME BODY: a job script in the jobs folder.
drmaa_script() {
  printf '#!/bin/bash\n%s\n' "$2" | job_script "$1"
}

# drmaa_submit_wait NAME ARGS...: vcluster submit --wait ARGS; leaves the exit status, stdout and
# stderr in $STATE/jobs/NAME.{rc,stdout,stderr} and says them.
drmaa_submit_wait() {
  local name=$1 rc=0
  shift
  vcluster submit --config "$E2E_WORK/site.yaml" --wait "$@" >"$STATE/jobs/$name.stdout" \
    2>"$STATE/jobs/$name.stderr" || rc=$?
  echo "$rc" >"$STATE/jobs/$name.rc"
  say "vcluster submit --wait $* -> exit $rc"
  say "  stdout: $(tr '\n' '|' <"$STATE/jobs/$name.stdout")"
  say "  stderr: $(tr '\n' '|' <"$STATE/jobs/$name.stderr")"
}

# drmaa_refused EXPECTED ARGS...: vcluster submit refuses before any job exists.
drmaa_refused() {
  local expected=$1 out rc=0 name t0
  shift
  name=drmaa-bad-$RANDOM
  t0=$(now)
  out=$(vcluster submit --config "$E2E_WORK/site.yaml" --job-name="$name" "$@" 2>&1) || rc=$?
  say "vcluster submit $* -> exit $rc in $(elapsed "$t0")s: $out"
  expect_eq "exit of vcluster submit $*" 2 "$rc"
  expect_eq "lines printed" 1 "$(wc -l <<<"$out")"
  [[ $out == "vcluster submit: $expected"* ]] || fail "vcluster submit $*: '$out', expected 'vcluster submit: $expected...'"
  expect_eq "jobs named $name" "" "$(squeue -h --states=all --name="$name" -o %i)"
}

drmaa_plain() {
  local t0 job
  # shellcheck disable=SC2016  # expanded by the job
  drmaa_script drmaa-ok 'echo "hello from $SLURM_JOB_ID"; sleep 5' >/dev/null
  t0=$(now)
  drmaa_submit_wait drmaa-ok --job-name=drmaa-ok --output=drmaa-ok.out drmaa-ok.sh
  measure plain-submit-wait "$(elapsed "$t0")"
  expect_eq "exit of submit --wait (plain)" 0 "$(<"$STATE/jobs/drmaa-ok.rc")"
  job=$(head -n 1 "$STATE/jobs/drmaa-ok.stdout")
  [[ $job =~ ^[0-9]+$ ]] || fail "no job id on the first line: $job"
  expect_eq "final line" "job $job COMPLETED, exit code 0" "$(tail -n 1 "$STATE/jobs/drmaa-ok.stdout")"
  grep -q "^vcluster submit: job $job RUNNING$" "$STATE/jobs/drmaa-ok.stderr" || fail "no RUNNING progress line"
  grep -q "^vcluster submit: job $job COMPLETED (DONE)$" "$STATE/jobs/drmaa-ok.stderr" || fail "no COMPLETED progress line"
  expect_eq "Slurm's state of job $job" COMPLETED "$(job_field "$job" JobState)"
  expect_eq "job output" "hello from $job" "$(<"$STATE/jobs/drmaa-ok.out")"
  # status of a finished job, for scripts
  vcluster status --config "$E2E_WORK/site.yaml" --json "$job" >"$STATE/jobs/drmaa-ok.status.json"
  expect_eq "status --json state" COMPLETED "$(jq -r .state "$STATE/jobs/drmaa-ok.status.json")"
  expect_eq "status --json exitCode" 0 "$(jq -r .exitCode "$STATE/jobs/drmaa-ok.status.json")"
}

drmaa_failing() {
  local job
  drmaa_script drmaa-fail 'echo failing on purpose; exit 3' >/dev/null
  drmaa_submit_wait drmaa-fail --job-name=drmaa-fail --output=drmaa-fail.out drmaa-fail.sh
  job=$(head -n 1 "$STATE/jobs/drmaa-fail.stdout")
  expect_eq "exit of submit --wait (failing job)" 3 "$(<"$STATE/jobs/drmaa-fail.rc")"
  expect_eq "final line" "job $job FAILED, exit code 3" "$(tail -n 1 "$STATE/jobs/drmaa-fail.stdout")"
  expect_eq "Slurm's state of job $job" FAILED "$(job_field "$job" JobState)"
  expect_eq "Slurm's exit code of job $job" 3:0 "$(job_field "$job" ExitCode)"
}

# kill_tree PID: ends PID and every process below it, by PID, children first.
kill_tree() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}

# drmaa_end_waiter: a failed check must not leave the waiting vcluster submit (a JVM polling
# squeue) behind: its job is cancelled, so that it ends by itself, else it is killed by PID.
drmaa_end_waiter() {
  [[ -n ${DRMAA_WAITER:-} ]] || return 0
  if [[ -n ${DRMAA_LONG_JOB:-} ]]; then scancel "$DRMAA_LONG_JOB" 2>/dev/null || true; fi
  wait_for 15 "the waiting vcluster submit to end" sh -c "! kill -0 $DRMAA_WAITER" || kill_tree "$DRMAA_WAITER"
}

drmaa_cancelled() {
  local waiter job="" out t_cancel t0
  drmaa_script drmaa-long 'echo started; sleep 300; echo "not cancelled"' >/dev/null
  # a run before this one (run.sh drmaa drmaa) left its files: the id must be this run's
  rm -f "$STATE/jobs/drmaa-long.stdout" "$STATE/jobs/drmaa-long.out"
  drmaa_submit_wait drmaa-long --job-name=drmaa-long --output=drmaa-long.out drmaa-long.sh &
  waiter=$!
  DRMAA_WAITER=$waiter
  trap drmaa_end_waiter EXIT
  wait_for 30 "the job id from vcluster submit" test -s "$STATE/jobs/drmaa-long.stdout" || fail "no job id"
  job=$(head -n 1 "$STATE/jobs/drmaa-long.stdout")
  DRMAA_LONG_JOB=$job
  wait_for 30 "job $job running" grep -qx started "$STATE/jobs/drmaa-long.out" || fail "job $job never started"
  t0=$(now)
  out=$(vcluster status --config "$E2E_WORK/site.yaml" "$job")
  measure status-call "$(elapsed "$t0")"
  say "vcluster status $job: $out"
  expect_eq "status of job $job" "job $job RUNNING" "$out"
  t_cancel=$(now)
  out=$(vcluster cancel --config "$E2E_WORK/site.yaml" "$job")
  measure cancel-call "$(elapsed "$t_cancel")"
  expect_eq "vcluster cancel $job" "job $job: terminate asked" "$out"
  wait "$waiter" || fail "the waiting vcluster submit failed to report"
  DRMAA_WAITER=
  measure cancel-to-waiter-done "$(elapsed "$t_cancel")"
  # Slurm 22.05 usually records the script's end by SIGTERM (squeue exit_code 15), but now and then
  # keeps none (0) for a job cancelled while running: the session then reports no exit code
  say "Slurm's ExitCode of job $job: $(job_field "$job" ExitCode)"
  case $(<"$STATE/jobs/drmaa-long.rc") in
    143) expect_eq "final line" "job $job CANCELLED, ended by SIGTERM" "$(tail -n 1 "$STATE/jobs/drmaa-long.stdout")" ;;
    1)
      expect_eq "final line" "job $job CANCELLED, no exit code recorded" "$(tail -n 1 "$STATE/jobs/drmaa-long.stdout")"
      expect_eq "Slurm's ExitCode of job $job" 0:0 "$(job_field "$job" ExitCode)"
      ;;
    *) fail "exit of submit --wait (cancelled job): $(<"$STATE/jobs/drmaa-long.rc"), expected 143 (or 1 when Slurm kept no code)" ;;
  esac
  expect_eq "Slurm's state of job $job" CANCELLED "$(job_field "$job" JobState)"
  grep -q "not cancelled" "$STATE/jobs/drmaa-long.out" && fail "job $job went on after the cancel"
  # an unknown job: one line, exit 1
  local rc=0
  out=$(vcluster cancel --config "$E2E_WORK/site.yaml" 999999 2>&1) || rc=$?
  say "vcluster cancel 999999 -> exit $rc: $out"
  expect_eq "exit of cancel of an unknown job" 1 "$rc"
  [[ $out == "vcluster cancel: job 999999 is not known to Slurm"* ]] || fail "cancel of an unknown job said: $out"
}

drmaa_vc() {
  local job t0 node env_file
  vc_snapshot_nodes
  drmaa_script drmaa-vc "$(cat <<JOB
set -euo pipefail
ls vcluster-\$SLURM_JOB_ID/report.json
# inside the job, vcluster status finds the job from SLURM_JOB_ID and reads its report
"$VC_DIST/bin/vcluster" status --config "$E2E_WORK/site.yaml" --json >"drmaa-vc-\$SLURM_JOB_ID.status.json"
ssh -F "\$VC_SSH_CONFIG" "\$VC_HEAD" hostname | sed 's/^/vm=/'
JOB
)" >/dev/null
  t0=$(now)
  drmaa_submit_wait drmaa-vc -N 1 --image testapp --vcpus 1 --mem 384M --vms 1 --job-name=drmaa-vc \
    --output=drmaa-vc.out drmaa-vc.sh
  measure vc-submit-wait "$(elapsed "$t0")"
  job=$(head -n 1 "$STATE/jobs/drmaa-vc.stdout")
  say "output of job $job: $(tr '\n' '|' <"$STATE/jobs/drmaa-vc.out")"
  expect_eq "exit of submit --wait (vc job)" 0 "$(<"$STATE/jobs/drmaa-vc.rc")"
  expect_eq "final line" "job $job COMPLETED, exit code 0" "$(tail -n 1 "$STATE/jobs/drmaa-vc.stdout")"
  expect_eq "the VM answered" "vm=vc$job-0" "$(grep '^vm=' "$STATE/jobs/drmaa-vc.out")"
  expect_eq "status --json inside the job: state" RUNNING "$(jq -r .state "$STATE/jobs/drmaa-vc-$job.status.json")"
  expect_eq "status --json inside the job: VMs" "vc$job-0" "$(jq -r '.vms[].name' "$STATE/jobs/drmaa-vc-$job.status.json")"
  # the request went as the SPANK options (the plugin is installed), not as a comment
  for node in $(job_field "$job" NodeList | xargs scontrol show hostnames); do
    env_file=$STATE/hook-env/prolog-$job-$node.env
    [[ -f $env_file ]] || fail "no prolog environment recorded for job $job on $node"
    expect_eq "SPANK_VC_* in the prolog on $node" "SPANK_VC_IMAGE=testapp SPANK_VC_MEM=384M SPANK_VC_VCPUS=1 SPANK_VC_VMS=1" \
      "$(grep '^SPANK_VC_' "$env_file" | sort | xargs)"
  done
  expect_eq "comment of job $job" "" "$(job_field "$job" Comment)"
  vc_torn_down "$job"
}

scenario_drmaa() {
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  [[ -x $VC_DIST/bin/vcluster ]] || { say "needs the product's bin/vcluster"; exit 77; }
  drmaa_refused "image: 'nosuch' is not in the site's catalog" --image nosuch drmaa-none.sh
  drmaa_refused "vms: 99 VMs per node is outside the site's limit" --image testapp --vms 99 drmaa-none.sh
  drmaa_refused "mem: invalid size 'lots'" --image testapp --mem lots drmaa-none.sh
  drmaa_refused "image: missing" --vcpus 2 drmaa-none.sh
  drmaa_plain
  drmaa_failing
  drmaa_cancelled
  drmaa_vc
}
