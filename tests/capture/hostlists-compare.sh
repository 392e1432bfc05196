#!/usr/bin/env bash
# Differential check of Hostlist against the real scontrol: generates random (seeded) hostlist
# expressions, valid and invalid, expands each with both, and prints any difference. The captured
# table (hostlists.sh) pins chosen cases; this one looks for cases nobody thought of.
#
# Usage: tests/capture/hostlists-compare.sh [count] [seed]   (after: mvn -B -q -pl core compile)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly ROOT
readonly COUNT="${1:-300}"
readonly SEED="${2:-7}"
TMP_DIR=""

cleanup() {
  if [[ -n "$TMP_DIR" ]]; then
    rm -rf "$TMP_DIR"
  fi
}

# Random expressions: names, bracket groups with ranges (some reversed, some zero-padded),
# several groups per name, suffixes after the last bracket, plain names.
generate() {
  python3 - "$COUNT" "$SEED" <<'PY'
import random, sys
count, seed = int(sys.argv[1]), int(sys.argv[2])
random.seed(seed)
prefixes = ['n', 'rack', 'a.b', 'x-', 'gpu0', 'n1']
def one_range():
    lo = random.randint(0, 120)
    hi = lo + random.randint(-2, 6)
    width = random.choice([0, 0, 2, 3])
    fmt = lambda v: str(v).zfill(width) if v >= 0 else str(v)
    return fmt(lo) if random.random() < 0.3 else fmt(lo) + '-' + fmt(hi)
def group():
    return '[' + ','.join(one_range() for _ in range(random.randint(1, 3))) + ']'
def name():
    t = random.choice(prefixes) + group()
    if random.random() < 0.3:
        t += random.choice(['-', 'x', '']) + group()
    if random.random() < 0.15:
        t += '-ib'
    if random.random() < 0.2:
        t = random.choice(prefixes) + str(random.randint(0, 99))
    return t
for _ in range(count):
    print(','.join(name() for _ in range(random.randint(1, 3))))
PY
}

# Same output format as hostlists.sh: EXPR<TAB>names or EXPR<TAB>ERROR.
with_scontrol() {
  local expr out
  while IFS= read -r expr; do
    out="$(scontrol show hostnames "$expr" 2>"$TMP_DIR/err" | tr '\n' ' ')" || true
    if grep -q 'Invalid hostlist' "$TMP_DIR/err"; then
      printf '%s\tERROR\n' "$expr"
    else
      printf '%s\t%s\n' "$expr" "${out% }"
    fi
  done
}

main() {
  TMP_DIR="$(mktemp -d)"
  trap cleanup EXIT
  printf 'ClusterName=compare\nSlurmctldHost=localhost\nNodeName=localhost CPUs=1\n' >"$TMP_DIR/slurm.conf"
  export SLURM_CONF="$TMP_DIR/slurm.conf"
  generate >"$TMP_DIR/expressions"
  with_scontrol <"$TMP_DIR/expressions" >"$TMP_DIR/scontrol.tsv"
  java -cp "$ROOT/core/target/classes" "$ROOT/tests/capture/HostlistExpand.java" \
    <"$TMP_DIR/expressions" >"$TMP_DIR/hostlist.tsv"
  local errors differences
  errors="$(grep -c $'\tERROR$' "$TMP_DIR/scontrol.tsv" || true)"
  if diff "$TMP_DIR/scontrol.tsv" "$TMP_DIR/hostlist.tsv"; then
    differences=0
  else
    differences=1
  fi
  echo "$COUNT expressions (seed $SEED, $errors refused by scontrol): $([[ $differences == 0 ]] && echo 'no difference' || echo 'DIFFERENCES above')"
  return "$differences"
}

main "$@"
