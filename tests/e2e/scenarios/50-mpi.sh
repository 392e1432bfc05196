# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario mpi: not implemented yet. To implement it, replace register_stub with
#   register_scenario mpi scenario_mpi "a virtual cluster on 2 nodes runs an MPI program across its VMs"
# and define scenario_mpi (contract: tests/e2e/lib/scenario.sh, example: 10-plain.sh).
register_stub mpi "a virtual cluster on 2 nodes runs an MPI program across its VMs"
