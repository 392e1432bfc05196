# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario restart: issue 20's proof. Job A, 2 nodes (vnode1, vnode2), 1 VM each, mounts=none,
# starts in every VM a counter that lives in the guest's memory and, across both VMs, an MPI program
# (appliance/mpi-loop.c) that passes messages round a ring for many rounds and knows its result in
# advance. A takes a checkpoint with `vcluster checkpoint` (the VMs go on: same boot, counters
# rising); another user cannot checkpoint A; a second checkpoint is killed half-way on vnode2 (the
# site's fault point `checkpoint-save:<VM>`, faultAction die): it completes on vnode1 only. A ends.
# Job B, on other nodes (vnode2, vnode3), asks --vc-restore=A: each node restores the newest
# checkpoint that BOTH nodes hold, the first (not vnode1's current, the second): the same boot in
# every VM, the counters alive and past their count at the first checkpoint, and the MPI program
# goes on over B's new network and finishes with the right result. Another user's --vc-restore=A
# is refused as the user's mistake, no drain. Figures: the checkpoint per VM, B's restore-to-ready
# against A's boot-to-ready (the same image, the same run).
register_scenario restart scenario_restart "a 2-node job checkpointed with an MPI program running, restored on other nodes by a new job"

# rs_prolog NODE JOB FIELD: FIELD (jq) of the first prolog outcome line of JOB on NODE.
rs_prolog() {
  cluster_exec "$1" sh -c "grep -h '^{' /var/lib/vcluster/logs/$2.log 2>/dev/null || true" |
    jq -s -r "[.[] | select(.hook == \"prolog\")][0] | $3"
}

# rs_script NAME [LINE]: a job script that both jobs begin with: the vcluster command, LINE, and
# vm (ssh to the head VM), all (each VM's answer, in the VMs' order) and state (the counters, the
# MPI round and the boots, on one line); the caller appends the rest. Prints its path.
rs_script() {
  local script
  script=$(printf '#!/bin/bash\nvc=%s\n%s\n' "$VC_DIST/bin/vcluster" "${2:-}" | job_script "$1")
  cat >>"$script" <<'JOB'
set -uo pipefail
vm() { ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" "$@"; }
# each VM's value, in the VMs' order (exec --all prints "VM: value" lines)
all() { "$vc" exec --all -- "$@" | sort | awk '{ print $NF }' | paste -sd,; }
state() {
  echo "$1 counts=$(all cat /tmp/count) round=$(vm cat /tmp/mpi-round) boots=$(all cat /proc/sys/kernel/random/boot_id)"
}
JOB
  printf '%s' "$script"
}

# rs_field OUT KEY: the value of KEY= on the first line of OUT that starts with it.
rs_field() { sed -n "s/^$2=//p" <<<"$1" | head -n 1; }

# rs_word LINE NAME: the value of NAME= among LINE's words.
rs_word() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }

scenario_restart() {
  local p=$VC_E2E_NODE_PREFIX a b script out log rc prog rounds=300 line1 line2 lineb later
  local n1 n2 n3 boots_a boots_b c1 cb r1 rb ok home2 sums node first0 first1
  (($(cat "$STATE/nodes.count") >= 3)) || { say "needs 3 nodes"; exit 77; }
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  n1=${p}1 n2=${p}2 n3=${p}3
  vc_all_clean || fail "leftovers before the job: $(for n in $(node_names); do vc_node_left "$n"; done)"
  prog=$(mpi_build mpi-loop)

  # --- job A: the programs, a checkpoint, a checkpoint killed half-way ---
  script=$(rs_script restart-a "rounds=$rounds")
  cat >>"$script" <<'JOB'
# the program copied into every VM's home, and run once for one round
"$vc" mpirun --copy "$PWD/mpi-loop" -np 2 ./mpi-loop 1 0 /tmp/mpi-round || { echo "mpi-loop failed"; exit 1; }
# the counts are the shells' variables, in the guests' memory; the files only show them
"$vc" exec --all -- sh -c 'nohup sh -c "i=0; while :; do i=\$((i+1)); echo \$i >/tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.2; done" >/dev/null 2>&1 </dev/null &'
# the MPI program, detached from this ssh: it outlives job A in the checkpoint
vm "nohup sh -c 'mpirun --hostfile /etc/vcluster/hostfile -np 2 ./mpi-loop $rounds 100 /tmp/mpi-round >/tmp/mpi.out 2>&1; echo \$? >/tmp/mpi.rc' >/dev/null 2>&1 </dev/null &"
sleep 5
state before1
"$vc" checkpoint
echo "checkpoint1=$?"
sleep 3
state after1
echo ready >"restart-$SLURM_JOB_ID.ready"
for _ in $(seq 120); do [[ -e restart-$SLURM_JOB_ID.armed ]] && break; sleep 0.5; done
"$vc" checkpoint
echo "checkpoint2=$?"
echo end
JOB
  a=$(submit -N 2 -w "$n1,$n2" --ntasks-per-node=1 --job-name=restart-a \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M,mounts=none --output="$STATE/jobs/restart-a-%j.out" "$script")
  say "submitted job $a on $n1,$n2: sbatch -N 2 --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M,mounts=none"
  site_edit_begin "$n2"
  site_edit_job "$a"
  wait_file "$STATE/jobs/restart-$a.ready" "${VC_E2E_BOOT_TIMEOUT:-150}" ||
    fail "job $a did not reach its second checkpoint: $(cat "$STATE/jobs/restart-a-$a.out" 2>/dev/null)"
  # another user cannot checkpoint A: Slurm refuses the step
  rc=0
  out=$(AS_USER=$VC_E2E_USER2 cluster_as_user timeout 60 "$VC_DIST/bin/vcluster" checkpoint --job "$a" 2>&1) || rc=$?
  ((rc != 0)) || fail "$VC_E2E_USER2 checkpointed job $a: $out"
  say "vcluster checkpoint --job $a as $VC_E2E_USER2: exit $rc: $(head -n 1 <<<"$out")"
  # the second checkpoint dies on vnode2 after its VM's memory is saved
  cluster_exec "$n2" sh -c "printf 'testing:\n  faultPoint: \"%s\"\n  faultAction: die\n' 'checkpoint-save:vc$a-1' >>/etc/vcluster/site.yaml"
  touch "$STATE/jobs/restart-$a.armed"
  wait_for 120 "job $a's second checkpoint" grep -q '^checkpoint2=' "$STATE/jobs/restart-a-$a.out" || true
  site_edit_reset "$n2"
  expect_eq "job $a state" COMPLETED "$(wait_job "$a" 300)"
  site_edit_end
  out=$(<"$STATE/jobs/restart-a-$a.out")
  say "job $a:"$'\n'"      ${out//$'\n'/$'\n'      }"
  for node in "$n1" "$n2"; do
    log=$(cluster_exec "$node" cat "/var/lib/vcluster/logs/$a.log")
    say "log of job $a on $node:"$'\n'"      ${log//$'\n'/$'\n'      }"
  done
  expect_eq "the first checkpoint" "checkpoint1=0" "checkpoint1=$(rs_field "$out" checkpoint1)"
  [[ $(rs_field "$out" checkpoint2) != 0 ]] || fail "the second checkpoint, killed on $n2, said it was taken"
  line1=$(grep '^before1 ' <<<"$out") line2=$(grep '^after1 ' <<<"$out")
  # each node's first checkpoint, by the folder its result line names (vnode1's second one completed too)
  first0=$(grep -m1 "^$n1: checkpoint of" <<<"$out" | grep -o 'c-[0-9]*')
  first1=$(grep -m1 "^$n2: checkpoint of" <<<"$out" | grep -o 'c-[0-9]*')
  [[ -n $first0 && -n $first1 ]] || fail "job $a's first checkpoint named no folder"
  expect_eq "checkpoints of job $a on $n1 (the first and the second)" 2 "$(find "$STATE/checkpoints/$a/n0" -maxdepth 1 -name 'c-*' | wc -l)"
  boots_a=$(rs_word "$line1" boots)
  expect_eq "VMs that answered in job A" 2 "$(tr ',' '\n' <<<"$boots_a" | grep -c .)"
  expect_eq "every VM's boot across the first checkpoint" "$boots_a" "$(rs_word "$line2" boots)"
  c1=$(rs_word "$line1" counts) r1=$(rs_word "$line1" round)
  [[ $(rs_word "$line2" round) -gt $r1 ]] || fail "the MPI program stopped at the first checkpoint: $line1 / $line2"
  # the checkpoints stay after A: root's, unreadable by anyone else
  expect_eq "owner and mode of job $a's checkpoints" "root 700" "$(stat -c '%U %a' "$STATE/checkpoints/$a")"
  expect_eq "job $a's kept marker" "root 600" "$(stat -c '%U %a' "$STATE/checkpoints/$a/kept")"
  sums=$(cd "$STATE/checkpoints/$a" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
  wait_for 60 "nothing of job $a left but its checkpoints" vc_all_clean || true
  expect_all_clean "$a"

  # --- another user's restore of A: refused before anything is made, told nothing of A ---
  home2=$(getent passwd "$VC_E2E_USER2" | cut -d: -f6)
  out=$(AS_USER=$VC_E2E_USER2 cluster_as_user sbatch --parsable --chdir="$home2" -N 2 -w "$n2,$n3" \
    --ntasks-per-node=1 --job-name=restart-other --vc-restore="$a" --output="$home2/refused-%j.out" \
    --wrap "$(refused_job_script)" 2>&1) || fail "sbatch as $VC_E2E_USER2: $out"
  b=${out%%;*}
  say "submitted job $b as $VC_E2E_USER2 with --vc-restore=$a"
  expect_eq "job $b state (its prolog refused the request and exited 0)" COMPLETED "$(wait_job "$b" 120)"
  out=$(cat "$home2/refused-$b.out" 2>/dev/null)
  say "job $b read its ERROR: $out"
  [[ $out == *"restore: job $a has no checkpoint of yours to restore"* ]] || fail "job $b's ERROR: $out"
  for node in "$n2" "$n3"; do
    expect_eq "the prolog's outcome on $node for job $b" "user-error request 0" \
      "$(vc_outcome "$node" "$b" prolog '"\(.outcome) \(.error.code) \(.exit)"')"
    expect_eq "drain reason of $node after job $b" none "$(sinfo -h -n "$node" -o '%E')"
  done
  wait_for 60 "every node idle after job $b" nodes_all_idle || fail "nodes not idle after job $b"

  # --- job B: the restore on other nodes; the programs go on and finish ---
  script=$(rs_script restart-b)
  cat >>"$script" <<'JOB'
state restored
for _ in $(seq 240); do [[ -n $(vm cat /tmp/mpi.rc 2>/dev/null) ]] && break; sleep 0.5; done
echo "mpi=$(vm cat /tmp/mpi.out | tr '\n' ' ')"
echo "mpirc=$(vm cat /tmp/mpi.rc)"
state later
JOB
  b=$(submit -N 2 -w "$n2,$n3" --ntasks-per-node=1 --job-name=restart-b --vc-restore="$a" \
    --output="$STATE/jobs/restart-b-%j.out" "$script")
  say "submitted job $b on $n2,$n3: sbatch -N 2 --vc-restore=$a"
  expect_eq "job $b state" COMPLETED "$(wait_job "$b" 400)"
  out=$(<"$STATE/jobs/restart-b-$b.out")
  say "job $b:"$'\n'"      ${out//$'\n'/$'\n'      }"
  log=$(cluster_exec "$n2" cat "/var/lib/vcluster/logs/$b.log")
  say "log of job $b on $n2:"$'\n'"      ${log//$'\n'/$'\n'      }"
  lineb=$(grep '^restored ' <<<"$out") later=$(grep '^later ' <<<"$out")
  boots_b=$(rs_word "$lineb" boots) cb=$(rs_word "$lineb" counts) rb=$(rs_word "$lineb" round)
  expect_eq "every VM's boot, job A to job B" "$boots_a" "$boots_b"
  say "counts $c1 and MPI round $r1 before the first checkpoint, $(rs_word "$line2" counts) 3 s after it; $cb and $rb restored; $(rs_word "$later" counts) later"
  ok=$(awk -v a="$c1" -v b="$cb" -v c="$(rs_word "$later" counts)" 'BEGIN {
    n = split(a, x, ","); split(b, y, ","); split(c, z, ",")
    for (i = 1; i <= n; i++) if (y[i] + 0 < x[i] + 0 || z[i] + 0 <= y[i] + 0) { print "no"; exit }
    print "yes" }')
  expect_eq "each counter restored past its count before the first checkpoint, and rising" yes "$ok"
  ((rb >= r1)) || fail "the MPI program went back: round $r1 before the checkpoint, $rb restored"
  expect_eq "the MPI program's exit status" "mpirc=0" "mpirc=$(rs_field "$out" mpirc)"
  [[ $(rs_field "$out" mpi) == *"2 ranks, $rounds rounds: result "*"(expected "* ]] ||
    fail "the MPI program's output: $(rs_field "$out" mpi)"
  # each node restored the first checkpoint, the newest both nodes hold, not vnode1's second
  expect_eq "the checkpoint job $b restored on $n2" "n0/$first0" \
    "$(cluster_exec "$n2" sh -c "grep -ho 'restoring the checkpoint of job $a .*' /var/lib/vcluster/logs/$b.log" | grep -o 'n0/c-[0-9]*')"
  expect_eq "the checkpoint job $b restored on $n3" "n1/$first1" \
    "$(cluster_exec "$n3" sh -c "grep -ho 'restoring the checkpoint of job $a .*' /var/lib/vcluster/logs/$b.log" | grep -o 'n1/c-[0-9]*')"
  grep -q "restoring the checkpoint of job $a" <<<"$log" || fail "job $b's prolog did not restore job $a's checkpoint"
  expect_eq "job $a's checkpoints after job $b (never changed by it)" "$sums" \
    "$(cd "$STATE/checkpoints/$a" && find . -type f -print0 | sort -z | xargs -0 sha256sum)"
  wait_for 60 "nothing of job $b left" vc_all_clean || true
  expect_all_clean "$b"

  measure restore-to-ready "$(rs_prolog "$n2" "$b" '(.ms) / 1000')"
  measure boot-to-ready "$(rs_prolog "$n1" "$a" '(.ms) / 1000')"
  # the checkpoints of A are the user's to keep until checkpoint.keepDays; the test removes them
  rm -rf "${STATE:?}/checkpoints/$a"
}
