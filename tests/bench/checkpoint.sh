#!/usr/bin/env bash
# Checkpoint and restore of a VM against a fresh boot of the same image, in one run (docs/bench.md,
# "Checkpoint and restore"): runs the end-to-end scenario `checkpoint` (tests/e2e/scenarios/
# 67-checkpoint.sh: a 1-node job checkpointed by its epilog at requeue, restored by its prolog) on a
# 1-node e2e cluster, and prints its figures: the checkpoint's time and size per VM, the prolog's
# start+ready when booting (first run) and when restoring (second run), and their ratio. The
# machine is shared: only the ratio, measured in one run, means anything.
#
# Usage (root, from the repository): tests/bench/checkpoint.sh
#   with VC_DEB_DIR (the built packages, default dist/target) and VC_APPLIANCE as for tests/e2e/run.sh;
#   takes /tmp/e2e.lock, as every e2e run must.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly REPO
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

cd "$REPO"
if ! flock /tmp/e2e.lock env VC_DEB_DIR="${VC_DEB_DIR:-$REPO/dist/target}" tests/e2e/run.sh --nodes 1 checkpoint \
  >"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2
  echo "checkpoint.sh: the e2e scenario failed (above)" >&2
  exit 1
fi
figure() { sed -n "s/^TIME checkpoint $1 \([0-9.]*\)s$/\1/p" "$LOG" | tail -n 1; }
ckpt=$(figure checkpoint-per-vm)
boot=$(figure boot-to-ready)
restore=$(figure restore-to-ready)
size=$(sed -n 's/.*checkpoint size per VM: \([0-9]*\) MiB.*/\1/p' "$LOG" | tail -n 1)
printf '| figure | value |\n| --- | --- |\n'
printf '| checkpoint per VM (epilog: pause, copy, save, manifest, verify, swap) | %s s |\n' "$ckpt"
printf '| checkpoint size per VM (memory state + overlay) | %s MiB |\n' "$size"
printf '| fresh boot to ready (prolog start+ready, run 1) | %s s |\n' "$boot"
printf '| restore to ready (prolog checkpoint found and verified + start + ready, run 2) | %s s |\n' "$restore"
printf '| restore / boot | %s |\n' "$(awk -v a="$restore" -v b="$boot" 'BEGIN { printf "%.2f", a / b }')"
