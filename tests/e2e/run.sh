#!/bin/bash
# The end-to-end suite of Virtual Services.
#
#   tests/e2e/run.sh [--nodes N] [--keep] [SCENARIO...]
#
# Brings the cluster up (tests/e2e/lib/cluster.sh), runs the named scenarios (all registered
# ones when none is named), and always takes the cluster down and checks for leaks, even on
# failure or Ctrl-C. Exit 0 only when every named scenario passed and nothing was left.
# --keep leaves the cluster up afterwards for debugging (then: lib/cluster.sh down).
#
# Scenarios live in tests/e2e/scenarios/*.sh (see lib/scenario.sh for the contract). A
# scenario not yet implemented is a stub: SKIP in the default list, FAIL when named.
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib/cluster.sh
source "$E2E_DIR/lib/cluster.sh"
# shellcheck source=tests/e2e/lib/scenario.sh
source "$E2E_DIR/lib/scenario.sh"
# shellcheck source=tests/e2e/lib/product.sh
source "$E2E_DIR/lib/product.sh"
# shellcheck source=tests/e2e/lib/vc-job.sh
source "$E2E_DIR/lib/vc-job.sh"
for f in "$E2E_DIR"/scenarios/*.sh; do
  # shellcheck source=/dev/null
  source "$f"
done

usage() {
  echo "usage: run.sh [--nodes N] [--keep] [SCENARIO...]" >&2
  echo "scenarios:" >&2
  local s
  for s in "${SCENARIO_ORDER[@]}"; do
    printf '  %-12s %s%s\n' "$s" "${SCENARIO_DOC[$s]}" "$([[ -n ${SCENARIO_FUNC[$s]} ]] || echo ' (not implemented)')" >&2
  done
}

# run_one NAME EXPLICIT: prints PASS/FAIL/SKIP; returns 1 on FAIL.
run_one() {
  local name=$1 explicit=$2 func t0 rc=0
  if [[ -z ${SCENARIO_FUNC[$name]+set} ]]; then
    echo "FAIL $name: no such scenario"
    return 1
  fi
  func=${SCENARIO_FUNC[$name]}
  if [[ -z $func ]]; then
    if [[ $explicit == 1 ]]; then
      echo "FAIL $name: not implemented"
      return 1
    fi
    echo "SKIP $name: not implemented"
    SKIPPED+=("$name")
    return 0
  fi
  echo "RUN  $name: ${SCENARIO_DOC[$name]}"
  t0=$(now)
  # In the background and waited for, so that INT/TERM are handled at once (bash runs a
  # trap only after the foreground command has ended).
  (
    set -euo pipefail
    SCENARIO=$name
    "$func"
  ) &
  SCENARIO_PID=$!
  wait "$SCENARIO_PID" || rc=$?
  SCENARIO_PID=
  if ((rc == 0)); then
    # A scenario must hand the next one a cluster with every node idle.
    if ! wait_for 30 "every node idle after $name" nodes_all_idle; then
      sinfo -N -o '%N %t %E' >&2 || true
      echo "FAIL $name: passed, but left nodes not idle ($(elapsed "$t0")s)"
      return 1
    fi
    echo "PASS $name ($(elapsed "$t0")s)"
    PASSED+=("$name")
    return 0
  fi
  if ((rc == 77)); then
    echo "SKIP $name (see above)"
    SKIPPED+=("$name")
    return 0
  fi
  echo "FAIL $name (exit $rc, $(elapsed "$t0")s)"
  return 1
}

KEEP=0
SCENARIO_PID=
PASSED=()
SKIPPED=()

# On INT/TERM: end the running scenario (a subshell we started; background subshells
# ignore SIGINT), then leave through the EXIT trap, which takes the cluster down.
interrupted() {
  if [[ -n $SCENARIO_PID ]]; then
    echo "interrupted: ending scenario (pid $SCENARIO_PID)"
    kill -TERM "$SCENARIO_PID" 2>/dev/null || true
  fi
  exit "$1"
}

main() {
  local nodes=$VC_E2E_NODES
  local -a names=()
  while (($#)); do
    case $1 in
      --nodes) nodes=${2:?--nodes needs a number}; shift 2 ;;
      --keep) KEEP=1; shift ;;
      -h | --help) usage; return 0 ;;
      -*) usage; return 2 ;;
      *) names+=("$1"); shift ;;
    esac
  done
  local explicit=1
  if ((${#names[@]} == 0)); then
    names=("${SCENARIO_ORDER[@]}")
    explicit=0
  fi

  local failed=0 t0
  finish() {
    local rc=$?
    trap - EXIT INT TERM
    if ((KEEP)); then
      echo "cluster kept up (--keep): tests/e2e/lib/cluster.sh down when done"
    else
      cluster_down || rc=1
      if ! cluster_leaks; then
        echo "FAIL leaks: the cluster left something behind"
        rc=1
      fi
    fi
    exit "$rc"
  }
  trap finish EXIT
  trap 'interrupted 130' INT
  trap 'interrupted 143' TERM

  # The product under test (VC_E2E_NO_PRODUCT=1: the harness alone, with its recording hooks).
  if [[ ${VC_E2E_NO_PRODUCT:-0} != 1 ]]; then
    product_prepare
  fi
  # A fresh cluster for every run: job ids, node states and logs start from nothing.
  cluster_down
  t0=$(now)
  cluster_up --nodes "$nodes"
  echo "TIME cluster up $(elapsed "$t0")s"
  if [[ ${VC_E2E_NO_PRODUCT:-0} != 1 ]]; then
    product_configure
  fi
  local name
  for name in "${names[@]}"; do
    run_one "$name" "$explicit" || failed=1
  done
  echo "passed: ${PASSED[*]:-none}; skipped: ${SKIPPED[*]:-none}"
  if ((failed)); then echo "SOME FAILED"; else echo "ALL PASSED (that ran)"; fi
  echo "e2e: ${#PASSED[@]} passed, $((${#names[@]} - ${#PASSED[@]} - ${#SKIPPED[@]})) failed, ${#SKIPPED[@]} skipped"
  return "$failed"
}

main "$@"
