# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenarios console and salloc (issue 19, items 4 and 5).
#
# console: a running job of VC_E2E_USER, 1 node x 1 VM. Its owner, from the machine (a login
# node) and from the job script on the batch host, runs `vcluster console`: the boot lines of
# the VM (the appliance's init from its first line to VC-READY) are shown; -n bounds them, -f follows
# until stopped. The second user (VC_E2E_USER2) is refused by vcluster (--job of another's
# job), by Slurm (srun --jobid into the job) and by the kernel (the log file on the node, as
# that uid). The log is root's, 0640 by its ACL mask: exactly one named entry, the owner's uid,
# read only; others nothing; the folders on the way give that uid search (x) only.
#
# salloc: `salloc -N 2 --vc-image=testapp ... CMD` (the SPANK plugin in salloc's allocator
# context, PrologFlags=Alloc), CMD run non-interactively on the machine, off the batch host:
# `vcluster exec --all -- hostname` and `vcluster ssh -- hostname` reach the VMs (they run
# themselves again on the batch host through srun). When CMD ends the allocation ends, and the
# epilog leaves nothing on any node, as after a batch job.
register_scenario console scenario_console "vcluster console shows a running VM's boot lines to its owner, and refuses another user"
register_scenario salloc scenario_salloc "salloc --vc-image: vcluster exec and ssh work from its shell; its end tears down"

# co_acl NODE FILE: the file's POSIX access ACL (system.posix_acl_access) as "tag:id:perm" words.
co_acl() {
  cluster_exec "$1" python3 -c '
import os, struct, sys
tags = {1: "user", 2: "user", 4: "group", 8: "group", 16: "mask", 32: "other"}
try:
    raw = os.getxattr(sys.argv[1], "system.posix_acl_access", follow_symlinks=False)
except OSError:
    print("no-acl"); sys.exit(0)
out = []
for i in range(4, len(raw), 8):
    tag, perm, uid = struct.unpack("<HHI", raw[i:i + 8])
    named = tag in (2, 8)
    out.append("%s:%s:%s" % (tags.get(tag, tag), uid if named else "", "".join(c if perm & b else "-" for c, b in (("r", 4), ("w", 2), ("x", 1)))))
print(" ".join(out))' "$2"
}

scenario_console() {
  local p=$VC_E2E_NODE_PREFIX node job script vm path out rc uid state
  node=${p}1
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  [[ -x ${VC_DIST:-}/bin/vcluster ]] || { say "needs VC_DIST/bin/vcluster"; exit 77; }
  id "$VC_E2E_USER2" >/dev/null || fail "no second test user $VC_E2E_USER2 (cluster.sh up makes it)"
  vc_snapshot_nodes
  uid=$(id -u "$VC_E2E_USER")
  script=$(job_script console <<JOB
#!/bin/bash
vc=$VC_DIST/bin/vcluster
JOB
)
  cat >>"$script" <<'JOB'
"$vc" console -n 400 >"console-$SLURM_JOB_ID.in-job" 2>&1; echo "in-job-exit=$?" >>"console-$SLURM_JOB_ID.in-job"
date +%s.%N >"console-$SLURM_JOB_ID.start"
for ((i = 0; i < 900; i++)); do [[ -e console-$SLURM_JOB_ID.release ]] && break; sleep 0.2; done
echo done
JOB
  # shellcheck disable=SC2054  # the commas are the comment's
  job=$(submit -N 1 --ntasks=1 --nodelist="$node" --job-name=console --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M \
    --output="$STATE/jobs/console-%j.out" "$script")
  CO_RELEASE=$STATE/jobs/console-$job.release
  # shellcheck disable=SC2317  # run by the trap
  co_release() { touch "$CO_RELEASE"; }
  trap co_release EXIT
  say "submitted job $job on $node: 1 VM"
  wait_file "$STATE/jobs/console-$job.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
  vm=vc$job-0
  path=/var/lib/vcluster/jobs/$job/$node/$vm.console.log

  # in the job script, on the batch host
  out=$(<"$STATE/jobs/console-$job.in-job")
  grep -qx "in-job-exit=0" <<<"$out" || fail "vcluster console in the job: $(tail -c 400 <<<"$out")"
  grep -q "^VC-READY $vm" <<<"$out" || fail "vcluster console in the job: no VC-READY line: $(tail -c 400 <<<"$out")"
  say "in the job: $(grep -c '' <<<"$out") lines, with 'VC-READY $vm'"

  # the owner, from the machine: the whole log, then -n, then -f until stopped
  out=$(cd "$STATE/jobs" && cluster_as_user "$VC_DIST/bin/vcluster" console --job "$job" 2>&1) ||
    fail "vcluster console --job $job as $VC_E2E_USER: exit $?: $(tail -c 400 <<<"$out")"
  grep -q "^VC-READY $vm" <<<"$out" || fail "no 'VC-READY $vm' in the console: $(tail -c 600 <<<"$out")"
  grep -q "^vc-init: started" <<<"$out" || fail "no first line of the guest's init in the console: ${out:0:600}"
  say "owner's console: $(grep -c '' <<<"$out") lines, first: $(head -n 1 <<<"$out" | cut -c1-80)"
  out=$(cluster_as_user "$VC_DIST/bin/vcluster" console --job "$job" -n 3 2>&1) || fail "console -n 3: $out"
  expect_eq "lines of console -n 3" 3 "$(grep -c '' <<<"$out")"
  rc=0
  out=$(cluster_as_user timeout 8 "$VC_DIST/bin/vcluster" console --job "$job" -f "$vm" 2>&1) || rc=$?
  expect_eq "console -f stopped by timeout(1)" 124 "$rc"
  grep -q "^VC-READY $vm" <<<"$out" || fail "console -f showed no 'VC-READY $vm': $(tail -c 400 <<<"$out")"

  # the second user: vcluster, Slurm and the kernel each refuse
  rc=0
  out=$(AS_USER=$VC_E2E_USER2 cluster_as_user "$VC_DIST/bin/vcluster" console --job "$job" 2>&1) || rc=$?
  expect_eq "vcluster console as $VC_E2E_USER2" "2: vcluster console: job $job belongs to $VC_E2E_USER, not to $VC_E2E_USER2" \
    "$rc: $out"
  rc=0
  out=$(AS_USER=$VC_E2E_USER2 cluster_as_user timeout 60 srun --jobid="$job" --overlap -w "$node" -N1 -n1 \
    cat "$path" 2>&1) || rc=$?
  ((rc != 0)) || fail "$VC_E2E_USER2 read the console through srun --jobid=$job"
  grep -q "VC-READY" <<<"$out" && fail "$VC_E2E_USER2 saw the console through srun: $out"
  say "srun --jobid=$job as $VC_E2E_USER2: exit $rc: $(head -n 1 <<<"$out")"
  if out=$(cluster_exec "$node" setpriv --reuid="$(id -u "$VC_E2E_USER2")" --regid="$(id -g "$VC_E2E_USER2")" \
    --clear-groups head -c 1 "$path" 2>&1); then
    fail "$VC_E2E_USER2 opened $path on $node"
  fi
  say "$VC_E2E_USER2 on $node cannot open the log: ${out##*: }"

  # the file's mode and ACL; the folders' ACL
  expect_eq "owner and mode of $path (the ACL's mask shows as the group's bits)" "root:root 640" \
    "$(cluster_exec "$node" stat -c '%U:%G %a' "$path")"
  expect_eq "ACL of $path" "user::rw- user:$uid:r-- group::--- mask::r-- other::---" "$(co_acl "$node" "$path")"
  for dir in "/var/lib/vcluster/jobs/$job" "/var/lib/vcluster/jobs/$job/$node"; do
    expect_eq "ACL of $dir" "user::rwx user:$uid:--x group::--x mask::--x other::---" "$(co_acl "$node" "$dir")"
  done

  co_release
  state=$(wait_job "$job" 60)
  expect_eq "job $job state" COMPLETED "$state"
  vc_torn_down "$job"
}

scenario_salloc() {
  local job out rc t0 vc
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  [[ -x ${VC_DIST:-}/bin/vcluster ]] || { say "needs VC_DIST/bin/vcluster"; exit 77; }
  grep -q vcluster_spank.so "${VC_E2E_PLUGSTACK:-/dev/null}" || { say "needs the plugin (VC_E2E_PLUGSTACK)"; exit 77; }
  vc_snapshot_nodes
  vc=$VC_DIST/bin/vcluster
  t0=$(now)
  rc=0
  # shellcheck disable=SC2016  # expanded by the shell salloc starts
  out=$(cd "$STATE/jobs" && cluster_as_user timeout 400 salloc -N 2 --ntasks-per-node=1 --job-name=salloc \
    --vc-image=testapp --vc-vcpus=1 --vc-mem=384M bash -c '
      echo "job=$SLURM_JOB_ID host=$(hostname) nodename=${SLURMD_NODENAME:-none}"
      "$0" exec --all -- hostname; echo "exec-exit=$?"
      "$0" ssh -- hostname | sed "s/^/ssh: /"; echo "ssh-exit=${PIPESTATUS[0]}"
      "$0" console -n 1 >/dev/null; echo "console-exit=$?"' "$vc" 2>&1) || rc=$?
  say "salloc -N 2 --vc-image=testapp: exit $rc in $(elapsed "$t0")s:"$'\n'"      ${out//$'\n'/$'\n'      }"
  expect_eq "salloc's exit" 0 "$rc"
  job=$(sed -n 's/^job=\([0-9]*\) .*/\1/p' <<<"$out")
  [[ -n $job ]] || fail "no job id in salloc's output"
  grep -q "nodename=none" <<<"$out" || fail "the command did not run off the nodes: $out"
  grep -qx "vc$job-0: vc$job-0" <<<"$out" || fail "exec --all: no line 'vc$job-0: vc$job-0'"
  grep -qx "vc$job-1: vc$job-1" <<<"$out" || fail "exec --all: no line 'vc$job-1: vc$job-1'"
  expect_eq "exec exit" "exec-exit=0" "$(grep '^exec-exit=' <<<"$out")"
  expect_eq "ssh -- hostname" "ssh: vc$job-0" "$(grep '^ssh: ' <<<"$out")"
  expect_eq "ssh exit" "ssh-exit=0" "$(grep '^ssh-exit=' <<<"$out")"
  expect_eq "console exit" "console-exit=0" "$(grep '^console-exit=' <<<"$out")"
  measure salloc-boot-exec-ssh-end "$(elapsed "$t0")"
  expect_eq "job $job state" COMPLETED "$(wait_job "$job" 60)"
  vc_torn_down "$job"
}
