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
# measure LABEL SECONDS: one greppable line per figure ("TIME plain sbatch-to-start 1.02s");
# a value that already ends in "s" (the prolog's phase line) gets no second one.
# shellcheck disable=SC2153  # STATE comes from lib/cluster.sh
measure() { printf 'TIME %s %s %ss\n' "${SCENARIO:-?}" "$1" "${2%s}" | tee -a "$STATE/times" >&2; }

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

# ---------------------------------------------------------------------------------------
# the product's traces on a node (the vc scenarios)

# vc_outcome NODE JOB HOOK [JQ-FILTER]: the last outcome line (docs/hooks.md, "The outcome line")
# that HOOK (prolog, epilog) wrote for JOB on NODE, through jq's JQ-FILTER (without one: the line
# as it is); nothing when it wrote none (killed, or never run). The log's other lines begin with
# their time, so the outcome lines are those that begin with "{".
vc_outcome() {
  local line
  line=$(cluster_exec "$1" sh -c "grep -h '^{' /var/lib/vcluster/logs/$2.log 2>/dev/null || true" |
    jq -c --arg hook "$3" 'select(.hook == $hook)' | tail -n 1)
  if [[ -z $line || -z ${4:-} ]]; then printf '%s' "$line"; else jq -r "$4" <<<"$line"; fi
}

# vc_vni NODE JOB: the job's VNI as the product's log on NODE recorded it (the log outlives
# the job, the report does not).
vc_vni() {
  cluster_exec "$1" sh -c "grep -ho 'VNI [0-9,]*' /var/lib/vcluster/logs/$2.log 2>/dev/null | head -n 1 | cut -d' ' -f2 | tr -d ,"
}

# vc_node_left NODE: anything of any vc job still on NODE, one line each: domains vc*, links
# vcbr*/vcvx*/vt*, nftables tables vc*, job state folders. For scenarios that run when no
# other vc job does: whatever is there is a leftover.
vc_node_left() {
  # shellcheck disable=SC2016  # expanded by the node's sh
  cluster_exec "$1" sh -c '
    virsh -q -c qemu:///system list --all --name | grep "^vc" | sed "s/^/domain /"
    ip -o link | awk -F": " "{ print \$2 }" | sed "s/@.*//" | grep -E "^(vcbr|vcvx|vt)[0-9]" | sed "s/^/link /"
    nft list tables | grep -E " vc[0-9]+\$" | sed "s/^/nftables /"
    ls -A /var/lib/vcluster/jobs 2>/dev/null | sed "s#^#state folder /var/lib/vcluster/jobs/#"
    ls -A /run/vcluster/jobs 2>/dev/null | sed "s#^#job folder /run/vcluster/jobs/#"
    true'
}

vc_node_clean() { [[ -z $(vc_node_left "$1") ]]; }

# vc_all_clean: nothing of any vc job on any node.
vc_all_clean() {
  local node
  for node in $(node_names); do vc_node_clean "$node" || return 1; done
}

# expect_all_clean JOB...: nothing of any vc job on any node, and no report folder of JOBs.
expect_all_clean() {
  local node job
  for node in $(node_names); do
    expect_eq "vc leftovers on $node" "" "$(vc_node_left "$node")"
  done
  for job in "$@"; do
    [[ ! -e $STATE/jobs/vcluster-$job ]] || fail "the report folder of job $job is still there: $(ls -A "$STATE/jobs/vcluster-$job")"
  done
}

# expect_refused_job JOB EXPECTED: JOB asked for a virtual cluster in words the prolog refused
# (the user's mistake: a typo, beyond the allocation). A Slurm prolog then exits 0, so the job
# runs without VMs and no node drains (docs/hooks.md, "Exit codes"). Checks: the job COMPLETED;
# each of its nodes is back to idle with no drain reason; the ERROR the job read as its user (its
# script cats it into its output, $STATE/jobs/refused-JOB.out) says EXPECTED; the batch host's
# prolog logged one error line for the job, and no stack trace; every node's prolog outcome is the
# user's error (the request, exit 0); nothing of any vc job is left anywhere.
expect_refused_job() {
  local job=$1 expected=$2 state node nodes batch out log
  state=$(wait_job "$job" 120)
  expect_eq "job $job state (its prolog refused the request and exited 0)" COMPLETED "$state"
  nodes=$(job_field "$job" NodeList | xargs scontrol show hostnames)
  batch=${nodes%%$'\n'*}
  wait_for 60 "every node idle after job $job" nodes_all_idle ||
    fail "nodes not idle after job $job: $(sinfo -h -N -o '%N %T %E' | paste -sd ';')"
  for node in $nodes; do
    expect_eq "state of $node after job $job" idle "$(sinfo -h -n "$node" -o '%T' | tr -d '*~#')"
    expect_eq "drain reason of $node after job $job" none "$(sinfo -h -n "$node" -o '%E')"
  done
  out=$(cat "$STATE/jobs/refused-$job.out" 2>/dev/null)
  say "job $job read its ERROR: $out"
  [[ $out == *"$expected"* ]] || fail "the ERROR job $job read does not say '$expected': $out"
  log=$(cluster_exec "$batch" cat "/var/lib/vcluster/logs/$job.log")
  say "log of job $job on $batch: $log"
  # the prolog's part (the epilog may add its own lines): one error line, no stack trace (the job's
  # record from the controller may add one line of information before it)
  expect_eq "prolog error lines in the log of job $job on $batch" 1 \
    "$(grep -cE ' vcluster-prolog\[[^]]*\] [^ ]+ ERROR: ' <<<"$log")"
  (( $(grep -c ' vcluster-prolog\[' <<<"$log") <= 2 )) || fail "more than 2 prolog lines for job $job: $log"
  for node in $nodes; do
    expect_eq "the prolog's outcome on $node for job $job" "user-error request 0" \
      "$(vc_outcome "$node" "$job" prolog '"\(.outcome) \(.error.code) \(.exit)"')"
  done
  if grep -qE '^[[:space:]]+at |Exception in thread' <<<"$log"; then fail "a stack trace in the log of job $job"; fi
  wait_for 60 "nothing of job $job left on any node" vc_all_clean || true
  for node in $(node_names); do
    expect_eq "vc leftovers on $node after job $job" "" "$(vc_node_left "$node")"
  done
}

# refused_job_script: what a refused job runs: it reads, as its user, the ERROR the prolog wrote
# (where the report goes: VC_DIR when the TaskProlog sets it, else vcluster-JOB in its folder).
refused_job_script() {
  printf '%s' 'cat "${VC_DIR:-$PWD/vcluster-$SLURM_JOB_ID}/ERROR"'
}

# epilog_seconds NODE JOB: the epilog's whole time on NODE: from slurmd starting it (the
# harness's hook wrapper records the environment first: that file's time) to the time of the
# epilog's outcome line, its last (JVM start-up and the domains' removal included).
epilog_seconds() {
  local start last
  start=$(epilog_started "$1" "$2")
  last=$(vc_outcome "$1" "$2" epilog .time)
  [[ -n $last && -n $start ]] || { printf 'n/a'; return 0; }
  secs_between "$start" "$(date -d "$last" +%s.%N)"
}

# epilog_started NODE JOB: when slurmd started the epilog of JOB on NODE (epoch seconds), or
# nothing. scontrol shows a job COMPLETING until its epilogs end, so this is the moment it stopped.
epilog_started() {
  local env=$STATE/hook-env/epilog-$2-$1.env
  if [[ -f $env ]]; then stat -c %.9Y "$env"; fi
}

# secs_between T0 T1: T1 - T0 in seconds, two decimals.
secs_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# A scenario that changes nodes' site.yaml (a broken image, a fault point, a short timeout) keeps
# the originals first and gets them back whatever happens: site_edit_begin NODE... saves each
# node's /etc/vcluster/site.yaml and sets an EXIT trap; site_edit_job JOB names the job to cancel
# if the scenario leaves early; site_edit_reset NODE starts NODE over from its saved copy;
# site_edit_end cancels that job, restores every file, resumes the nodes and clears the trap.
# (Globals, because the trap runs when the scenario function's locals are gone.)
SITE_EDIT_NODES=() SITE_EDIT_JOB=
site_edit_begin() {
  local node
  SITE_EDIT_NODES=("$@") SITE_EDIT_JOB=
  for node in "$@"; do cluster_exec "$node" cp -p /etc/vcluster/site.yaml /etc/vcluster/site.yaml.e2e-saved; done
  trap site_edit_end EXIT
}
site_edit_job() { SITE_EDIT_JOB=$1; }
site_edit_reset() { cluster_exec "$1" cp -p /etc/vcluster/site.yaml.e2e-saved /etc/vcluster/site.yaml; }
# shellcheck disable=SC2317  # also run by the trap
site_edit_end() {
  local node
  if [[ -n $SITE_EDIT_JOB ]]; then scancel "$SITE_EDIT_JOB" 2>/dev/null || true; fi
  for node in "${SITE_EDIT_NODES[@]}"; do
    cluster_exec "$node" sh -c 'if [ -f /etc/vcluster/site.yaml.e2e-saved ]; then mv -f /etc/vcluster/site.yaml.e2e-saved /etc/vcluster/site.yaml; fi' || true
    # a node the scenario drained returns to service; an idle one refuses "resume", which is fine
    scontrol update nodename="$node" state=resume 2>/dev/null || true
  done
  SITE_EDIT_NODES=() SITE_EDIT_JOB=
  trap - EXIT
}

# checkpoint_verifies DIR: every file DIR's manifest.json names has the size and CRC-32C it says
# (rhash computes CRC-32C as the product does, independently of it).
checkpoint_verifies() {
  local name size crc
  while read -r name size crc; do
    [[ $(stat -c %s "$1/$name") == "$size" && $(rhash --printf='%{crc32c}' "$1/$name") == "$crc" ]] || return 1
  done < <(jq -r '.files[] | "\(.name) \(.size) \(.crc32c)"' "$1/manifest.json")
}
