#!/bin/bash
# The checkpoints' sum: SHA-256 against CRC-32C over a file the size of one VM's checkpoint (its
# memory state and overlay), in the JVM the hooks run in (dist/src/bin/vcluster-java.sh's options:
# C1 only, for a fast start), alternating in every round; compare them only within one run. The
# file is read from the page cache, as a restore right after a checkpoint reads it.
#
# usage: tests/bench/checksum.sh [--rounds N] [--mib M]
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=5 MIB=160
while (($#)); do
  case $1 in
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --mib) MIB=${2:?}; shift 2 ;;
    *) echo "usage: tests/bench/checksum.sh [--rounds N] [--mib M]" >&2; exit 2 ;;
  esac
done
command -v java >/dev/null || { apt-get install -y -q openjdk-17-jdk-headless >/dev/null; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c "${MIB}M" /dev/urandom >"$tmp/checkpoint"
cat "$tmp/checkpoint" >/dev/null
# the hooks' options (dist/src/bin/vcluster-java.sh), without the class-data archive
java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:-UsePerfData \
  "$BENCH_DIR/Checksums.java" "$tmp/checkpoint" "$ROUNDS"
