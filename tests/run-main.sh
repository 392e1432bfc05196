#!/usr/bin/env bash
# The main job, for real, on this one machine: installs what it needs (Debian packages, Maven),
# builds the product and the test appliance, brings up a 3-node Slurm cluster (each node in its
# own network namespace with its own libvirtd), submits a virtual-cluster job with sbatch
# (2 nodes x 2 VMs), runs an MPI program across the 4 VMs, prints the virtual cluster's report
# and the program's output, and takes everything down, failing if anything is left behind.
# Needs root (namespaces, libvirtd, Slurm daemons).
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib/deps.sh
ensure_packages "${TEST_PACKAGES[@]}" "${E2E_PACKAGES[@]}"
exec tests/e2e/run.sh mpi
