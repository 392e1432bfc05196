#!/bin/bash
# QEMU's translated-code cache under TCG: boot time and QEMU's peak memory with QEMU's default
# translation buffer (QEMU 7.2: up to 1 GiB, grown as code is translated) against a bounded one
# (-accel tcg,tb-size=N), the figures behind the site key domain.tcgCacheMiB (docs/hooks.md).
# Boots the test appliance directly with QEMU (tests/e2e/appliance/boot-raw.sh, a throwaway
# overlay in a temp folder), no cluster. The variants alternate in every round, so that a busy
# minute of this shared machine hits them alike; compare them only within one run.
#
# usage: tests/bench/tcg-cache.sh [--rounds N] [--mem MiB] [--no-work] [SIZE...]
#   SIZE      tb-size values in MiB to compare with the default (default: 64 128 256)
#   --no-work only boot; otherwise, once ready, the guest runs a mixed workload (files written
#             and read, compressed, hashed, sorted; many different programs, which is what
#             fills the cache) and its time is reported too
# Prints, per variant: median seconds to VC-READY, median workload seconds and median and
# maximum QEMU peak RSS (VmHWM), and the ratios to the default.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BOOT_RAW=$BENCH_DIR/../e2e/appliance/boot-raw.sh
ROUNDS=3 MEM=384 WORK=yes
APPLIANCE=${VC_APPLIANCE:-$BENCH_DIR/../e2e/cache/appliance}
usage() { echo "usage: tests/bench/tcg-cache.sh [--rounds N] [--mem MiB] [--no-work] [SIZE...]"; }
while (($#)); do
  case $1 in
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --mem) MEM=${2:?}; shift 2 ;;
    --no-work) WORK=no; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; exit 2 ;;
    *) break ;;
  esac
done
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(64 128 256)
[[ $ROUNDS =~ ^[1-9][0-9]?$ && $MEM =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }
for s in "${SIZES[@]}"; do [[ $s =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; done
# What boot-raw.sh needs (Debian packages), installed when missing.
need=()
command -v qemu-system-x86_64 > /dev/null || need+=(qemu-system-x86)
command -v qemu-img > /dev/null || need+=(qemu-utils)
command -v genisoimage > /dev/null || need+=(genisoimage)
command -v ssh-keygen > /dev/null || need+=(openssh-client)
((${#need[@]} == 0)) || apt-get install -y -qq "${need[@]}" > /dev/null

# In the guest, as the job's user: the time of a workload that runs many different programs.
WORKLOAD='s=$(date +%s.%N)
dd if=/dev/urandom of=w.bin bs=1M count=48 status=none
for i in 1 2; do
  gzip -c w.bin > w.gz && gzip -dc w.gz | sha256sum > /dev/null
  md5sum w.bin > /dev/null; cksum w.bin > /dev/null; od -An -tx1 w.bin | head -c 4000000 | sort | uniq -c | sort -n | tail -1 > /dev/null
  find /usr -type f 2> /dev/null | head -3000 | xargs cat 2> /dev/null | wc -c > /dev/null
  perl -e "my %h; \$h{\$_ % 9973} .= \$_ for 1..300000; print scalar(keys %h)" > /dev/null
  cp w.bin w2.bin && cmp w.bin w2.bin && rm w2.bin; sync
done
rm -f w.bin w.gz
echo "WORK $(awk -v a="$s" -v b="$(date +%s.%N)" "BEGIN { printf \"%.1f\", b - a }")"'

OUT=$(mktemp -d /tmp/vc-tcg-cache.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
VARIANTS=(default "${SIZES[@]}")
echo "tcg-cache: $ROUNDS rounds, guest $MEM MiB, 1 vCPU, workload $WORK, QEMU $(qemu-system-x86_64 --version | head -1)"
for ((r = 1; r <= ROUNDS; r++)); do
  for v in "${VARIANTS[@]}"; do
    accel=tcg
    [[ $v == default ]] || accel=tcg,tb-size=$v
    args=(--mem "$MEM" --appliance "$APPLIANCE" --accel "$accel")
    [[ $WORK == no ]] || args+=(--run "$WORKLOAD")
    log=$OUT/$v.$r
    if ! "$BOOT_RAW" "${args[@]}" > "$log" 2>&1; then
      echo "round $r $v: FAILED"; tail -5 "$log"; continue
    fi
    ready=$(awk '/^all 1 ready:/ { sub(/,/, "", $6); print $6 }' "$log")
    work=$(awk '/^WORK / { print $2 }' "$log")
    hwm=$(awk '/^qemu peak RSS/ { print $6 }' "$log")
    echo "round $r $v: ready ${ready}s work ${work:--}s peak RSS ${hwm} MiB"
    echo "$v $ready ${work:-0} $hwm" >> "$OUT/all"
  done
done
echo "variant   ready_s  work_s  rss_med_MiB  rss_max_MiB  ready/def  work/def  rss/def"
awk -v order="${VARIANTS[*]}" '
  function med(s,   a, n, i, j, t) { n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  { R[$1] = R[$1] " " $2; W[$1] = W[$1] " " $3; M[$1] = M[$1] " " $4; if ($4 > X[$1]) X[$1] = $4 }
  END { n = split(order, o, " ")
    r0 = med(R["default"]); w0 = med(W["default"]); m0 = med(M["default"])
    for (i = 1; i <= n; i++) { v = o[i]; if (!(v in R)) continue
      r = med(R[v]); w = med(W[v]); m = med(M[v])
      printf "%-9s %7.1f  %6.1f  %11d  %11d  %9.2f  %8.2f  %7.2f\n", (v == "default" ? v : "tb=" v), r, w, m, X[v],
        (r0 ? r / r0 : 0), (w0 ? w / w0 : 0), (m0 ? m / m0 : 0) } }' "$OUT/all"
