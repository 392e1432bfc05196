#!/usr/bin/env bash
# The project's tests, as CI runs them: installs what they need (Debian packages, Maven), then
#   1. mvn verify: unit tests, the hook simulation against libvirt's test:///default, the
#      fabric tests in network namespaces and the remote shell and PBS fan-out against real sshd
#      (these need root; without it they skip, and with CI=true a skip fails the run); then the
#      count of tests run per kind;
#   2. the Debian packages that mvn verify made, installed, upgraded, removed and purged on this
#      machine (tests/deb/run.sh, needs root);
#   3. the end-to-end suite: a real Slurm cluster in namespaces, libvirtd per node, QEMU guests,
#      MPI inside (needs root), on the product installed from those packages, unless VC_SKIP_E2E=1.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib/deps.sh
ensure_packages "${TEST_PACKAGES[@]}"
if [ "${VC_SKIP_E2E:-0}" != 1 ]; then ensure_packages "${E2E_PACKAGES[@]}"; fi

start=$(date +%s)
mvn -B -ntp verify
echo "mvn verify: $(( $(date +%s) - start )) s"
tests/lib/test-counts.sh
tests/deb/run.sh

if [ "${VC_SKIP_E2E:-0}" = 1 ]; then
  echo "end-to-end suite skipped (VC_SKIP_E2E=1)"
elif [ -x tests/e2e/run.sh ]; then
  VC_DEB_DIR=$PWD/dist/target tests/e2e/run.sh
fi
