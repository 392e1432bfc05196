#!/usr/bin/env bash
# Measures the real per-job network (LinuxFabric) set-up and teardown on one node against the
# number of peer nodes, and prints a Markdown table (docs/fabric.md keeps the last one).
#
# Runs as root inside a network namespace it makes and removes, so nothing touches the host's
# links; the peers' underlay addresses (10.78.0.0/16) exist only as forwarding entries, and no
# packet is sent to them. Usage: tests/bench/fabric.sh [ROUNDS [PEERS...]]
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly REPO
readonly NS="vcbench-$$"
readonly LOCAL_ADDRESS="10.78.0.1"
CP_FILE=""

cleanup() {
  # Deleting the namespace removes every device the benchmark made in it.
  ip netns del "${NS}" 2>/dev/null || true
  [[ -n "${CP_FILE}" ]] && rm -f "${CP_FILE}"
}

require_root() {
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "fabric.sh: needs root (it makes bridges, VXLAN devices and nftables tables)" >&2
    exit 2
  fi
}

build_classpath() {
  CP_FILE="$(mktemp)"
  # Maven's own messages go to stderr: stdout is the table only.
  (cd "${REPO}" && mvn -B -q -Dstyle.color=never -pl core test-compile dependency:build-classpath \
    -Dmdep.outputFile="${CP_FILE}" -Dmdep.includeScope=test) >&2
}

make_namespace() {
  ip netns add "${NS}"
  ip -n "${NS}" link set lo up
  # The VXLAN socket binds to the local address, so it must exist in the namespace: a veth pair
  # is the device every kernel has (dummy may be missing).
  ip -n "${NS}" link add ul0 type veth peer name ul1
  ip -n "${NS}" address add "${LOCAL_ADDRESS}/16" dev ul0
  ip -n "${NS}" link set ul0 up
  ip -n "${NS}" link set ul1 up
}

main() {
  require_root
  trap cleanup EXIT
  build_classpath
  make_namespace
  local cp
  cp="${REPO}/core/target/test-classes:${REPO}/core/target/classes:$(cat "${CP_FILE}")"
  ip netns exec "${NS}" java -cp "${cp}" org.virtualservices.core.fabric.linux.FabricBenchmark \
    "${LOCAL_ADDRESS}" "$@"
}

main "$@"
