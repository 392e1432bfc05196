# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario checkpoint: first, a job asking checkpoint=on-timeout with the working folder shared in
# (virtiofs cannot be saved) is refused as the user's mistake. Then a 1-node vc job that asked
# --comment=vc:...,mounts=none,checkpoint=on-timeout (on 2 nodes, 1 VM each, when the cluster has
# them; 1 node on a 1-node cluster, as tests/bench/checkpoint.sh runs it), with a time limit of 3
# minutes and `--signal=B:USR1@130`, starts a counter in its VM that lives in the guest's memory (a
# shell's variable, shown in /tmp/count) and, across all its VMs, an MPI program that passes
# messages round a ring (appliance/mpi-loop.c); when Slurm signals the batch shell before the time
# limit (or once the programs ran 8 s, if Slurm's signal came earlier, as it may: up to a minute),
# its trap requeues the job (the users' guide's recipe). Each epilog, as root, checkpoints
# its node's VM (memory state and overlay, manifest, `current`) before the teardown; the job runs
# again and its prologs restore the VMs instead of booting them: the same kernel boot (boot_id) in
# every VM, the same counter process, its count past the one seen at the signal and still rising,
# every VM's clock within 5 s of the host's (set through the guest agent: the requeue takes over
# 40 s), and the MPI program goes on and ends with the right result in the second run. At the end, the job over, its epilog removes its checkpoints and
# nothing of the job is left. Figures: the checkpoint's time and size per VM, and the prolog's
# start+ready when restoring against when booting the same image in the same run (a ratio).
register_scenario checkpoint scenario_checkpoint "a vc job checkpointed at requeue by its epilog, restored by its prolog"

# ck_prolog_phase NODE JOB N FIELD: FIELD (jq) of the N-th (0-based) prolog outcome line of JOB on NODE.
ck_prolog() {
  cluster_exec "$1" sh -c "grep -h '^{' /var/lib/vcluster/logs/$2.log 2>/dev/null || true" |
    jq -s -r --argjson n "$3" "[.[] | select(.hook == \"prolog\")][\$n] | $4"
}

scenario_checkpoint() {
  local p=$VC_E2E_NODE_PREFIX node script job state out before after later pid1 pid2 boot1 boot2 log line
  local boot_s restore_s secs mib nodes n all1 all2
  node=${p}1 nodes=${p}1 n=1
  if (($(cat "$STATE/nodes.count") >= 2)); then nodes=${p}1,${p}2 n=2; fi
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_all_clean || fail "leftovers before the job: $(for n in $(node_names); do vc_node_left "$n"; done)"

  # virtiofs cannot be checkpointed: the user's mistake, told before anything is made
  job=$(submit -N 1 -w "$node" --job-name=checkpoint-mounts --comment=vc:image=testapp,checkpoint=on-timeout \
    --output="$STATE/jobs/refused-%j.out" --wrap "$(refused_job_script)")
  say "submitted job $job with --comment=vc:image=testapp,checkpoint=on-timeout (the working folder shared)"
  # (expect_refused_job's count of prolog lines is for a refusal of the request's syntax: this one
  # comes after the job's CPUs were read, one line more)
  expect_eq "job $job state (its prolog refused the request and exited 0)" COMPLETED "$(wait_job "$job" 120)"
  out=$(cat "$STATE/jobs/refused-$job.out" 2>/dev/null)
  say "job $job read its ERROR: $out"
  [[ $out == *"checkpoint: on-timeout cannot save VMs that share host folders"* ]] ||
    fail "the ERROR job $job read does not say why: $out"
  expect_eq "the prolog's outcome on $node for job $job" "user-error request 0" \
    "$(vc_outcome "$node" "$job" prolog '"\(.outcome) \(.error.code) \(.exit)"')"
  wait_for 60 "every node idle after job $job" nodes_all_idle ||
    fail "nodes not idle after job $job: $(sinfo -h -N -o '%N %T %E' | paste -sd ';')"
  expect_eq "drain reason of $node after job $job" none "$(sinfo -h -n "$node" -o '%E')"
  wait_for 60 "nothing of job $job left on any node" vc_all_clean || true
  expect_all_clean

  script=$(job_script checkpoint <<JOB
#!/bin/bash
vc=$VC_DIST/bin/vcluster
JOB
)
  cat >>"$script" <<'JOB'
set -euo pipefail
vm() { ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" "$@"; }
run=${SLURM_RESTART_COUNT:-0}
echo "run=$run"
if [[ $run == 0 ]]; then
  # before the time limit, Slurm signals this shell: the trap requeues the job (docs/users.md)
  requeue() {
    echo "before=$(vm cat /tmp/count) pid=$(vm cat /tmp/counter.pid) boot=$(vm cat /proc/sys/kernel/random/boot_id)"
    echo "round=$(vm cat /tmp/mpi-round)"
    echo "all=$("$vc" exec --all -- cat /proc/sys/kernel/random/boot_id | sort | paste -sd ' ')"
    scontrol requeue "$SLURM_JOB_ID"
  }
  # Slurm may signal up to a minute early (its timers' resolution), even before the programs run:
  # the trap only notes it, and the job requeues once they have run for a few seconds
  signalled=
  trap 'signalled=1; echo "signalled at $(date +%s)"' USR1
  "$vc" mpirun --copy "$PWD/mpi-loop" -np "$SLURM_JOB_NUM_NODES" ./mpi-loop 1 0 /tmp/mpi-round >/dev/null ||
    echo "mpi-loop failed"
  # the count is the shell's variable, in the guest's memory; the file only shows it
  vm 'nohup sh -c "i=0; while :; do i=\$((i+1)); echo \$i >/tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.2; done" >/dev/null 2>&1 </dev/null & echo $! >/tmp/counter.pid'
  # the MPI program, detached from this ssh, so that it lives on in the checkpoint
  vm "nohup sh -c 'mpirun --hostfile /etc/vcluster/hostfile -np $SLURM_JOB_NUM_NODES ./mpi-loop 400 100 /tmp/mpi-round >/tmp/mpi.out 2>&1; echo \$? >/tmp/mpi.rc' >/dev/null 2>&1 </dev/null &"
  echo "started at $(date +%s)"
  sleep 8
  while [[ -z $signalled ]]; do sleep 1; done
  requeue
  sleep infinity &
  while :; do wait; done
fi
trap 'echo "signalled again in run $run"' USR1
# the guest's clock against the host's: it stood still while the VM was saved, and the prolog set it
echo "clock=$("$vc" exec --all -- date +%s | awk '{ print $NF }' | paste -sd ,) host=$(date +%s)"
echo "after=$(vm cat /tmp/count) pid=$(vm cat /tmp/counter.pid) boot=$(vm cat /proc/sys/kernel/random/boot_id)"
echo "all=$("$vc" exec --all -- cat /proc/sys/kernel/random/boot_id | sort | paste -sd ' ')"
echo "alive=$(vm 'kill -0 "$(cat /tmp/counter.pid)" && echo yes')"
echo "round2=$(vm cat /tmp/mpi-round)"
sleep 2
echo "later=$(vm cat /tmp/count)"
for _ in $(seq 240); do [[ -n $(vm cat /tmp/mpi.rc 2>/dev/null) ]] && break; sleep 0.5; done
echo "mpi=$(vm cat /tmp/mpi.out | tr '\n' ' ')"
echo "mpirc=$(vm cat /tmp/mpi.rc)"
echo done
JOB
  mpi_build mpi-loop >/dev/null
  job=$(submit -N "$n" -w "$nodes" --ntasks-per-node=1 --job-name=checkpoint --open-mode=append \
    --time=3 --signal=B:USR1@130 \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M,mounts=none,checkpoint=on-timeout \
    --output="$STATE/jobs/checkpoint-%j.out" "$script")
  say "submitted job $job: sbatch -N $n -w $nodes --time=3 --signal=B:USR1@130 --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M,mounts=none,checkpoint=on-timeout"
  wait_for "$((${VC_E2E_BOOT_TIMEOUT:-150} + 60))" "job $job's first run to be signalled and requeue itself" \
    grep -q '^before=' "$STATE/jobs/checkpoint-$job.out" ||
    fail "job $job's first run did not count: $(cat "$STATE/jobs/checkpoint-$job.out" 2>/dev/null)"
  state=$(wait_job "$job" 400)
  out=$(<"$STATE/jobs/checkpoint-$job.out")
  log=$(cluster_exec "$node" cat "/var/lib/vcluster/logs/$job.log")
  say "output:"$'\n'"      ${out//$'\n'/$'\n'      }"
  say "log of job $job on $node:"$'\n'"      ${log//$'\n'/$'\n'      }"
  expect_eq "job $job state" COMPLETED "$state"

  line=$(grep '^before=' <<<"$out")
  before=$(sed 's/^before=\([0-9]*\) .*/\1/' <<<"$line")
  pid1=$(sed 's/.* pid=\([0-9]*\) .*/\1/' <<<"$line")
  boot1=${line##* boot=}
  line=$(grep '^after=' <<<"$out") || fail "job $job's second run read no count"
  after=$(sed 's/^after=\([0-9]*\) .*/\1/' <<<"$line")
  pid2=$(sed 's/.* pid=\([0-9]*\) .*/\1/' <<<"$line")
  boot2=${line##* boot=}
  later=$(sed -n 's/^later=//p' <<<"$out")
  all1=$(grep '^all=' <<<"$out" | head -n 1) all2=$(grep '^all=' <<<"$out" | tail -n 1)
  say "every VM's boot_id before and after: $all1 / $all2"
  expect_eq "VMs that answered" "$n" "$(wc -w <<<"${all1#all=}" | awk '{ print $1 / 2 }')"
  expect_eq "every VM's boot_id across the requeue" "$all1" "$all2"
  say "count $before before the requeue, $after after the restore, $later two seconds later"
  expect_eq "the guest's boot (boot_id) across the requeue" "$boot1" "$boot2"
  expect_eq "the counter's process across the requeue" "$pid1" "$pid2"
  expect_eq "the counter alive after the restore" "alive=yes" "$(grep '^alive=' <<<"$out")"
  ((after >= before)) || fail "the count went back: $before before, $after after"
  ((later > after)) || fail "the count did not go on after the restore: $after, then $later"
  line=$(grep '^clock=' <<<"$out")
  say "after the restore, every VM's clock and the batch host's: $line"
  [[ $(awk '{ split(substr($1, 7), c, ","); h = substr($2, 6) + 0
    for (i in c) if (c[i] + 0 < h - 5 || c[i] + 0 > h + 5) { print "off"; exit } print "ok" }' <<<"$line") == ok ]] ||
    fail "a restored VM's clock is more than 5 s from the host's: $line"
  grep -q "restored from its checkpoint, its clock set by the guest agent" <<<"$log" ||
    fail "the prolog did not set a restored VM's clock through the guest agent"
  say "MPI round $(sed -n 's/^round=//p' <<<"$out") at the signal, $(sed -n 's/^round2=//p' <<<"$out") after the restore"
  (($(sed -n 's/^round2=//p' <<<"$out") >= $(sed -n 's/^round=//p' <<<"$out"))) ||
    fail "the MPI program went back across the requeue"
  expect_eq "the MPI program's exit status in the second run" "mpirc=0" "$(grep '^mpirc=' <<<"$out")"
  [[ $(sed -n 's/^mpi=//p' <<<"$out") == *"$n ranks, 400 rounds: result "*"(expected "* ]] ||
    fail "the MPI program's output: $(sed -n 's/^mpi=//p' <<<"$out")"
  grep -q "restoring the checkpoint of" <<<"$log" || fail "the second prolog did not restore the checkpoint"
  grep -q "the job is over: its checkpoints here are removed" <<<"$log" || fail "the last epilog kept the checkpoints"
  expect_eq "checkpoints of job $job left in the shared checkpoint folder" "" \
    "$(ls -A "$STATE/checkpoints/" 2>/dev/null | grep -x "$job" || true)"
  wait_for 60 "nothing of job $job left on any node" vc_all_clean || true
  expect_all_clean "$job"

  # the figures: the checkpoint (the epilog's log line), the restore against the boot (each run's
  # prolog outcome: its VM's start and the wait until it is ready; the same image, the same run)
  secs=$(sed -n 's/.*checkpoint of 1 VM(s) taken in \([0-9.]*\)s, \([0-9]*\) MiB.*/\1/p' <<<"$log" | head -n 1)
  mib=$(sed -n 's/.*checkpoint of 1 VM(s) taken in \([0-9.]*\)s, \([0-9]*\) MiB.*/\2/p' <<<"$log" | head -n 1)
  [[ -n $secs ]] || fail "no checkpoint line in the log"
  boot_s=$(ck_prolog "$node" "$job" 0 '(.phases.start + .phases.ready) / 1000')
  # the restore's part: the checkpoint found and verified, the VM restored, ready
  restore_s=$(ck_prolog "$node" "$job" 1 '(.phases.checkpoint + .phases.start + .phases.ready) / 1000')
  measure checkpoint-per-vm "$secs"
  say "checkpoint size per VM: $mib MiB (memory state and overlay; the VM has 384 MiB)"
  measure boot-to-ready "$boot_s"
  measure restore-to-ready "$restore_s"
  say "restore/boot ratio: $(awk -v a="$restore_s" -v b="$boot_s" 'BEGIN { printf "%.2f", a / b }')"
  measure prolog-run1 "$(ck_prolog "$node" "$job" 0 '.ms / 1000')"
  measure prolog-run2 "$(ck_prolog "$node" "$job" 1 '.ms / 1000')"
}
