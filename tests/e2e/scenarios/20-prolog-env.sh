# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario prolog-env: what Slurm 22.05 hands the Prolog and Epilog (PrologFlags=Alloc) on
# every node of a 3-node job with a vc request in its comment, as recorded by the harness's
# hook (tests/e2e/hooks/record-env). With VC_E2E_SAVE_RESOURCES=1 the batch host's captures
# become core/src/test/resources/slurm/{prolog,epilog}-env.txt, the parsers' test input.
register_scenario prolog-env scenario_prolog_env "what the prolog/epilog get from slurmd on each node of a vc job"

scenario_prolog_env() {
  local job state node i hook file uid want_nodes n
  # With the product configured, image x (not in its catalog) is a user's mistake: the product's
  # prolog refuses it without draining any node (run.sh checks every node is idle afterwards).
  n=$(cat "$STATE/nodes.count")
  ((n >= 3)) || fail "needs 3 nodes, the cluster has $n"
  uid=$(id -u "$VC_E2E_USER")
  want_nodes="${VC_E2E_NODE_PREFIX}[1-3]"
  job=$(submit -N 3 --job-name=prolog-env --comment=vc:image=x \
    --output="$STATE/jobs/prolog-env-%j.out" --wrap 'srun true')
  state=$(wait_job "$job" 60)
  expect_eq "job $job state" COMPLETED "$state"
  # The epilog may still be running on the last node when the job reads COMPLETED.
  for i in 1 2 3; do
    wait_file "$STATE/hook-env/epilog-$job-$VC_E2E_NODE_PREFIX$i.env" 30
  done

  for hook in prolog epilog; do
    for i in 1 2 3; do
      node=$VC_E2E_NODE_PREFIX$i
      file=$STATE/hook-env/$hook-$job-$node.env
      [[ -s $file ]] || fail "$hook did not run on $node (no $file)"
      check_var "$file" SLURM_JOB_ID "$job"
      check_var "$file" SLURM_NODELIST "$want_nodes"
      check_var "$file" SLURMD_NODENAME "$node"
      check_var "$file" SLURM_JOB_COMMENT "vc:image=x"
      check_var "$file" SLURM_JOB_UID "$uid"
      check_var "$file" SLURM_JOB_USER "$VC_E2E_USER"
      check_var "$file" SLURM_SCRIPT_CONTEXT "${hook}_slurmd"
      # the CPU and memory rules rely on it on every node (docs/hooks.md, "Limits")
      check_var "$file" SLURM_JOB_CPUS_PER_NODE "1(x3)"
      if grep -q '^PATH=' "$file"; then fail "$hook on $node got a PATH"; fi
    done
    say "$hook on $VC_E2E_NODE_PREFIX""1:"$'\n'"$(sed 's/^/      /' "$STATE/hook-env/$hook-$job-${VC_E2E_NODE_PREFIX}1.env")"
  done

  # What Slurm 22.05 does not give the Prolog (a time, the memory) the product's prolog asks the
  # controller once per node: every node must read the same instance, the job's submit time, or
  # its keys would differ (docs/hooks.md, "Keys without communication").
  if [[ -e $STATE/etc/hooks/prolog.target ]]; then
    local submitted seen
    submitted=$(SLURM_TIME_FORMAT=%s scontrol show job --oneliner "$job" | grep -o 'SubmitTime=[0-9]*' | cut -d= -f2)
    [[ $submitted =~ ^[0-9]+$ ]] || fail "no SubmitTime of job $job"
    for i in 1 2 3; do
      node=$VC_E2E_NODE_PREFIX$i
      seen=$(cluster_exec "$node" sh -c "grep -ho 'job record: instance [0-9]*' /var/lib/vcluster/logs/$job.log | head -n 1")
      expect_eq "instance the prolog on $node read" "job record: instance $submitted" "$seen"
    done
    say "every node's prolog read instance $submitted (the job's SubmitTime)"
  fi

  if [[ ${VC_E2E_SAVE_RESOURCES:-0} == 1 ]]; then
    local dest
    dest=$(cd "$E2E_DIR/../.." && pwd)/core/src/test/resources/slurm
    mkdir -p "$dest"
    for hook in prolog epilog; do
      cp "$STATE/hook-env/$hook-$job-${VC_E2E_NODE_PREFIX}1.env" "$dest/$hook-env.txt"
    done
    say "saved $dest/prolog-env.txt and epilog-env.txt"
  fi
}

# check_var FILE NAME VALUE: the recorded environment has NAME=VALUE exactly.
check_var() {
  local got
  got=$(sed -n "s/^$2=//p" "$1")
  expect_eq "$2 in ${1##*/}" "$3" "$got"
}
