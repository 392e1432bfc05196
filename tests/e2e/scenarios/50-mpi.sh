# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario mpi: the main job. sbatch -N 2 with a virtual-cluster request of 2 VMs per node; the
# prologs boot 4 VMs on the 2 allocated nodes and join them with the job's own network; the job
# script, as the user on the batch host, finds its cluster through the TaskProlog's VC_*
# variables, copies an MPI program (compiled on the host with mpicc) to its VMs and runs it across
# all four with the job's hostfile; the epilogs tear everything down.
register_scenario mpi scenario_mpi "a virtual cluster of 4 VMs on 2 nodes runs an MPI program across them"

# mpi_program: compiles the appliance's MPI check once into the jobs folder; prints its path.
mpi_program() {
  local out=$STATE/jobs/mpi-check
  if [[ ! -x $out ]]; then
    mpicc -O2 -o "$out" "$E2E_DIR/appliance/mpi-check.c" || fail "mpicc failed"
    chmod 0755 "$out"
  fi
  printf '%s' "$out"
}

# vc_job_leftovers NODE JOB: what of the job is still on the node (state folder, domains, links).
vc_job_leftovers() {
  cluster_exec "$1" sh -c "ls -A /var/lib/vcluster/jobs/$2 2>/dev/null; \
    virsh -q -c qemu:///system list --all --name | grep '^vc$2-' ; ip -o link | grep -o 'vc[bv][rx][0-9]*' ; true"
}

# job_gone NODE JOB: true when nothing of the job is left on the node.
job_gone() {
  [[ -z $(vc_job_leftovers "$1" "$2") ]]
}

# prolog_timings NODE JOB: the prolog's phase line from the job's log on the node.
prolog_timings() {
  cluster_exec "$1" sh -c "grep -h 'prolog done' /var/lib/vcluster/logs/$2.log 2>/dev/null | sed 's/.*prolog done: //'"
}

scenario_mpi() {
  local script job t_submit t_start t_end state out node n
  local -A before=()
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  mpi_program >/dev/null   # into the jobs folder, where the job script finds ./mpi-check
  for node in $(node_names); do before[$node]=$(node_snapshot "$node"); done

  script=$(job_script mpi <<'JOB'
#!/bin/bash
set -euo pipefail
date +%s.%N >"mpi-$SLURM_JOB_ID.start"
echo "head=$VC_HEAD nodes=$VC_NODES"
sed 's/^/report: /' "$VC_DIR/report.txt"
np=$(grep -c slots "$VC_HOSTFILE")
pids=()
for vm in ${VC_NODES//,/ }; do
  scp -q -F "$VC_SSH_CONFIG" ./mpi-check "$vm:/tmp/mpi-check" & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" mpirun --hostfile /etc/vcluster/hostfile -np "$np" /tmp/mpi-check
echo "mpi-exit=$?"
JOB
)
  t_submit=$(now)
  job=$(submit -N 2 --ntasks-per-node=2 --job-name=mpi --comment=vc:image=testapp,vms=2,vcpus=1,mem=384M \
    --output="$STATE/jobs/mpi-%j.out" "$script")
  say "submitted job $job: sbatch -N 2 --ntasks-per-node=2 --comment=vc:image=testapp,vms=2,vcpus=1,mem=384M"
  wait_file "$STATE/jobs/mpi-$job.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
  t_start=$(<"$STATE/jobs/mpi-$job.start")
  # the report is there while the job runs
  [[ -f $STATE/jobs/vcluster-$job/report.json ]] || fail "no report for job $job"
  state=$(wait_job "$job" 120)
  t_end=$(now)
  out=$(<"$STATE/jobs/mpi-$job.out")
  say "output of job $job:"$'\n'"      ${out//$'\n'/$'\n'      }"
  expect_eq "job $job state" COMPLETED "$state"
  expect_eq "MPI exit" "mpi-exit=0" "$(grep '^mpi-exit=' <<<"$out")"
  n=$(grep -c "of 4 on vc$job-[0-3]: sum of ranks 6 (expected 6)" <<<"$out" || true)
  expect_eq "ranks that got the right sum" 4 "$n"
  expect_eq "distinct VMs the ranks ran on" 4 \
    "$(grep -o "on vc$job-[0-3]:" <<<"$out" | sort -u | wc -l)"

  for node in $(node_names | head -n 2); do
    measure "prolog-$node" "$(prolog_timings "$node" "$job" | sed 's/ /_/g')"
  done
  measure sbatch-to-start "$(awk -v a="$t_submit" -v b="$t_start" 'BEGIN { printf "%.2f", b - a }')"
  measure whole-job "$(awk -v a="$t_submit" -v b="$t_end" 'BEGIN { printf "%.2f", b - a }')"

  # the epilogs run after the job is COMPLETED in squeue's eyes; wait for them to finish
  for node in $(node_names); do
    wait_for 60 "job $job gone from $node" job_gone "$node" "$job" ||
      fail "left on $node: $(vc_job_leftovers "$node" "$job")"
    expect_eq "links and domains on $node after the job" "${before[$node]}" "$(node_snapshot "$node")"
  done
  [[ ! -e $STATE/jobs/vcluster-$job ]] || fail "the report folder of job $job is still there"
  for node in $(node_names | head -n 2); do
    measure "epilog-$node" "$(epilog_seconds "$node" "$job")"
  done
}
