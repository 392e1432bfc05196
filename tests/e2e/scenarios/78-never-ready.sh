# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario never-ready: a guest that never answers. On vnode1 only (its node-private site.yaml),
# the catalog gets an image "silent": the test appliance booted with init=/bin/true, so its kernel
# panics before any init prints VC-READY; and the boot timeout there is lowered to 20 s. A 1-node
# job asks for it: the prolog gives up at the timeout, keeps the console log and the rendered XML
# as evidence, says which VM on which node did not become ready and what it waited for, rolls
# back, and exits as a node fault (Slurm drains the node and requeues the job held); the user's
# ERROR names the VM and quotes its console's last lines. Nothing of the job is left. Afterwards
# the job is cancelled, the node resumed and site.yaml restored.
register_scenario never-ready scenario_never_ready "a guest that never answers: timeout, evidence, rollback"

scenario_never_ready() {
  local node=${VC_E2E_NODE_PREFIX}1 job state evidence failure files t_submit t_held
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_all_clean || fail "leftovers before the job: $(vc_node_left "$node")"

  site_edit_begin "$node"
  # a second catalog entry, "silent": the appliance's image entry again, with init=/bin/true
  cluster_exec "$node" sed -i \
    -e 's#^images:#images:\n  silent:\n    disk: '"$VC_APPLIANCE"'/disk.qcow2\n    kernel: '"$VC_APPLIANCE"'/vmlinux\n    initrd: '"$VC_APPLIANCE"'/initrd.img\n    cmdline: "console=ttyS0 root=/dev/vda rw init=/bin/true"#' \
    -e 's#^\(  timeoutSeconds: \).*#\120#' /etc/vcluster/site.yaml
  cluster_exec "$node" grep -q 'init=/bin/true' /etc/vcluster/site.yaml || fail "could not add the silent image"

  t_submit=$(now)
  job=$(submit -N 1 --ntasks-per-node=1 --nodelist="$node" --job-name=never-ready \
    --comment=vc:image=silent,vms=1,vcpus=1,mem=256M --output="$STATE/jobs/never-ready-%j.out" --wrap 'echo ran')
  site_edit_job "$job"
  say "submitted job $job on $node asking for image silent (its guest never answers; timeout 20 s)"
  state=$(wait_job "$job" 90)
  t_held=$(now)
  expect_eq "job $job state" "PENDING(launch_failed_requeued_held)" "$state"
  expect_eq "drain reason of $node" "Prolog error" "$(sinfo -h -n "$node" -o '%E')"
  [[ ! -e $STATE/jobs/never-ready-$job.out ]] || fail "job $job's script ran"
  wait_for 60 "nothing of job $job left on $node" vc_node_clean "$node" ||
    fail "left on $node: $(vc_node_left "$node")"

  evidence=$(cluster_exec "$node" sh -c "ls -d /var/lib/vcluster/evidence/$job-$node-* 2>/dev/null" | head -n 1)
  [[ -n $evidence ]] || fail "no evidence folder of job $job on $node"
  files=$(cluster_exec "$node" ls "$evidence" | sort | paste -sd ' ')
  expect_eq "evidence files" "failure.txt vc$job-0.console.log vc$job-0.xml" "$files"
  failure=$(cluster_exec "$node" cat "$evidence/failure.txt")
  say "evidence $evidence: $failure"
  [[ $failure == *"at step 'ready'"*"Timed out after 20.0s on node $node waiting for console line 'VC-READY vc$job-0'"* ]] ||
    fail "failure.txt does not say which VM, where and what was awaited: $failure"
  cluster_exec "$node" grep -q 'Kernel panic' "$evidence/vc$job-0.console.log" ||
    say "note: the kept console log has no kernel panic line: $(cluster_exec "$node" tail -n 3 "$evidence/vc$job-0.console.log")"
  # the user's ERROR names the VM and quotes its console's last lines, each marked as the guest's
  local error=$STATE/jobs/vcluster-$job/ERROR quoted
  [[ -f $error ]] || fail "no $error"
  grep -qx "VM vc$job-0 on node $node did not become ready; the last [0-9]* line(s) of its console:" "$error" ||
    fail "the ERROR does not name the VM with its console: $(cat "$error")"
  quoted=$(grep -c "^  vc$job-0| " "$error" || true)
  ((quoted >= 1 && quoted <= 8)) || fail "the ERROR quotes $quoted console lines (1 to 8 expected): $(cat "$error")"
  say "the ERROR quotes $quoted console line(s), the last: $(grep "^  vc$job-0| " "$error" | tail -n 1)"
  expect_eq "the prolog's outcome" "node-fault 1 step ready" \
    "$(vc_outcome "$node" "$job" prolog '"\(.outcome) \(.exit) \(.error.code) \(.error.step)"')"
  measure sbatch-to-held "$(secs_between "$t_submit" "$t_held")"

  scancel "$job"
  expect_eq "job $job state after scancel" CANCELLED "$(wait_job "$job" 30)"
  scontrol update nodename="$node" state=resume
  site_edit_end
  wait_for 30 "every node idle" nodes_all_idle || fail "nodes not idle: $(sinfo -h -N -o '%N %t %E' | paste -sd ';')"
}
