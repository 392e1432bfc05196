#!/usr/bin/env bash
# Captures what the real `scontrol show hostnames EXPR` prints for a table of hostlist
# expressions, so that Hostlist's tests compare against Slurm itself rather than our reading of it.
# scontrol needs a slurm.conf to start but no running daemon: we write a minimal one to a temp
# directory and point SLURM_CONF at it (never /etc/slurm, which belongs to the site).
#
# Usage: tests/capture/hostlists.sh [output.tsv]
#   default output: core/src/test/resources/hostlist/scontrol.tsv (relative to the repository root)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly ROOT
readonly OUT="${1:-$ROOT/core/src/test/resources/hostlist/scontrol.tsv}"

# One expression a line. No tabs (the file is tab-separated) and no empty expression.
readonly EXPRESSIONS=(
  'node12'
  'n[1-3]'
  'n[0-0]'
  'n[001-010]'
  'n[01-10]'
  'n[01-3]'
  'n[00-00]'
  'n[0001-3]'
  'n[1-010]'
  'n[9-010]'
  'n[8-11]'
  'n[098-101]'
  'a[1,3-5],b7'
  'n[1-2],m[3-4]'
  'n[1-3,2-4]'
  'n[5,1-2]'
  'n[1,1]'
  'n1,n1,n2'
  'n[1-3,2]'
  'n1[1-2]'
  'rack1-n[1-2]'
  'a.b[1-2]'
  '[1-2]'
  'n[1-2]-[1-2]'
  'n[1-2][3-4]'
  'a[1-3]b[1-2]'
  'n[1-2]-x[3-4]'
  'n[1-2]-[1-2]-[1-2]'
  'a[1-2]b[1-3]c[1-2]d[1-2]'
  'n[1-2]-[1-2],x'
  'n[1-2],,n3'
  'n[1-2],'
  'n1 n2'
  'n[4294967295-4294967296]'
  'a[1-3]-ib'
  'n[1-3]suffix'
  'x[1,2]y'
  'n[1-2]x[3-4]y'
  'n[1-2];m1'
  'n[3-1]'
  'n[a-c]'
  'n[]'
  'n[-2]'
  'n[1--2]'
  'n[1,]'
  'n[,1]'
  'n[1-2,a]'
  'n[1-0x2]'
  'n[[1-2]]'
  'n[1-2]]'
  'n[1-2]-[a-b]'
  'n[1-65537]'
  'n[1-2]-[1-70000]'
)

# Writes a throw-away slurm.conf good enough for scontrol to parse hostlists offline.
write_conf() {
  local dir="$1"
  cat >"$dir/slurm.conf" <<'CONF'
ClusterName=capture
SlurmctldHost=localhost
NodeName=localhost CPUs=1
PartitionName=capture Nodes=localhost
CONF
}

# Prints "EXPR<TAB>names separated by spaces" or "EXPR<TAB>ERROR". scontrol 22.05 exits 0 even for
# an invalid list, so the verdict is read from its "Invalid hostlist" message on stderr.
capture_one() {
  local expr="$1" out err
  err="$(mktemp)"
  out="$(scontrol show hostnames "$expr" 2>"$err" | tr '\n' ' ')" || true
  if grep -q 'Invalid hostlist' "$err"; then
    printf '%s\tERROR\n' "$expr"
  else
    printf '%s\t%s\n' "$expr" "${out% }"
  fi
  rm -f "$err"
}

TMP_DIR=""

cleanup() {
  if [[ -n "$TMP_DIR" ]]; then
    rm -rf "$TMP_DIR"
  fi
  rm -f "$OUT.tmp"
}

main() {
  TMP_DIR="$(mktemp -d)"
  # the temp dir must go even when scontrol or a write fails
  trap cleanup EXIT
  write_conf "$TMP_DIR"
  export SLURM_CONF="$TMP_DIR/slurm.conf"
  local version
  version="$(scontrol --version)"
  {
    printf '# Captured from the real scontrol (%s) on %s.\n' "$version" "$(date -u +%Y-%m-%d)"
    printf '# Command: SLURM_CONF=<minimal slurm.conf> scontrol show hostnames EXPR, one run per line.\n'
    printf '# Regenerate with tests/capture/hostlists.sh. Columns: EXPR<TAB>names (space-separated) or ERROR.\n'
    local e
    for e in "${EXPRESSIONS[@]}"; do
      capture_one "$e"
    done
  } >"$OUT.tmp"
  mv "$OUT.tmp" "$OUT"
  echo "wrote $OUT (${#EXPRESSIONS[@]} expressions, $version)"
}

main "$@"
