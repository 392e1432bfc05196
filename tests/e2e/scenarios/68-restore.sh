# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario restore: a checkpoint restored in a NEW job (--vc-restore=JOBID), on other nodes. Job A on
# nodes 1,2 (--comment=vc:...,mounts=none,checkpoint=on-timeout, 1 VM each) starts a counter in each VM
# (a shell's variable in the guest's memory) and requeues itself (held, so that it does not start again
# before the test cancels it): its epilogs checkpoint each node. While A is pending it is cancelled (no epilog runs for a pending job: its checkpoints stay).
# The checkpoints are copied as root to the nodes of job B (as a shared checkpoint.dir would show them:
# each e2e node has its own /var/lib/vcluster). Another user asking --vc-restore=A is refused as the
# user's mistake, no node drained, told nothing of A. Then job B on nodes 2,3 with --vc-restore=A alone
# (no image: the checkpoint names it): each VM the same boot (boot_id), its counter the same process and
# past A's count, the two VMs reach each other over B's network (its own VNI, A's addresses and names: libvirt
# restores a domain into no other name; B's id is in their metadata), B's hostfile and ssh_config work. A's checkpoints are left as they were; nothing else is left after B.
# Figures: B's restore-to-ready against A's boot-to-ready (the prologs' outcome lines, the same run).
register_scenario restore scenario_restore "a checkpoint restored in a new job on other nodes (--vc-restore)"

# rs_prolog NODE JOB FIELD: FIELD (jq) of the first prolog outcome line of JOB on NODE.
rs_prolog() {
  cluster_exec "$1" sh -c "grep -h '^{' /var/lib/vcluster/logs/$2.log 2>/dev/null || true" |
    jq -s -r "[.[] | select(.hook == \"prolog\")][0] | $3"
}

# rs_checkpointed JOB: JOB's checkpoint is current on node 1 (its n0) and node 2 (its n1).
rs_checkpointed() {
  cluster_exec "${VC_E2E_NODE_PREFIX}1" test -L "/var/lib/vcluster/checkpoints/$1/n0/current" &&
    cluster_exec "${VC_E2E_NODE_PREFIX}2" test -L "/var/lib/vcluster/checkpoints/$1/n1/current"
}

# rs_sums NODE JOB: the checksums of every file of JOB's checkpoints on NODE, and where `current` points.
rs_sums() {
  cluster_exec "$1" sh -c "cd /var/lib/vcluster/checkpoints/$2 && find . -type f -print0 | sort -z |
    xargs -0 sha256sum && for d in n*; do echo \$d \$(readlink \$d/current); done"
}

scenario_restore() {
  local p=$VC_E2E_NODE_PREFIX a b script out state log line before after later pid1 pid2 boot1 boot2 alive i n
  local home2 user2 boot_s restore_s sums tarball
  (($(cat "$STATE/nodes.count") >= 3)) || { say "needs 3 nodes"; exit 77; }
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_all_clean || fail "leftovers before the job: $(for n in $(node_names); do vc_node_left "$n"; done)"

  script=$(job_script restore-a <<'JOB'
#!/bin/bash
set -euo pipefail
[[ ${SLURM_RESTART_COUNT:-0} == 0 ]] || exit 0
for vm in $(awk '{ print $1 }' "$VC_HOSTFILE"); do
  ssh -F "$VC_SSH_CONFIG" "$vm" 'nohup sh -c "i=0; while :; do i=\$((i+1)); echo \$i >/tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.2; done" >/dev/null 2>&1 </dev/null & echo $! >/tmp/counter.pid'
done
sleep 5
for vm in $(awk '{ print $1 }' "$VC_HOSTFILE"); do
  echo "$vm count=$(ssh -F "$VC_SSH_CONFIG" "$vm" 'cat /tmp/count /tmp/counter.pid /proc/sys/kernel/random/boot_id' | paste -sd ' ')"
done
# requeued and held: its epilogs checkpoint it, and it waits, pending, for its scancel
scontrol requeuehold "$SLURM_JOB_ID"
sleep infinity
JOB
)
  a=$(submit -N 2 -w "${p}1,${p}2" --ntasks-per-node=1 --job-name=restore-a --open-mode=append \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M,mounts=none,checkpoint=on-timeout \
    --output="$STATE/jobs/restore-%j-a.out" "$script")
  say "submitted job A $a on ${p}1,${p}2: --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M,mounts=none,checkpoint=on-timeout"
  wait_for "${VC_E2E_BOOT_TIMEOUT:-150}" "job $a to count and requeue itself" \
    sh -c "[ \$(grep -c ' count=' '$STATE/jobs/restore-$a-a.out' 2>/dev/null) = 2 ]" ||
    fail "job $a did not count: $(cat "$STATE/jobs/restore-$a-a.out" 2>/dev/null)"
  # the requeue: both epilogs checkpoint their node, then the job waits, held
  wait_for 200 "job $a's checkpoints on ${p}1 and ${p}2" rs_checkpointed "$a" ||
    fail "job $a was not checkpointed: $(cluster_exec "${p}1" cat "/var/lib/vcluster/logs/$a.log")"
  wait_for 120 "job $a's epilogs done, nothing of it left" vc_all_clean || fail "job $a left: $(vc_node_left "${p}1")"
  expect_eq "job $a state after its requeue" PENDING "$(job_field "$a" JobState)"
  scancel "$a"
  expect_eq "job $a state" CANCELLED "$(wait_job "$a" 60)"
  out=$(<"$STATE/jobs/restore-$a-a.out")
  say "job $a's output:"$'\n'"      ${out//$'\n'/$'\n'      }"
  # a shared checkpoint.dir, as root sees it from every node: n0 from node 1, n1 from node 2
  tarball=$STATE/restore-$a.tar
  (umask 077 && cluster_exec "${p}1" tar -C /var/lib/vcluster/checkpoints -cf - "$a/n0" >"$tarball")
  (umask 077 && cluster_exec "${p}2" tar -C /var/lib/vcluster/checkpoints -cf - "$a/n1" >"$tarball.2")
  for n in "${p}2" "${p}3"; do
    cluster_exec "$n" install -d -m 0700 /var/lib/vcluster/checkpoints
    cluster_exec "$n" tar -C /var/lib/vcluster/checkpoints -xpf "$tarball"
    cluster_exec "$n" tar -C /var/lib/vcluster/checkpoints -xpf "$tarball.2"
  done
  rm -f "$tarball" "$tarball.2"
  sums=$(rs_sums "${p}2" "$a")

  # another user names A's checkpoint: refused as that user's mistake, told nothing of A
  user2=$VC_E2E_USER2
  home2=$(getent passwd "$user2" | cut -d: -f6)
  out=$(AS_USER=$user2 cluster_as_user sbatch --parsable --chdir="$home2" -N 2 -w "${p}2,${p}3" \
    --ntasks-per-node=1 --job-name=restore-other --vc-restore="$a" --output="$home2/refused-%j.out" \
    --wrap "$(refused_job_script)" 2>&1) || fail "sbatch as $user2: $out"
  b=${out%%;*}
  say "submitted job $b as $user2 with --vc-restore=$a"
  state=$(wait_job "$b" 120)
  out=$(cat "$home2/refused-$b.out" 2>/dev/null)
  say "job $b read its ERROR: $out"
  log=$(cluster_exec "${p}2" cat "/var/lib/vcluster/logs/$b.log")
  say "log of job $b on ${p}2:"$'\n'"      ${log//$'\n'/$'\n'      }"
  expect_eq "job $b state (its prolog refused the request and exited 0)" COMPLETED "$state"
  [[ $out == *"restore: job $a has no checkpoint of yours to restore"* ]] || fail "job $b's ERROR: $out"
  for n in "${p}2" "${p}3"; do
    expect_eq "the prolog's outcome on $n for job $b" "user-error request 0" \
      "$(vc_outcome "$n" "$b" prolog '"\(.outcome) \(.error.code) \(.exit)"')"
    expect_eq "drain reason of $n after job $b" none "$(sinfo -h -n "$n" -o '%E')"
  done
  wait_for 60 "every node idle after job $b" nodes_all_idle || fail "nodes not idle after job $b"

  # job B restores A on other nodes, A's addresses inside B's own network
  script=$(job_script restore-b <<'JOB'
#!/bin/bash
set -euo pipefail
vms=$(awk '{ print $1 }' "$VC_HOSTFILE" | paste -sd ' ')
echo "vms=$vms"
for vm in $vms; do
  echo "$vm count=$(ssh -F "$VC_SSH_CONFIG" "$vm" 'cat /tmp/count /tmp/counter.pid /proc/sys/kernel/random/boot_id; kill -0 $(cat /tmp/counter.pid) && echo alive' | paste -sd ' ')"
done
set -- $vms
# the second VM's address from B's ssh_config, its sshd reached from the first VM over B's network
peer=$(awk -v h="$2" '$1 == "Host" { on = ($2 == h) } on && $1 == "HostName" { print $2 }' "$VC_SSH_CONFIG")
echo "peer=$peer"
echo "reach=$(ssh -F "$VC_SSH_CONFIG" "$1" "timeout 10 bash -c 'exec 3<>/dev/tcp/$peer/22; head -c 7 <&3'")"
sleep 2
echo "later=$(ssh -F "$VC_SSH_CONFIG" "$1" cat /tmp/count)"
JOB
)
  b=$(submit -N 2 -w "${p}2,${p}3" --ntasks-per-node=1 --job-name=restore-b --vc-restore="$a" \
    --output="$STATE/jobs/restore-%j.out" "$script")
  say "submitted job B $b on ${p}2,${p}3: sbatch --vc-restore=$a"
  state=$(wait_job "$b" 400)
  out=$(cat "$STATE/jobs/restore-$b.out" 2>/dev/null)
  log=$(cluster_exec "${p}2" cat "/var/lib/vcluster/logs/$b.log")
  say "job $b's output:"$'\n'"      ${out//$'\n'/$'\n'      }"
  say "log of job $b on ${p}2:"$'\n'"      ${log//$'\n'/$'\n'      }"
  expect_eq "job $b state" COMPLETED "$state"
  grep -q "restoring the checkpoint of job $a" <<<"$log" || fail "job $b's prolog did not restore job $a's checkpoint"
  # the saved names (libvirt restores a domain into no other name)
  expect_eq "job $b's VMs (its hostfile)" "vms=vc$a-0 vc$a-1" "$(grep '^vms=' <<<"$out")"
  for i in 0 1; do
    line=$(grep "^vc$a-$i count=" "$STATE/jobs/restore-$a-a.out") || fail "no count of vc$a-$i in job $a"
    read -r before pid1 boot1 <<<"${line#* count=}"
    line=$(grep "^vc$a-$i count=" <<<"$out") || fail "job $b read no count of vc$a-$i"
    read -r after pid2 boot2 alive <<<"${line#* count=}"
    say "VM $i: count $before in job $a, $after in job $b; boot_id $boot1 / $boot2"
    expect_eq "VM $i's boot (boot_id) from job $a to job $b" "$boot1" "$boot2"
    expect_eq "VM $i's counter process" "$pid1" "$pid2"
    expect_eq "VM $i's counter alive" alive "$alive"
    ((after > before)) || fail "VM $i's count did not go past job $a's: $before, then $after"
  done
  later=$(sed -n 's/^later=//p' <<<"$out")
  ((later > after)) || fail "the count did not go on in job $b: $after, then $later"
  expect_eq "the first VM reaches the second's sshd over job $b's network" reach=SSH-2.0 "$(grep '^reach=' <<<"$out")"
  expect_eq "job $a's checkpoints after job $b (never changed by it)" "$sums" "$(rs_sums "${p}2" "$a")"
  wait_for 60 "nothing of job $b left on any node" vc_all_clean || true
  expect_all_clean "$b"

  boot_s=$(rs_prolog "${p}1" "$a" '(.phases.start + .phases.ready) / 1000')
  restore_s=$(rs_prolog "${p}2" "$b" '(.phases.start + .phases.ready) / 1000')
  measure boot-to-ready "$boot_s"
  measure restore-to-ready "$restore_s"
  say "restore/boot ratio: $(awk -v a="$restore_s" -v b="$boot_s" 'BEGIN { printf "%.2f", a / b }')"
  measure prolog-a "$(rs_prolog "${p}1" "$a" '.ms / 1000')"
  measure prolog-b "$(rs_prolog "${p}2" "$b" '.ms / 1000')"
  say "job $b's admission (its checkpoint found, owned, verified): $(rs_prolog "${p}2" "$b" '.phases.plan / 1000')s"
  # A's checkpoints are the sweep's to remove (docs/hooks.md); gone here, for the scenarios after this one
  for n in "${p}1" "${p}2" "${p}3"; do cluster_exec "$n" rm -rf "/var/lib/vcluster/checkpoints/$a"; done
}
