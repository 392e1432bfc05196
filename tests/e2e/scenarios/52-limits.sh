# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario limits: a vc job's VMs must fit in what Slurm gave the job on each node. A 2-node job
# with --mem=256M asks for VMs of 384M: the prolog of every node refuses it before making
# anything, the user reads why in vcluster-<job>/ERROR, and no node drains (the user's mistake
# is not the node's). The same with --mem-per-cpu=128M (1 CPU per node), and with a job name
# that forges the controller's memory field (the record is refused, not believed). With
# VC_E2E_SAVE_RESOURCES=1 the records that the prolog reads (scontrol show job --oneliner, times
# as epoch seconds) become core/src/test/resources/slurm/scontrol-*.txt, the parser's test input.
register_scenario limits scenario_limits "a vc job over its --mem is refused with a clear message, no node drained"

# limits_refused JOB WANT: the job ran (its prologs exited 0) and its ERROR holds WANT.
limits_refused() {
  local job=$1 want=$2 state msg node
  state=$(wait_job "$job" 120)
  expect_eq "job $job state" COMPLETED "$state"
  [[ -s $STATE/jobs/vcluster-$job/ERROR ]] || fail "job $job: no vcluster-$job/ERROR"
  msg=$(<"$STATE/jobs/vcluster-$job/ERROR")
  [[ $msg == *"$want"* ]] || fail "ERROR of job $job: expected '$want' in '$msg'"
  say "job $job refused: $msg"
  for node in $(node_names); do
    state=$(sinfo -h -n "$node" -o '%T' | tr -d '*~#')
    [[ $state != drain* ]] || fail "$node is $state after job $job"
  done
  wait_for 60 "nothing of job $job left" vc_all_clean || true
  for node in $(node_names); do
    expect_eq "vc leftovers on $node after job $job" "" "$(vc_node_left "$node")"
  done
}

# limits_record JOB NAME: the job's record as the prolog reads it, saved as a test resource.
limits_record() {
  local out
  out=$(SLURM_TIME_FORMAT=%s scontrol show job --oneliner "$1")
  [[ $out == "JobId=$1 "* ]] || fail "no record of job $1: $out"
  if [[ ${VC_E2E_SAVE_RESOURCES:-0} == 1 ]]; then
    # the cluster's own paths say nothing to the parser: a neutral one in their place
    printf '%s\n' "${out//$STATE//home/vcuser/e2e}" >"$E2E_DIR/../../core/src/test/resources/slurm/scontrol-$2.txt"
    say "saved scontrol-$2.txt"
  fi
}

scenario_limits() {
  local p=$VC_E2E_NODE_PREFIX job node writers chardev
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_all_clean || fail "leftovers before the job"

  job=$(submit -N 2 --ntasks-per-node=1 --mem=256M --job-name=limits-mem \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M --output="$STATE/jobs/limits-%j.out" --wrap 'echo ran')
  limits_record "$job" mem
  # what each node's prolog pays for the record: one scontrol (a process and one RPC to slurmctld)
  local t0 i
  t0=$(now)
  for i in 1 2 3 4 5 6 7 8 9 10; do SLURM_TIME_FORMAT=%s scontrol show job --oneliner "$job" >/dev/null; done
  measure "scontrol show job, mean of 10" "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", (b - a) / 10 }')"
  limits_refused "$job" "mem: 1 VM(s) x 384M = 384M on node ${p}1, where the job has 256M there (its --mem or --mem-per-cpu)"

  job=$(submit -N 2 --ntasks-per-node=1 --mem-per-cpu=128M --job-name=limits-mem-per-cpu \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M --output="$STATE/jobs/limits-%j.out" --wrap 'echo ran')
  limits_record "$job" mem-per-cpu
  limits_refused "$job" "where the job has 128M there"

  job=$(submit -N 1 --mem=256M --job-name="x MinMemoryNode=2G" \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M --output="$STATE/jobs/limits-%j.out" --wrap 'echo ran')
  limits_refused "$job" "'MinMemoryNode=' appears more than once in the job's record"

  # within its --mem the job boots; its console log is written by virtlogd (which rotates it at
  # max_size: limits.maxConsoleLogMiB), not by QEMU, which would let it grow without bound
  job=$(submit -N 1 --mem=512M --job-name=limits-fits --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M \
    --output="$STATE/jobs/limits-%j.out" --wrap 'echo started; sleep 60')
  # DeferBatch: the script starts once every prolog is done (the VM is ready)
  wait_file "$STATE/jobs/limits-$job.out" 150
  node=$(job_field "$job" NodeList)
  [[ ! -e $STATE/jobs/vcluster-$job/ERROR ]] || fail "job $job refused: $(<"$STATE/jobs/vcluster-$job/ERROR")"
  writers=$(cluster_exec "$node" sh -c "for p in /proc/[0-9]*; do
      ls -l \$p/fd 2>/dev/null | grep -q 'vc$job-0.console.log' && cat \$p/comm; done; true" | sort -u | paste -sd ' ')
  expect_eq "processes writing vc$job-0's console log on $node" virtlogd "$writers"
  say "job $job (--mem=512M, one VM of 384M) booted on $node; its console log is written by: $writers"
  # and QEMU got a descriptor from libvirt (virtlogd's pipe), not the file's path
  chardev=$(cluster_exec "$node" grep -o -- '-chardev file,[^ ]*' "/var/log/libvirt/qemu/vc$job-0.log" | tail -n 1)
  [[ $chardev == "-chardev file,id=charserial0,path=/dev/fdset/"*",append=on" ]] ||
    fail "vc$job-0's serial port is not a descriptor passed by libvirt: '$chardev'"
  scancel "$job"
  wait_job "$job" 90 >/dev/null
  wait_for 90 "nothing of job $job left" vc_all_clean || true
  for node in $(node_names); do
    expect_eq "vc leftovers on $node after job $job" "" "$(vc_node_left "$node")"
  done

  # a job that asked for no memory of its own (--mem=0: "all of the node"; with no --mem at all
  # Slurm gives DefMemPerCPU): the site's per-CPU rule (its record is the parser's third case)
  job=$(submit -N 1 --mem=0 --job-name=limits-no-mem --comment=vc:image=testapp,vms=1,vcpus=1,mem=1536M \
    --output="$STATE/jobs/limits-%j.out" --wrap 'echo ran')
  limits_record "$job" no-mem
  limits_refused "$job" "the job asked no memory, and the site allows"
}
