#!/bin/bash
# Helpers for the end-to-end scenarios (tests/e2e/scenarios/*.sh). Sourced by run.sh after
# lib/cluster.sh; every scenario runs in a subshell with `set -euo pipefail`, so a failed
# check (fail, or any failing command) fails that scenario only.
#
# Registering (at the top level of a scenario file):
#   register_scenario NAME FUNCTION "one line: what it proves"
#   register_stub     NAME "one line: what it will prove"     (not implemented yet)
# A stub is skipped (SKIP line) when run.sh runs the default list, and FAILS when named.

# shellcheck disable=SC2034  # read by run.sh
declare -ga SCENARIO_ORDER=()
declare -gA SCENARIO_FUNC=() SCENARIO_DOC=()

register_scenario() {
  SCENARIO_ORDER+=("$1")
  SCENARIO_FUNC[$1]=$2
  SCENARIO_DOC[$1]=$3
}

register_stub() {
  SCENARIO_ORDER+=("$1")
  SCENARIO_FUNC[$1]=""
  SCENARIO_DOC[$1]=$2
}

# ---------------------------------------------------------------------------------------
# checks and reporting

say() { printf '  [%s] %s\n' "${SCENARIO:-?}" "$*" >&2; }
fail() { say "FAILED CHECK: $*"; exit 1; }
# measure LABEL SECONDS: one greppable line per figure ("TIME plain sbatch-to-start 1.02s").
# shellcheck disable=SC2153  # STATE comes from lib/cluster.sh
measure() { printf 'TIME %s %s %ss\n' "${SCENARIO:-?}" "$1" "$2" | tee -a "$STATE/times" >&2; }

expect_eq() {
  local what=$1 want=$2 got=$3
  [[ $got == "$want" ]] || fail "$what: expected '$want', got '$got'"
}

# ---------------------------------------------------------------------------------------
# jobs

# job_script NAME: reads a job script from stdin into the jobs directory (readable by the
# test user); prints its path.
job_script() {
  local path=$STATE/jobs/$1.sh
  cat >"$path"
  chmod 0755 "$path"
  printf '%s' "$path"
}

# submit SBATCH-ARGS...: sbatch as the test user from the jobs directory; prints the job id.
submit() {
  local out id
  out=$(cluster_as_user sbatch --parsable --chdir="$STATE/jobs" "$@" 2>&1) ||
    fail "sbatch $*: exit $?: $out"
  id=${out%%;*}
  [[ $id =~ ^[0-9]+$ ]] || fail "sbatch $*: no job id in: $out"
  printf '%s' "$id"
}

# job_field JOB FIELD: one field of `scontrol show job -o` (e.g. JobState, Reason, NodeList).
job_field() {
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# wait_job JOB SECONDS: waits until the job has ended; prints its final state.
# A job that a failed prolog requeued and held also counts as ended (state PENDING, held).
wait_job() {
  local job=$1 limit=$2 state reason deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    state=$(job_field "$job" JobState)
    case $state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | PREEMPTED | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
        printf '%s' "$state"
        return 0
        ;;
      PENDING)
        reason=$(job_field "$job" Reason)
        if [[ $reason == *held* || $reason == *Held* ]]; then
          printf '%s(%s)' "$state" "$reason"
          return 0
        fi
        ;;
    esac
    sleep 0.1
  done
  fail "timed out after ${limit}s waiting for job $job to end (state ${state:-unknown})"
}

# wait_file PATH SECONDS: the job's own marker (written on the shared file system).
wait_file() {
  wait_for "$2" "file $1" test -s "$1" || fail "no $1 after $2s"
}

# nodes_all_idle: every node idle (the state a scenario must leave the cluster in).
nodes_all_idle() {
  local n
  n=$(cat "$STATE/nodes.count")
  nodes_idle "$n"
}

# node_snapshot NODE: what a job must leave untouched on a node: links and domains.
node_snapshot() {
  cluster_exec "$1" ip -br link | awk '{ print $1 }' | sort
  cluster_exec "$1" virsh -q -c qemu:///system list --all --name | sed '/^$/d'
}
