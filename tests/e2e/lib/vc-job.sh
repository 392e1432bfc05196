# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# A virtual-cluster MPI job, as scenarios mpi and spank run it: the job script finds its cluster
# through the TaskProlog's VC_* variables and runs an MPI program (compiled on the host with mpicc
# into the working folder) across all its VMs with `vcluster mpirun`, no copy: the working folder
# is mounted in every VM at the same path, the ranks read their input there and write their
# results there, and the script checks them on the batch host. Sourced by run.sh.
#
#   vc_snapshot_nodes                 before the job: what each node has (links, domains)
#   vc_mpi_submit SBATCH-ARGS...      submits the job with the request in SBATCH-ARGS; prints its id
#   vc_mpi_check JOB VMS T_SUBMIT     waits for it and checks that VMS ranks ran on VMS VMs
#   vc_torn_down JOB                  waits until the epilogs left every node as it was

# mpi_build NAME: compiles the appliance's NAME.c once into the jobs folder (the jobs' working
# folder, which the VMs mount); prints its path.
mpi_build() {
  local out=$STATE/jobs/$1
  if [[ ! -x $out ]]; then
    mpicc -O2 -o "$out" "$E2E_DIR/appliance/$1.c" || fail "mpicc $1.c failed"
    chmod 0755 "$out"
  fi
  printf '%s' "$out"
}

# mpi_program: the MPI check (mpi-check.c); mpi_io_program: the MPI program with files (mpi-io.c).
mpi_program() { mpi_build mpi-check; }
mpi_io_program() { mpi_build mpi-io; }

# vc_job_leftovers NODE JOB: what of the job is still on the node (state folder, domains, links).
vc_job_leftovers() {
  cluster_exec "$1" sh -c "ls -A /var/lib/vcluster/jobs/$2 2>/dev/null; \
    virsh -q -c qemu:///system list --all --name | grep '^vc$2-' ; ip -o link | grep -o 'vc[bv][rx][0-9]*' ; true"
}

# job_gone NODE JOB: true when nothing of the job is left on the node.
job_gone() {
  [[ -z $(vc_job_leftovers "$1" "$2") ]]
}

# prolog_timings NODE JOB: the prolog's phases from its outcome line on the node, as one word for
# `measure` ("config=41ms,plan=180ms,make=94ms,..."; docs/hooks.md says which ran inside which).
prolog_timings() {
  vc_outcome "$1" "$2" prolog '[.phases | to_entries[] | "\(.key)=\(.value)ms"] | join(",")'
}

# vc_snapshot_nodes: each node's links and domains, kept per scenario for vc_torn_down.
vc_snapshot_nodes() {
  local node dir=$STATE/snapshots/$SCENARIO
  mkdir -p "$dir"
  for node in $(node_names); do node_snapshot "$node" >"$dir/$node"; done
}

# vc_mpi_submit SBATCH-ARGS...: the MPI job with the caller's request (-N, --vc-*, --comment...).
# Its script does what the users' guide says: it writes its input in its working folder, runs the
# program compiled on the batch host there across the VMs with `vcluster mpirun` (in the working
# folder, which every VM mounts at the same path: no --copy), and checks on the batch host the
# files the ranks wrote there: the total, one file per rank from distinct VMs, all the user's.
# The bin/vcluster it calls is the distribution the nodes run their hooks from ($VC_DIST).
vc_mpi_submit() {
  local script
  mpi_io_program >/dev/null
  script=$(job_script mpi <<JOB
#!/bin/bash
set -euo pipefail
vc=$VC_DIST/bin/vcluster
JOB
)
  cat >>"$script" <<'JOB'
date +%s.%N >"mpi-$SLURM_JOB_ID.start"
echo "head=$VC_HEAD nodes=$VC_NODES"
sed 's/^/report: /' "$VC_DIR/report.txt"
np=$(grep -c slots "$VC_HOSTFILE")
rc=0
in=input-$SLURM_JOB_ID.txt res=result-$SLURM_JOB_ID
seq 1 1000 >"$in"
"$vc" mpirun -np "$np" --wdir "$PWD" "$PWD/mpi-io" "$in" "$res" || rc=$?
echo "mpi-exit=$rc"
# the results, as the ranks wrote them in the VMs, read here on the batch host
echo "results: $(cat "$res.sum" 2>&1)"
echo "result-vms: $(cat "$res".rank* 2>/dev/null | sed -n 's/.* on \([^:]*\):.*/\1/p' | sort -u | wc -l)"
echo "result-owners: $(stat -c %u "$res".rank* "$res.sum" 2>/dev/null | sort -u | tr '\n' ' ')(uid $(id -u))"
JOB
  submit "$@" --output="$STATE/jobs/mpi-%j.out" "$script"
}

# vc_mpi_check JOB VMS T_SUBMIT: the job started once its VMs were up, ran its MPI program with one
# rank on each of its VMS VMs (every rank got the right sum), and completed; prints the timings.
vc_mpi_check() {
  local job=$1 vms=$2 t_submit=$3 t_start t_end state out n node last=$(($2 - 1))
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
  expect_eq "the total the ranks wrote in the working folder" "results: sum 500500 count 1000" \
    "$(grep '^results:' <<<"$out")"
  expect_eq "VMs whose ranks wrote a file there" "result-vms: $vms" "$(grep '^result-vms:' <<<"$out")"
  expect_eq "owner of the files written in the VMs" "result-owners: $(id -u "$VC_E2E_USER") (uid $(id -u "$VC_E2E_USER"))" \
    "$(grep '^result-owners:' <<<"$out")"
  n=$(grep -c "of $vms on vc$job-[0-$last]: sum of ranks $((vms * last / 2)) (expected $((vms * last / 2)))" \
    <<<"$out" || true)
  expect_eq "ranks that got the right sum" "$vms" "$n"
  expect_eq "distinct VMs the ranks ran on" "$vms" \
    "$(grep -o "on vc$job-[0-$last]:" <<<"$out" | sort -u | wc -l)"
  for node in $(node_names | head -n 2); do
    measure "prolog-$node" "$(prolog_timings "$node" "$job")"
  done
  measure sbatch-to-start "$(awk -v a="$t_submit" -v b="$t_start" 'BEGIN { printf "%.2f", b - a }')"
  measure whole-job "$(awk -v a="$t_submit" -v b="$t_end" 'BEGIN { printf "%.2f", b - a }')"
}

# vc_torn_down JOB: the epilogs (which run after squeue calls the job COMPLETED) left nothing of
# the job and every node's links and domains as vc_snapshot_nodes saw them.
vc_torn_down() {
  local job=$1 node dir=$STATE/snapshots/$SCENARIO
  for node in $(node_names); do
    wait_for 60 "job $job gone from $node" job_gone "$node" "$job" ||
      fail "left on $node: $(vc_job_leftovers "$node" "$job")"
    expect_eq "links and domains on $node after the job" "$(<"$dir/$node")" "$(node_snapshot "$node")"
  done
  [[ ! -e $STATE/jobs/vcluster-$job ]] || fail "the report folder of job $job is still there"
}
