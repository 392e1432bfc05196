# shellcheck shell=bash
# Sourced by hooks.sh and ab.sh.

# bench_job VMS WORKDIR: a real job of $VC_E2E_USER, held (it never runs), whose record the
# prolog reads from the controller (its submit time, its memory: docs/hooks.md, "Limits"); prints
# its id. The hooks are then run by hand with bench_hook_env; bench_job_done cancels it.
bench_job() {
  local out
  out=$(cluster_as_user sbatch --parsable --hold -N 1 --nodelist="$NODE" --mem=2G --job-name=bench \
    --comment="vc:image=testapp,vms=$1,vcpus=1,mem=384M" --chdir="$2/jobs" --output=/dev/null --wrap true) ||
    { echo "bench: sbatch failed: $out" >&2; return 1; }
  printf '%s' "${out%%;*}"
}
bench_job_done() { scancel "$1" 2>/dev/null || true; }

# bench_hook_env JOB VMS CONTEXT WORKDIR: the environment slurmd 22.05 gives a Prolog/Epilog of a
# one-node job with a vc request (core/src/test/resources/slurm/prolog-env.txt), one variable a
# line, on node $NODE for $VC_E2E_USER; 4 CPUs so that 4 VMs of 1 vCPU are allowed.
bench_hook_env() {
  local job=$1 vms=$2 context=$3 work=$4 uid gid
  uid=$(id -u "$VC_E2E_USER") gid=$(id -g "$VC_E2E_USER")
  printf '%s\n' "SLURM_JOB_ID=$job" "SLURM_JOBID=$job" "SLURMD_NODENAME=$NODE" "SLURM_NODELIST=$NODE" \
    "SLURM_JOB_NUM_NODES=1" "SLURM_JOB_CPUS_PER_NODE=4" "SLURM_JOB_USER=$VC_E2E_USER" \
    "SLURM_JOB_UID=$uid" "SLURM_JOB_GID=$gid" "SLURM_UID=$uid" "SLURM_JOB_PARTITION=e2e" \
    "SLURM_CLUSTER_NAME=vce2e" "SLURM_JOB_WORK_DIR=$work/jobs" "SLURM_SCRIPT_CONTEXT=$context" \
    "SLURM_JOB_COMMENT=vc:image=testapp,vms=$vms,vcpus=1,mem=384M" "SLURM_CONF=$SLURM_CONF"
}
