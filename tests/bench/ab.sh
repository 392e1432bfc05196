#!/bin/bash
# Interleaved A/B of the hooks: builds of the product (or one build with other JVM options) on a
# one-node end-to-end cluster (real libvirtd + QEMU/TCG in the node, tests/e2e/lib/cluster.sh).
# Each round runs a job's prolog and epilog once per variant, in turn, so that a busy minute of
# this shared machine hits every variant alike; the first round is a warm-up and is dropped.
# For a change of 10-30 ms, which run.sh's seven runs cannot tell from the noise.
#
# usage: tests/bench/ab.sh [--runs N] [--vms N] VARIANT...     (as root; takes /tmp/e2e.lock)
#   VARIANT   DIST[::JAVA_OPTS]: a distribution folder (dist/target/vcluster of a build) and,
#             after "::", options given to its JVM through VC_JAVA_EXTRA_OPTS
# e.g.  git worktree add /tmp/before HEAD~2 && (cd /tmp/before && mvn -q -o package -DskipTests)
#       tests/bench/ab.sh --runs 12 /tmp/before/dist/target/vcluster dist/target/vcluster
#
# Prints, per variant, medians of: the prolog's overhead (process time minus the wait for the
# guests), that overhead less libvirt's start (the part the product's code decides), the
# prolog's CPU (user + system, /usr/bin/time) and the epilog's process time.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_DIR=$(cd "$BENCH_DIR/../e2e" && pwd)
RUNS=10 VMS=1
usage() { echo "usage: tests/bench/ab.sh [--runs N] [--vms N] DIST[::JAVA_OPTS]..."; }
while (($#)); do
  case $1 in
    --runs) RUNS=${2:?}; shift 2 ;;
    --vms) VMS=${2:?}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ $RUNS =~ ^[2-9]$|^[1-9][0-9]$ && $VMS =~ ^[1-4]$ && $# -ge 1 ]] || { usage >&2; exit 2; }
VARIANTS=()
for v in "$@"; do
  d=${v%%::*}
  [[ -x $d/bin/vcluster-prolog ]] || { echo "ab.sh: $d has no bin/vcluster-prolog" >&2; exit 2; }
  d=$(cd "$d" && pwd) # the hooks run in the node, which need not share this folder
  VARIANTS+=("$d${v#"${v%%::*}"}")
done
set -- "${VARIANTS[@]}"
# one cluster at a time on this machine; the cluster's daemons die with it before the lock goes
[[ -n ${VC_AB_LOCKED:-} ]] || exec env VC_AB_LOCKED=1 flock /tmp/e2e.lock "$0" --runs "$RUNS" --vms "$VMS" "$@"

# shellcheck source=tests/e2e/lib/cluster.sh
source "$E2E_DIR/lib/cluster.sh"
# shellcheck source=tests/e2e/lib/product.sh
source "$E2E_DIR/lib/product.sh"
# shellcheck source=tests/bench/hook-env.sh
source "$BENCH_DIR/hook-env.sh"
readonly NODE=vnode1
WORK="" JOB=""

say() { printf '[ab %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# hook_env JOB CONTEXT JAVA_OPTS: the environment slurmd gives the hooks (hook-env.sh), and the options
hook_env() {
  bench_hook_env "$1" "$VMS" "$2" "$WORK"
  echo "VC_JAVA_EXTRA_OPTS=$3"
}

# one_job INDEX VARIANT: a prolog and an epilog; one "index wall ready start cpu epilog" line
one_job() {
  local i=$1 dist=${2%%::*} opts="" t wall epi ready start cpu
  [[ $2 == *::* ]] && opts=${2#*::}
  JOB=$(bench_job "$VMS" "$WORK")
  local -a env
  mapfile -t env < <(hook_env "$JOB" prolog_slurmd "$opts")
  t=$(now)
  cluster_exec "$NODE" env -i "${env[@]}" /usr/bin/time -f '%U %S' -o "$WORK/cpu" \
    "$dist/bin/vcluster-prolog" 2>"$WORK/prolog.log" || { cat "$WORK/prolog.log" >&2; return 1; }
  wall=$(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
  # the prolog's outcome line (docs/hooks.md, "The outcome line"); a build from before it had its
  # phases only in the prose of its "prolog done:" line
  if grep -q '^{' "$WORK/prolog.log"; then
    ready=$(grep -h '^{' "$WORK/prolog.log" | tail -n 1 | jq -r '.phases.ready / 1000')
    start=$(grep -h '^{' "$WORK/prolog.log" | tail -n 1 | jq -r '.phases.start / 1000')
  else
    ready=$(sed -n 's/.*prolog done: .* ready \([0-9.]*\)s.*/\1/p' "$WORK/prolog.log")
    start=$(sed -n 's/.*prolog done: .* start \([0-9.]*\)s.*/\1/p' "$WORK/prolog.log")
  fi
  cpu=$(awk '{ printf "%.3f", $1 + $2 }' "$WORK/cpu")
  mapfile -t env < <(hook_env "$JOB" epilog_slurmd "$opts")
  t=$(now)
  cluster_exec "$NODE" env -i "${env[@]}" "$dist/bin/vcluster-epilog" 2>"$WORK/epilog.log" \
    || { cat "$WORK/epilog.log" >&2; return 1; }
  epi=$(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
  bench_job_done "$JOB"
  echo "$i $wall $ready $start $cpu $epi" >>"$WORK/results"
}

finish() {
  local rc=$?
  trap - EXIT
  cluster_down || rc=1
  cluster_leaks || { say "the cluster left something behind"; rc=1; }
  exit "$rc"
}

trap finish EXIT
export VC_DIST=${VARIANTS[0]%%::*} # the cluster's SPANK plugin and task prolog come from the first
product_prepare
cluster_down
cluster_up --nodes 1
product_configure
WORK=$E2E_WORK/ab
rm -rf "$WORK"
mkdir -p "$WORK/jobs"
chown "$VC_E2E_USER" "$WORK/jobs"
for ((run = 1; run <= RUNS; run++)); do
  for i in "${!VARIANTS[@]}"; do
    one_job "$i" "${VARIANTS[$i]}"
  done
  say "round $run of $RUNS done"
done
python3 - "$WORK/results" "${VARIANTS[@]}" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
print(f"| variant | prolog overhead | overhead less libvirt's start | prolog CPU | epilog |")
print("|---|---:|---:|---:|---:|")
for i, name in enumerate(sys.argv[2:]):
    mine = [[float(x) for x in r[1:]] for r in rows if int(r[0]) == i][1:]  # round 1: warm-up
    med = lambda f: statistics.median(f(r) for r in mine)
    print(f"| {name} | {med(lambda r: r[0] - r[1]):.3f} s | {med(lambda r: r[0] - r[1] - r[2]):.3f} s"
          f" | {med(lambda r: r[3]):.2f} s | {med(lambda r: r[4]):.3f} s |")
print(f"medians of {len(rows) // len(sys.argv[2:]) - 1} rounds, {sys.argv[1]}")
EOF
