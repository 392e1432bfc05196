#!/usr/bin/env bash
# The benchmark of the hooks (issue 7, docs/bench.md): one command, as root, that prints the
# tables of docs/bench.md and the goals MET / NOT MET.
#
#   tests/bench/run.sh [--runs N] [--vms "1 2 4"] [--no-cluster] [--no-jmh] [--no-fabric]
#
#   1. whole processes (hyperfine): a job without a request (the bin wrapper alone), the JVM start
#      of `vcluster --version` and of the hook's --help with the AppCDS archive, with only the
#      JDK's own CDS archive, and with class data sharing off;
#   2. the scale study: JMH (mvn -Pbench) for what a node of a 16- to 1,024-node job computes
#      alone, and tests/bench/fabric.sh against namespaces for 15 to 1,023 peers;
#   3. the hooks on a one-node end-to-end cluster (tests/bench/hooks.sh, under the machine-wide
#      e2e lock for its whole run, cluster down and leak check at the end): the product's prolog
#      and epilog by phase, the bash baseline, a raw QEMU boot, N runs interleaved.
# The machine is shared: every figure is a median with its range; ratios are taken run by run.
# Raw figures and logs stay in tests/bench/work/<time>/ (report.md is the printed report).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly REPO
readonly BENCH="$REPO/tests/bench"
RUNS=3 SIZES="1 2 4" CLUSTER=1 JMH=1 FABRIC=1
OUT="" NOJSA=""

usage() { echo "usage: tests/bench/run.sh [--runs N] [--vms \"1 2 4\"] [--no-cluster] [--no-jmh] [--no-fabric]"; }

parse_args() {
  while (($#)); do
    case $1 in
      --runs) RUNS=${2:?}; shift 2 ;;
      --vms) SIZES=${2:?}; shift 2 ;;
      --no-cluster) CLUSTER=0; shift ;;
      --no-jmh) JMH=0; shift ;;
      --no-fabric) FABRIC=0; shift ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
  done
  [[ $RUNS =~ ^[1-9][0-9]?$ && $SIZES =~ ^[1-4]( [1-4])*$ ]] || { usage >&2; exit 2; }
}

say() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

cleanup() {
  [[ -z $NOJSA ]] || rm -rf "$NOJSA"
}

build() {
  if [[ -n ${VC_DIST:-} ]]; then
    [[ -x $VC_DIST/bin/vcluster-prolog ]] || { echo "VC_DIST=$VC_DIST has no bin/vcluster-prolog" >&2; exit 2; }
    return
  fi
  say "building the product (mvn package -DskipTests)"
  (cd "$REPO" && mvn -B -q -ntp package -DskipTests) >&2
  VC_DIST=$REPO/dist/target/vcluster
  export VC_DIST
}

# hyperfine NAME RUNS COMMAND: one JSON per figure in $OUT/local/
measure() {
  local name=$1 runs=$2
  shift 2
  hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$OUT/local/$name.json" "$@" >/dev/null 2>&1
}

whole_processes() {
  say "whole processes (hyperfine)"
  mkdir -p "$OUT/local"
  # the distribution without its AppCDS archive: the JDK's default CDS archive only
  NOJSA=$(mktemp -d /tmp/vcbench-nojsa.XXXXXX)
  cp -a "$VC_DIST" "$NOJSA/vcluster"
  rm -f "$NOJSA/vcluster/lib/vcluster.jsa"
  measure no-request 300 "env -i $VC_DIST/bin/vcluster-prolog"
  measure "vcluster --version, AppCDS" 15 "$VC_DIST/bin/vcluster --version"
  measure "vcluster --version, JDK CDS only" 15 "$NOJSA/vcluster/bin/vcluster --version"
  measure "vcluster --version, CDS off" 15 "env VC_JAVA_EXTRA_OPTS=-Xshare:off $VC_DIST/bin/vcluster --version"
  measure "vcluster-prolog --help, AppCDS" 15 "$VC_DIST/bin/vcluster-prolog --help"
  measure "vcluster-prolog --help, JDK CDS only" 15 "$NOJSA/vcluster/bin/vcluster-prolog --help"
  measure "vcluster-prolog --help, CDS off" 15 "env VC_JAVA_EXTRA_OPTS=-Xshare:off $VC_DIST/bin/vcluster-prolog --help"
}

scale_jmh() {
  say "JMH: plan, network spec and host keys for 16-1,024 nodes (mvn -Pbench, ~2 min)"
  (cd "$REPO" && mvn -B -q -ntp -Pbench -pl core test-compile exec:exec@jmh -Dsurefire.skip=true) \
    >"$OUT/jmh.log" 2>&1
  sed -n '/^Benchmark /,$p' "$OUT/jmh.log" >"$OUT/jmh.txt"
}

scale_fabric() {
  say "fabric set-up against 15-1,023 peers (tests/bench/fabric.sh)"
  "$BENCH/fabric.sh" 5 15 63 255 1023 >"$OUT/fabric.txt"
}

hooks() {
  say "the hooks on a one-node e2e cluster: waiting for the e2e lock, then $RUNS run(s) of $SIZES VM(s)"
  flock /tmp/e2e.lock "$BENCH/hooks.sh" "$OUT/results.txt" "$RUNS" "$SIZES" 2>"$OUT/hooks.log" || {
    tail -n 30 "$OUT/hooks.log" >&2
    return 1
  }
}

main() {
  parse_args "$@"
  [[ $(id -u) -eq 0 ]] || { echo "run.sh: needs root (namespaces, libvirtd, bridges)" >&2; exit 2; }
  local tool
  for tool in hyperfine jq python3 flock; do
    command -v "$tool" >/dev/null || { echo "run.sh: needs $tool (apt-get install $tool)" >&2; exit 2; }
  done
  trap cleanup EXIT
  OUT=$BENCH/work/$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p "$OUT"
  build
  whole_processes
  ((FABRIC == 0)) || scale_fabric
  ((JMH == 0)) || scale_jmh
  ((CLUSTER == 0)) || hooks
  python3 "$BENCH/summary.py" "$OUT/results.txt" "$OUT/local" "$OUT/fabric.txt" "$OUT/jmh.txt" | tee "$OUT/report.md"
  say "raw figures and logs: $OUT"
}

main "$@"
