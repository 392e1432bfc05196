# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario checkpoint-now: a 1-node vc job (mounts=none) starts a counter in its VM (a shell's
# variable, in the guest's memory) and runs `vcluster checkpoint` from its batch script: one srun
# step with --vc-checkpoint-now, whose SPANK plugin runs the root helper on the node. The counter
# goes on (the same boot_id, the same pid, the count rising); the checkpoint (root's, 0700, with a
# manifest) is `current`. Then the node's helper is made to die half-way (site.yaml's
# testing.faultPoint with faultAction die, as the crash scenario arms the prolog's) in a second
# `vcluster checkpoint`: it fails, the first checkpoint stays `current` and verifies against its
# manifest. A third one (--keep 2) finds the VM left paused by the killed helper, resumes it first,
# and checkpoints it: the counter goes on. Another user cannot checkpoint the job (Slurm refuses
# their step). The job ends; its checkpoints stay (the `kept` marker). Figure: the checkpoint's
# time per VM, from the job's log.
register_scenario checkpoint-now scenario_checkpoint_now "vcluster checkpoint of a running vc job: the VM runs on, a killed checkpoint leaves the previous one"

# cn_signal JOB NAME: the file the batch script and the scenario meet at.
cn_file() { printf '%s' "$STATE/jobs/ckptnow-$1.$2"; }

scenario_checkpoint_now() {
  local p=$VC_E2E_NODE_PREFIX node script job state out log first rc folder secs
  node=${p}1
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_all_clean || fail "leftovers before the job: $(vc_node_left "$node")"

  script=$(job_script checkpoint-now <<JOB
#!/bin/bash
vc=$VC_DIST/bin/vcluster
meet=$STATE/jobs/ckptnow-\$SLURM_JOB_ID
JOB
)
  cat >>"$script" <<'JOB'
set -uo pipefail
vm() { ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" "$@"; }
seen() { echo "$1=$(vm cat /tmp/count) pid=$(vm cat /tmp/counter.pid) boot=$(vm cat /proc/sys/kernel/random/boot_id)"; }
waitfor() { for _ in $(seq 120); do [[ -e $1 ]] && return 0; sleep 0.5; done; return 1; }
vm 'nohup sh -c "i=0; while :; do i=\$((i+1)); echo \$i >/tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.2; done" >/dev/null 2>&1 </dev/null & echo $! >/tmp/counter.pid'
sleep 3
seen before
"$vc" checkpoint; echo "first=$?"
seen after1
sleep 1
seen later1
touch "$meet.first"; waitfor "$meet.armed"
"$vc" checkpoint; echo "second=$?"
touch "$meet.second"; waitfor "$meet.disarmed"
"$vc" checkpoint --keep 2; echo "third=$?"
seen after3
sleep 1
seen later3
echo done
JOB
  job=$(submit -N 1 -w "$node" --ntasks-per-node=1 --job-name=checkpoint-now \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M,mounts=none --output="$STATE/jobs/checkpoint-now-%j.out" "$script")
  say "submitted job $job: sbatch -N 1 -w $node --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M,mounts=none"
  wait_for "${VC_E2E_BOOT_TIMEOUT:-150}" "job $job's first checkpoint" test -e "$(cn_file "$job" first)" ||
    fail "job $job did not get past its first checkpoint: $(cat "$STATE/jobs/checkpoint-now-$job.out" 2>/dev/null)"

  say "job $job so far:"$'\n'"      $(sed 's/^/      /' "$STATE/jobs/checkpoint-now-$job.out")"
  # the first checkpoint: root's, 0700, current, and it verifies against its manifest
  folder=$STATE/checkpoints/$job/n0
  first=$(cluster_exec "$node" readlink "$folder/current")
  say "first checkpoint: $folder/$first"
  expect_eq "the job's checkpoint folder (mode, owner)" "700 root" "$(cluster_exec "$node" stat -c '%a %U' "$folder/$first")"
  checkpoint_verifies "$folder/current" || fail "the first checkpoint does not verify"

  # another user: the launcher refuses them, and so does Slurm when they ask for the step themselves
  out=$(AS_USER=$VC_E2E_USER2 cluster_as_user "$VC_DIST/bin/vcluster" checkpoint --job "$job" 2>&1) && rc=0 || rc=$?
  say "$VC_E2E_USER2: vcluster checkpoint --job $job: exit $rc: $out"
  ((rc != 0)) || fail "$VC_E2E_USER2 checkpointed job $job"
  out=$(AS_USER=$VC_E2E_USER2 cluster_as_user timeout 60 srun --jobid="$job" --overlap -N1 -n1 \
    --vc-checkpoint-now="$(($(date +%s%3N) + 2000))" true 2>&1) && rc=0 || rc=$?
  say "$VC_E2E_USER2: srun --jobid=$job --vc-checkpoint-now=...: exit $rc: $out"
  ((rc != 0)) || fail "Slurm let $VC_E2E_USER2 start a step in job $job"
  [[ $out == *"ccess"*"enied"* || $out == *"not"*"owner"* || $out == *"Invalid"* ]] || say "(Slurm's words: $out)"

  # the second checkpoint: its helper dies after the VM is paused
  cluster_exec "$node" cp /etc/vcluster/site.yaml /etc/vcluster/site.yaml.ckptnow
  cluster_exec "$node" sh -c "printf 'testing:\n  faultPoint: \"checkpoint-paused\"\n  faultAction: die\n' >>/etc/vcluster/site.yaml"
  touch "$(cn_file "$job" armed)"
  wait_for 60 "job $job's second checkpoint" test -e "$(cn_file "$job" second)" || fail "no second checkpoint"
  cluster_exec "$node" mv /etc/vcluster/site.yaml.ckptnow /etc/vcluster/site.yaml
  expect_eq "the current checkpoint after the killed one" "$first" "$(cluster_exec "$node" readlink "$folder/current")"
  checkpoint_verifies "$folder/current" || fail "the first checkpoint does not verify after the killed one"
  say "VM after the killed checkpoint: $(cluster_exec "$node" virsh -c qemu:///system domstate "vc$job-0" | head -n 1)"
  touch "$(cn_file "$job" disarmed)"

  state=$(wait_job "$job" 200)
  out=$(<"$STATE/jobs/checkpoint-now-$job.out")
  log=$(cluster_exec "$node" cat "/var/lib/vcluster/logs/$job.log")
  say "output:"$'\n'"      ${out//$'\n'/$'\n'      }"
  say "log of job $job on $node:"$'\n'"      ${log//$'\n'/$'\n'      }"
  expect_eq "job $job state" COMPLETED "$state"
  expect_eq "the first vcluster checkpoint" "first=0" "$(grep '^first=' <<<"$out")"
  grep -q "^$node: checkpoint of 1 VM(s) taken in .*; the VMs run on" <<<"$out" || fail "no result line of the node"
  [[ $(grep '^second=' <<<"$out") != second=0 ]] || fail "the killed checkpoint said it succeeded"
  grep -q "no checkpoint: the helper ended without a word (exit status 137)" <<<"$out" ||
    fail "the user was not told that the killed checkpoint failed"
  expect_eq "the third vcluster checkpoint" "third=0" "$(grep '^third=' <<<"$out")"
  grep -q "was paused (a checkpoint interrupted earlier): resumed" <<<"$log" || fail "the third did not resume the paused VM"
  cn_same "$out" before after1 later1
  cn_same "$out" after1 after3 later3

  # the job is over: its checkpoints stay, with the marker
  expect_eq "the kept marker of job $job" "600 root" \
    "$(stat -c '%a %U' "$STATE/checkpoints/$job/kept" 2>&1)"
  cluster_exec "$node" test -L "$folder/current" || fail "job $job's checkpoint is gone after its end"
  grep -q "its checkpoints stay" <<<"$log" || say "(the job did not ask checkpoint=on-timeout: its epilog did not look at them)"
  wait_for 60 "nothing of job $job left on any node" vc_all_clean || true
  expect_all_clean "$job"
  secs=$(sed -n 's/.*vcluster checkpoint of 1 VM(s) taken in \([0-9.]*\)s.*/\1/p' <<<"$log" | paste -sd ' ')
  say "FIGURE checkpoint-now: seconds per checkpoint of 1 VM (384 MiB): $secs"
  rm -rf "${STATE:?}/checkpoints/$job"
}

# cn_same OUT A B C: the counter seen at A, B and C: the same boot and process, the count rising.
cn_same() {
  local a b c
  a=$(grep "^$2=" <<<"$1") b=$(grep "^$3=" <<<"$1") c=$(grep "^$4=" <<<"$1")
  [[ -n $a && -n $b && -n $c ]] || fail "no count at $2, $3 or $4"
  expect_eq "the guest's boot and the counter's process, $2 to $3" "${a#* }" "${b#* }"
  expect_eq "the guest's boot and the counter's process, $3 to $4" "${b#* }" "${c#* }"
  local na=${a#*=} nb=${b#*=} nc=${c#*=}
  na=${na%% *} nb=${nb%% *} nc=${nc%% *}
  say "count: $na at $2, $nb at $3, $nc at $4"
  ((nb >= na && nc > nb)) || fail "the count did not go on: $na, $nb, $nc"
}
