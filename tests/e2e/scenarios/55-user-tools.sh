# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario user-tools: what a job script does with its virtual cluster through the product's own
# command. One job of 2 nodes x 1 VM; its script, as the user on the batch host, runs
#   vcluster exec --all -- hostname       every VM answers, each line prefixed with its name
#   vcluster exec --vm HEAD -- false      exit 1, the failed VM named on stderr
#   ssh -F "$VC_SSH_CONFIG" VM hostname   OpenSSH with the generated config: the derived key and
#                                         known_hosts, strict host keys, no prompt (BatchMode)
#   vcluster hostfile                     the job's hostfile
#   vcluster mpirun --copy ./mpi-check --version
#                                         the MPI check (compiled on the host) staged over SFTP
#   vcluster mpirun ./mpi-check           run across both VMs; every rank's sum right
#   vcluster exec --timeout 2 --all -- sleep 60
#                                         exit 255, both VMs named as stopped at the timeout
#   timeout 5 vcluster exec ...           vcluster itself stopped by TERM (as by scancel)
# and at the end no sleep of either kind is left in the VMs.
# The bin/vcluster it calls is the distribution the nodes run their hooks from ($VC_DIST), a path
# the job reaches as the nodes share the machine's file system.
register_scenario user-tools scenario_user_tools "vcluster exec/hostfile/mpirun and ssh -F from a job script reach every VM"

# user_tools_submit: the job; prints its id.
user_tools_submit() {
  local script
  mpi_program >/dev/null
  script=$(job_script user-tools <<JOB
#!/bin/bash
# Not -e: each step records its own exit code for the scenario to check.
set -uo pipefail
vc=$VC_DIST/bin/vcluster
JOB
)
  cat >>"$script" <<'JOB'
date +%s.%N >"tools-$SLURM_JOB_ID.start"
echo "head=$VC_HEAD nodes=$VC_NODES"
step() { printf 'step %s %s\n' "$1" "$(date +%s.%N)"; }
step exec-all; "$vc" exec --all -- hostname; echo "exec-all-exit=$?"
step exec-false; "$vc" exec --vm "$VC_HEAD" -- false; echo "exec-false-exit=$?"
step ssh
for vm in ${VC_NODES//,/ }; do
  ssh -F "$VC_SSH_CONFIG" -o BatchMode=yes "$vm" hostname | sed 's/^/ssh: /'
  echo "ssh-$vm-exit=${PIPESTATUS[0]}"
done
step hostfile; "$vc" hostfile | sed 's/^/hostfile: /'; echo "hostfile-exit=${PIPESTATUS[0]}"
# the copy on its own first (mpirun --version starts no ranks), so that the figures tell them apart
step copy; "$vc" mpirun --copy ./mpi-check --version | sed -n '1s/^/copy: /p'; echo "copy-exit=${PIPESTATUS[0]}"
step mpirun; "$vc" mpirun ./mpi-check; echo "mpirun-exit=$?"
step timeout; "$vc" exec --timeout 2 --all -- sleep 60; echo "exec-timeout-exit=$?"
# vcluster itself stopped (what scancel or Ctrl-C does): the remote command must not live on
timeout 5 "$vc" exec --vm "$VC_HEAD" -- sh -c 'sleep 61 & echo $! > stopped.pid; wait'; echo "exec-term-exit=$?"
step left
# (the appliance has a "sleep 3600" of its own; ours are "sleep 60" and "sleep 61"; zombies are dead)
"$vc" exec --all -- sh -c 'ps -C sleep -o stat=,args= | grep -E "^[^Z].* sleep 6[01]$" || echo no-sleep'
step end
JOB
  submit -N 2 --ntasks-per-node=1 --job-name=user-tools --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M \
    --output="$STATE/jobs/tools-%j.out" "$script"
}

# step_seconds OUT FROM TO: seconds between two "step" lines of the job's output.
step_seconds() {
  awk -v a="$2" -v b="$3" '$1 == "step" && $2 == a { s = $3 } $1 == "step" && $2 == b { e = $3 }
    END { printf "%.2f", e - s }' <<<"$1"
}

scenario_user_tools() {
  local job state out vm vms head n
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  [[ -x ${VC_DIST:-}/bin/vcluster ]] || { say "needs VC_DIST/bin/vcluster"; exit 77; }
  vc_snapshot_nodes
  job=$(user_tools_submit)
  say "submitted job $job: sbatch -N 2 --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M"
  wait_file "$STATE/jobs/tools-$job.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
  state=$(wait_job "$job" 180)
  out=$(<"$STATE/jobs/tools-$job.out")
  say "output of job $job:"$'\n'"      ${out//$'\n'/$'\n'      }"
  expect_eq "job $job state" COMPLETED "$state"
  vms="vc$job-0 vc$job-1"
  head=vc$job-0
  expect_eq "VC_HEAD and VC_NODES" "head=$head nodes=vc$job-0,vc$job-1" "$(grep '^head=' <<<"$out")"

  # exec --all: both VMs answer with their own name, prefixed by it
  expect_eq "exec --all exit" "exec-all-exit=0" "$(grep '^exec-all-exit=' <<<"$out")"
  for vm in $vms; do
    grep -qx "$vm: $vm" <<<"$out" || fail "exec --all: no line '$vm: $vm'"
  done
  # exec --vm HEAD -- false: exit 1, the VM named on stderr (the job's output has both streams)
  expect_eq "exec false exit" "exec-false-exit=1" "$(grep '^exec-false-exit=' <<<"$out")"
  grep -qx "vcluster exec: 1 of 1 VMs failed: $head (exit 1)" <<<"$out" || fail "exec false: the failed VM is not named"
  # ssh -F with the generated config: strict known_hosts, the derived key, no prompt
  for vm in $vms; do
    expect_eq "ssh -F $vm" "ssh: $vm" "$(grep "^ssh: $vm\$" <<<"$out")"
    expect_eq "ssh -F $vm exit" "ssh-$vm-exit=0" "$(grep "^ssh-$vm-exit=" <<<"$out")"
  done
  expect_eq "vcluster hostfile" "hostfile: vc$job-0 slots=1"$'\n'"hostfile: vc$job-1 slots=1" \
    "$(grep '^hostfile: ' <<<"$out")"
  expect_eq "hostfile exit" "hostfile-exit=0" "$(grep '^hostfile-exit=' <<<"$out")"
  # mpirun: one rank per VM, each with the right sum
  expect_eq "copy exit" "copy-exit=0" "$(grep '^copy-exit=' <<<"$out")"
  grep -q '^copy: mpirun (Open MPI)' <<<"$out" || fail "mpirun --version did not answer from the head"
  expect_eq "mpirun exit" "mpirun-exit=0" "$(grep '^mpirun-exit=' <<<"$out")"
  n=$(grep -c "of 2 on vc$job-[01]: sum of ranks 1 (expected 1)" <<<"$out" || true)
  expect_eq "ranks that got the right sum" 2 "$n"
  expect_eq "distinct VMs the ranks ran on" 2 "$(grep -o "of 2 on vc$job-[01]:" <<<"$out" | sort -u | wc -l)"

  # --timeout: both VMs named, the commands stopped; vcluster stopped by TERM: its command too
  expect_eq "exec --timeout exit" "exec-timeout-exit=255" "$(grep '^exec-timeout-exit=' <<<"$out")"
  grep -qx "vcluster exec: 2 of 2 VMs failed: vc$job-0 ('sleep 60' still running after 2 s; stopped), vc$job-1 ('sleep 60' still running after 2 s; stopped)" <<<"$out" ||
    fail "exec --timeout: the VMs are not named with the reason"
  expect_eq "vcluster exec stopped by timeout(1)" "exec-term-exit=124" "$(grep '^exec-term-exit=' <<<"$out")"
  for vm in $vms; do
    expect_eq "sleeps left on $vm" "$vm: no-sleep" "$(grep "^$vm: " <<<"$out" | grep -v "^$vm: $vm\$")"
  done

  measure exec-all "$(step_seconds "$out" exec-all exec-false)"
  measure ssh-both "$(step_seconds "$out" ssh hostfile)"
  measure hostfile "$(step_seconds "$out" hostfile copy)"
  measure copy-and-mpirun-version "$(step_seconds "$out" copy mpirun)"
  measure mpirun-2-ranks "$(step_seconds "$out" mpirun timeout)"
  vc_torn_down "$job"
}
