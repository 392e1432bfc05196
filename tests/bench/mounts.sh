#!/bin/bash
# What the shared folders cost a user (issue 19; docs/bench.md, "Host folders"), on a one-node
# end-to-end cluster (real Slurm, libvirtd, QEMU/TCG, virtiofsd in the node; tests/e2e/lib):
#   1. time to ready: rounds of real jobs (1 VM of 1 vCPU, 384 MiB, alone on the node), in turn
#      with the working folder shared (the site's default) and with mounts=none: from sbatch to
#      the first line of the job's script, and the prolog's time and wait for the guest from its
#      outcome line; the first round is a warm-up and is dropped;
#   2. throughput: one real job (sbatch, 1 VM of 1 vCPU, 1 GiB: with 384 MiB, QEMU/TCG outgrew its
#      memory limit, 640 MiB, at the 4th round and was killed) that stays up while, round after
#      round, a file of MIB MiB in the job's working folder is written (dd conv=fsync) and read
#      back cold (the host's page cache dropped, and the guest's) on the host as the job's user,
#      and through the mount in the VM as the same user.
# Every figure is a median; the ratios are taken round by round (the machine is shared).
#
# usage: tests/bench/mounts.sh [--runs N] [--mib MIB]   (as root; takes /tmp/e2e.lock)
#   VC_DIST: the distribution to run (default: dist/target/vcluster of this tree, built already);
#   VC_APPLIANCE: the test appliance (tests/e2e/cache/appliance)
# Raw figures stay in the e2e work folder, mounts-bench/ (results, logs).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_DIR=$(cd "$BENCH_DIR/../e2e" && pwd)
RUNS=6 MIB=128
usage() { echo "usage: tests/bench/mounts.sh [--runs N] [--mib MIB]"; }
while (($#)); do
  case $1 in
    --runs) RUNS=${2:?}; shift 2 ;;
    --mib) MIB=${2:?}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ $RUNS =~ ^[2-9]$|^[1-9][0-9]$ && $MIB =~ ^[1-9][0-9]{0,2}$ ]] || { usage >&2; exit 2; }
VC_DIST=$(cd "${VC_DIST:-$BENCH_DIR/../../dist/target/vcluster}" && pwd)
[[ -x $VC_DIST/bin/vcluster-prolog ]] || { echo "mounts.sh: $VC_DIST has no bin/vcluster-prolog" >&2; exit 2; }
export VC_DIST
# one cluster at a time on this machine; the cluster's daemons die with it before the lock goes
[[ -n ${VC_BENCH_LOCKED:-} ]] || exec env VC_BENCH_LOCKED=1 flock /tmp/e2e.lock "$0" --runs "$RUNS" --mib "$MIB"

# shellcheck source=tests/e2e/lib/cluster.sh
source "$E2E_DIR/lib/cluster.sh"
# shellcheck source=tests/e2e/lib/product.sh
source "$E2E_DIR/lib/product.sh"
readonly NODE=vnode1
WORK="" JOB="" HELD=""

say() { printf '[mounts-bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# ready_round KIND MORE: a real job asking MORE more of the request, alone on the node; one "kind
# ready prolog wait" line: from sbatch to the first line of its script (what the user feels), the
# prolog's own time and its wait for the guest (its outcome line, docs/hooks.md)
ready_round() {
  local kind=$1 more=$2 t0 job start line
  t0=$(now)
  job=$(cluster_as_user sbatch --parsable -N 1 --nodelist="$NODE" --mem=2G --job-name=ready --chdir="$WORK/jobs" \
    --comment="vc:image=testapp,vms=1,vcpus=1,mem=384M$more" --output="$WORK/jobs/ready-%j.out" \
    --wrap 'date +%s.%N')
  job=${job%%;*}
  HELD=$job
  wait_for 300 "job $job to end" job_gone "$job"
  HELD=""
  start=$(head -n 1 "$WORK/jobs/ready-$job.out" 2>/dev/null || true)
  [[ $start =~ ^[0-9]+\.[0-9]+$ ]] || { say "job $job ($kind) did not run its script: $(sacct -nXj "$job" -o state)"; return 1; }
  line=$(cluster_exec "$NODE" sh -c "grep -h '^{' /var/lib/vcluster/logs/$job.log" | jq -c 'select(.hook == "prolog")' |
    tail -n 1)
  echo "$kind $(awk -v a="$t0" -v b="$start" 'BEGIN { printf "%.3f", b - a }')" \
    "$(jq -r '"\(.ms / 1000) \(.phases.ready / 1000)"' <<<"$line")" >>"$WORK/ready"
}
job_gone() { ! squeue -h -j "$1" 2>/dev/null | grep -q .; }

# as_user CMD...: CMD in the node as the job's user (the batch host: where a job script runs)
as_user() { cluster_exec "$NODE" runuser -u "$VC_E2E_USER" -- "$@"; }
# in_vm [-l root] CMD: CMD in the job's VM, over the job's own ssh configuration, as its user
in_vm() { as_user ssh -o ServerAliveInterval=5 -o ServerAliveCountMax=6 -F "$WORK/jobs/vcluster-$JOB/ssh_config" "$@"; }
vm_answers() { in_vm -o ConnectTimeout=5 "vc$JOB-0" true >/dev/null 2>&1; }
# dd_seconds: the seconds of dd's summary line
dd_seconds() { sed -n 's/.*copied, \([0-9.,]*\) s, .*/\1/p' | tr , . | tail -n 1; }
drop_caches() {
  sync
  echo 3 >/proc/sys/vm/drop_caches
  in_vm -l root "vc$JOB-0" 'sync; echo 3 >/proc/sys/vm/drop_caches'
}

# throughput_round N: the four figures of one round; "hw hr vw vr" seconds
throughput_round() {
  local f=$WORK/jobs/tp.bin hw hr vw vr
  rm -f "$f"
  hw=$(as_user dd if=/dev/zero of="$f" bs=1M count="$MIB" conv=fsync 2>&1 | dd_seconds)
  drop_caches
  hr=$(as_user dd if="$f" of=/dev/null bs=1M 2>&1 | dd_seconds)
  drop_caches
  vr=$(in_vm "vc$JOB-0" "dd if='$f' of=/dev/null bs=1M" 2>&1 | dd_seconds)
  rm -f "$f"
  vw=$(in_vm "vc$JOB-0" "dd if=/dev/zero of='$f' bs=1M count=$MIB conv=fsync" 2>&1 | dd_seconds)
  rm -f "$f"
  [[ -n $hw && -n $hr && -n $vw && -n $vr ]] || { say "a dd gave no figure: '$hw' '$hr' '$vw' '$vr'"; return 1; }
  echo "$hw $hr $vw $vr" >>"$WORK/throughput"
}

finish() {
  local rc=$?
  trap - EXIT
  [[ -z $HELD ]] || scancel "$HELD" 2>/dev/null || true
  [[ -z $JOB ]] || scancel "$JOB" 2>/dev/null || true
  cluster_down || rc=1
  cluster_leaks || { say "the cluster left something behind"; rc=1; }
  exit "$rc"
}

trap finish EXIT
product_prepare
cluster_down
cluster_up --nodes 1
product_configure
WORK=$E2E_WORK/mounts-bench
rm -rf "$WORK"
mkdir -p "$WORK/jobs"
chown "$VC_E2E_USER" "$WORK/jobs"
for ((run = 1; run <= RUNS; run++)); do
  ready_round shared ""
  ready_round none ",mounts=none"
  say "time to ready: round $run of $RUNS done"
done

JOB=$(cluster_as_user sbatch --parsable -N 1 --nodelist="$NODE" --job-name=tp --chdir="$WORK/jobs" \
  --mem=2G --comment="vc:image=testroot,vms=1,vcpus=1,mem=1024M" --output=/dev/null --wrap 'sleep 3600')
JOB=${JOB%%;*}
say "throughput: job $JOB"
# its copy of the ssh configuration is there before the guest is ready: wait for the guest itself
wait_for 300 "job $JOB's ssh configuration in its working folder" test -s "$WORK/jobs/vcluster-$JOB/ssh_config"
wait_for 300 "job $JOB's VM to answer ssh" vm_answers
for ((run = 1; run <= RUNS; run++)); do
  throughput_round
  say "throughput: round $run of $RUNS done"
done
scancel "$JOB"
wait_for 120 "job $JOB to end" job_gone "$JOB"

python3 - "$WORK" "$MIB" <<'PY'
import statistics, sys
work, mib = sys.argv[1], int(sys.argv[2])
rows = [l.split() for l in open(f"{work}/ready")]
def med(xs): return statistics.median(xs)
shared = [[float(x) for x in r[1:]] for r in rows if r[0] == "shared"][1:]  # round 1: warm-up
none = [[float(x) for x in r[1:]] for r in rows if r[0] == "none"][1:]
print("| time to ready, 1 VM | working folder shared | mounts=none | ratio (per round) |")
print("|---|---:|---:|---:|")
for i, what in ((0, "sbatch to the job's first line"), (1, "the prolog"), (2, "of which the wait for the guest")):
    ratios = [s[i] / n[i] for s, n in zip(shared, none)]
    print(f"| {what} | {med([s[i] for s in shared]):.2f} s | {med([n[i] for n in none]):.2f} s"
          f" | {med(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) |")
print(f"medians of {len(shared)} rounds, {work}/ready")
print()
tp = [[float(x) for x in l.split()] for l in open(f"{work}/throughput")]
print(f"| {mib} MiB, dd bs=1M | on the host | through the mount in the VM | VM / host rate (per round) |")
print("|---|---:|---:|---:|")
for name, h, v in (("write, conv=fsync", 0, 2), ("read, caches dropped", 1, 3)):
    ratios = [r[h] / r[v] for r in tp]
    print(f"| {name} | {mib / med([r[h] for r in tp]):.0f} MiB/s | {mib / med([r[v] for r in tp]):.0f} MiB/s"
          f" | {med(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) |")
print(f"medians of {len(tp)} rounds, {work}/throughput")
PY
