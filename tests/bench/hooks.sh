#!/bin/bash
# The hooks' part of the benchmark (tests/bench/run.sh runs it under the e2e lock): on a one-node
# end-to-end cluster (tests/e2e/lib/cluster.sh, real libvirtd + QEMU/TCG in the node), for each
# size of 1, 2, 4 VMs and each run, interleaved (A B C, A B C, ...):
#   A  the product's prolog and epilog, as slurmd runs them (same environment, no arguments),
#   B  the bash baseline (baseline/prolog.sh, epilog.sh) with the same plan and the same domain XML,
#   C  a raw QEMU boot of the same appliance (tests/e2e/appliance/boot-raw.sh --net bridge).
# Every hook runs in the node; the raw boot on the machine in a namespace of its own.
#
# usage: hooks.sh OUT RUNS "SIZES"   (VC_DIST: the product's distribution)
# Writes one "KIND VMS RUN METRIC SECONDS" line per figure to OUT; brings the cluster up and always
# takes it down (trap), then checks it left nothing.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_DIR=$(cd "$BENCH_DIR/../e2e" && pwd)
# shellcheck source=tests/e2e/lib/cluster.sh
source "$E2E_DIR/lib/cluster.sh"
# shellcheck source=tests/e2e/lib/product.sh
source "$E2E_DIR/lib/product.sh"
# shellcheck source=tests/bench/hook-env.sh
source "$BENCH_DIR/hook-env.sh"

readonly NODE=vnode1
OUT=$1 RUNS=$2 SIZES=$3
WORK=""
JOB=""

say() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
record() { printf '%s %s %s %s %s\n' "$@" >>"$OUT"; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# hook_env JOB VMS CONTEXT: the environment slurmd gives the hooks (hook-env.sh)
hook_env() { bench_hook_env "$1" "$2" "$3" "$WORK"; }

# in_node_hook JOB VMS CONTEXT PROGRAM [ARGS...]: PROGRAM in the node with exactly that environment
in_node_hook() {
  local job=$1 vms=$2 context=$3
  shift 3
  local -a env
  mapfile -t env < <(hook_env "$job" "$vms" "$context")
  cluster_exec "$NODE" env -i "${env[@]}" "$@"
}

# phases FILE: "name seconds", one a line, from the outcome line (docs/hooks.md, "The outcome
# line") of the hook whose stderr is FILE; fails when the hook did not end ok
phases() {
  grep -h '^{' "$1" | tail -n 1 |
    jq -r 'if .outcome == "ok" then .phases | to_entries[] | "\(.key) \(.value / 1000)" else error("outcome \(.outcome): \(.error.message)") end'
}

nothing_left() {
  local job=$1 what
  what=$(cluster_exec "$NODE" sh -c "virsh -q -c qemu:///system list --all --name | grep '^vc$job-' ; ip -br link | grep -e '^vcbr' -e '^vcvx' -e '^vt'; ls /var/lib/vcluster/jobs/$job 2>/dev/null" || true)
  [[ -z $what ]] || { say "LEFT after job $job: $what"; return 1; }
}

product() {
  local vms=$1 run=$2 job=$3 t wall name
  local log=$WORK/logs/product-$job
  in_node_hook "$job" "$vms" prolog_slurmd "$VC_DIST/bin/vcluster-prolog" --dry-run >"$WORK/plan-$job.json"
  t=$(now)
  in_node_hook "$job" "$vms" prolog_slurmd "$VC_DIST/bin/vcluster-prolog" 2>"$log.prolog"
  wall=$(seconds_since "$t")
  record product "$vms" "$run" prolog "$wall"
  while read -r name t; do record product "$vms" "$run" "prolog:$name" "$t"; done < <(phases "$log.prolog")
  # the domain XML the product rendered, for the baseline (same job id, so the same names)
  mkdir -p "$WORK/xml-$job"
  for name in $(jq -r '.nodes[0].vms[].name' "$WORK/plan-$job.json"); do
    cluster_exec "$NODE" cat "/var/lib/vcluster/jobs/$job/$NODE/$name.xml" >"$WORK/xml-$job/$name.xml"
  done
  t=$(now)
  in_node_hook "$job" "$vms" epilog_slurmd "$VC_DIST/bin/vcluster-epilog" 2>"$log.epilog"
  wall=$(seconds_since "$t")
  record product "$vms" "$run" epilog "$wall"
  while read -r name t; do record product "$vms" "$run" "epilog:$name" "$t"; done < <(phases "$log.epilog")
  nothing_left "$job"
  say "product, $vms VM(s): $(phases "$log.prolog" | paste -sd ' '); epilog ${wall}s"
}

baseline() {
  local vms=$1 run=$2 job=$3 t wall name underlay
  local log=$WORK/logs/baseline-$job
  underlay=$(cluster_exec "$NODE" ip -4 -o address show dev eth0 | awk '{ sub("/.*", "", $4); print $4; exit }')
  t=$(now)
  cluster_exec "$NODE" "$BENCH_DIR/baseline/prolog.sh" "$WORK/plan-$job.json" "$WORK/xml-$job" "$underlay" \
    "$WORK/keys-$job" >"$log.prolog"
  wall=$(seconds_since "$t")
  record baseline "$vms" "$run" prolog "$wall"
  while read -r _ name t; do record baseline "$vms" "$run" "prolog:$name" "$t"; done <"$log.prolog"
  t=$(now)
  cluster_exec "$NODE" "$BENCH_DIR/baseline/epilog.sh" "$WORK/plan-$job.json" "$WORK/keys-$job" >"$log.epilog"
  wall=$(seconds_since "$t")
  record baseline "$vms" "$run" epilog "$wall"
  while read -r _ name t; do record baseline "$vms" "$run" "epilog:$name" "$t"; done <"$log.epilog"
  nothing_left "$job"
  say "baseline, $vms VM(s): prolog $(awk '{ printf "%s %s, ", $2, $3 }' "$log.prolog")epilog ${wall}s"
}

raw_qemu() {
  local vms=$1 run=$2 line
  line=$("$E2E_DIR/appliance/boot-raw.sh" --count "$vms" --vcpus 1 --mem 384 --net bridge --timeout 150 |
    grep '^all .* ready:')
  record raw "$vms" "$run" ready "$(sed -n 's/.*VC-READY max \([0-9.]*\) s.*/\1/p' <<<"$line")"
  say "raw QEMU, $vms VM(s): $line"
}

finish() {
  local rc=$?
  trap - EXIT
  cluster_down || rc=1
  if ! cluster_leaks; then
    say "the cluster left something behind"
    rc=1
  fi
  [[ -z $WORK ]] || rm -rf "$WORK/xml-"* "$WORK/keys-"*
  exit "$rc"
}

main() {
  [[ -n ${VC_DIST:-} ]] || { echo "hooks.sh: VC_DIST must name the product's distribution" >&2; exit 2; }
  trap finish EXIT
  product_prepare
  cluster_down
  cluster_up --nodes 1
  product_configure
  WORK=$E2E_WORK/bench
  rm -rf "$WORK"
  mkdir -p "$WORK/logs" "$WORK/jobs"
  chown "$VC_E2E_USER" "$WORK/jobs"
  local run vms
  for ((run = 1; run <= RUNS; run++)); do
    for vms in $SIZES; do
      JOB=$(bench_job "$vms" "$WORK")
      product "$vms" "$run" "$JOB"
      bench_job_done "$JOB"
      baseline "$vms" "$run" "$JOB"
      raw_qemu "$vms" "$run"
    done
  done
}

main
