# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario mpi: the main job. sbatch -N 2 with a virtual-cluster request of 2 VMs per node; the
# prologs boot 4 VMs on the 2 allocated nodes and join them with the job's own network; the job
# script, as the user on the batch host, finds its cluster through the TaskProlog's VC_*
# variables, copies an MPI program (compiled on the host with mpicc) to its VMs and runs it across
# all four with the job's hostfile; the epilogs tear everything down. The job: lib/vc-job.sh.
register_scenario mpi scenario_mpi "a virtual cluster of 4 VMs on 2 nodes runs an MPI program across them"

scenario_mpi() {
  local job t_submit
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_snapshot_nodes
  t_submit=$(now)
  job=$(vc_mpi_submit -N 2 --ntasks-per-node=2 --job-name=mpi --comment=vc:image=testapp,vms=2,vcpus=1,mem=384M)
  say "submitted job $job: sbatch -N 2 --ntasks-per-node=2 --comment=vc:image=testapp,vms=2,vcpus=1,mem=384M"
  vc_mpi_check "$job" 4 "$t_submit"
  vc_torn_down "$job"
  local node
  for node in $(node_names | head -n 2); do
    measure "epilog-$node" "$(epilog_seconds "$node" "$job")"
  done
}
