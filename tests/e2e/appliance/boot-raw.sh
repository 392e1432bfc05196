#!/usr/bin/env bash
# The "raw QEMU boot" baseline: boots N appliance VMs with plain
# qemu-system-x86_64 (TCG, options equivalent to what libvirt runs for the
# product's domains) and measures, per VM, the time from QEMU's start to
# "VC-READY" on the serial console and to a first successful ssh login.
#
# usage: boot-raw.sh [--count N] [--vcpus N] [--mem MiB] [--appliance DIR]
#                    [--timeout S] [--mpi] [--run CMD] [--keep-logs DIR]
#                    [--cmdline STR]
#   --mpi        after readiness, run "mpirun -np 2 --oversubscribe hostname"
#                as the job's user on the first VM (over ssh) and show it
#   --run CMD    after readiness, run CMD as the job's user on the first VM
#   --cmdline    kernel command line instead of the appliance's (experiments)
#   --keep-logs  copy console logs there (they are also kept on failure, in
#                tests/e2e/work/boot-raw-failed/)
# Networking is QEMU user mode (slirp): no host interfaces are touched; each
# VM's port 22 is forwarded to a free 127.0.0.1 port.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
REPO="$(cd "$HERE/../../.." && pwd)"
readonly REPO
readonly GUEST_USER=vcuser

count=1 vcpus=1 mem=512 timeout=300 run_mpi=no run_cmd="" keep_logs="" cmdline=""
appliance="$REPO/tests/e2e/cache/appliance"
tmp=""
declare -a QEMU_PIDS=() PORTS=()

usage() {
  echo "usage: $0 [--count N] [--vcpus N] [--mem MiB] [--appliance DIR] [--timeout S] [--mpi] [--run CMD] [--keep-logs DIR] [--cmdline STR]"
}

die() { printf 'boot-raw.sh: %s\n' "$*" >&2; exit 1; }

parse_args() {
  while (($#)); do
    case $1 in
      --count | --vcpus | --mem | --appliance | --timeout | --keep-logs | --run | --cmdline)
        [[ $# -ge 2 ]] || { usage >&2; exit 2; }
        case $1 in
          --count) count=$2 ;;
          --vcpus) vcpus=$2 ;;
          --mem) mem=$2 ;;
          --appliance) appliance=$2 ;;
          --timeout) timeout=$2 ;;
          --keep-logs) keep_logs=$2 ;;
          --run) run_cmd=$2 ;;
          --cmdline) cmdline=$2 ;;
        esac
        shift 2 ;;
      --mpi) run_mpi=yes; shift ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
  done
  [[ $count =~ ^[1-9][0-9]?$ && $vcpus =~ ^[1-9][0-9]?$ && $mem =~ ^[1-9][0-9]*$ \
    && $timeout =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Stops exactly the QEMU processes this script started, then removes its
# temp dir; keeps the console logs when the run failed.
cleanup() {
  local rc=$? pid i
  for pid in "${QEMU_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${QEMU_PIDS[@]}"; do
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n $tmp && -d $tmp ]]; then
    local logs=$keep_logs
    [[ $rc -eq 0 ]] || logs=$REPO/tests/e2e/work/boot-raw-failed
    if [[ -n $logs ]]; then
      mkdir -p "$logs"
      cp "$tmp"/vm*/console.log "$tmp"/vm*/qemu.log "$logs"/ 2>/dev/null || true
      for i in "$tmp"/vm*; do
        cp "$i/console.log" "$logs/$(basename "$i").console.log" 2>/dev/null || true
      done
      echo "console logs kept in $logs"
    fi
    rm -rf "$tmp"
  fi
  exit "$rc"
}

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 20000))
    if ! ss -Htln "sport = :$port" | grep -q .; then
      [[ " ${PORTS[*]} " == *" $port "* ]] || { echo "$port"; return 0; }
    fi
  done
  die "no free port found"
}

prepare_vm() {
  local i=$1 dir=$tmp/vm$1 port
  mkdir -p "$dir"
  port=$(free_port)
  PORTS[i]=$port
  # Throwaway host key, made here so the host side can check it strictly.
  ssh-keygen -q -t ed25519 -N '' -C "root@vc1-$i" -f "$dir/host_key"
  printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$dir/host_key.pub")" \
    >> "$tmp/known_hosts"
  "$HERE/make-seed.sh" --job-key "$tmp/job_key" --host-key "$dir/host_key" \
    "$dir/seed.iso" VC_JOB=1 "VC_HOSTNAME=vc1-$i" "VC_MAC=$(printf '52:54:00:00:01:%02x' "$i")" \
    VC_IP=10.0.2.15 VC_PREFIX=24 VC_GATEWAY=10.0.2.2 VC_SUBNET=10.0.2.0/24 \
    VC_MTU=1500 VC_DEFAULT_ROUTE=no "VC_USER=$GUEST_USER" VC_UID=1000 VC_GID=1000
  qemu-img create -q -f qcow2 -F qcow2 -b "$(readlink -f "$appliance/disk.qcow2")" \
    "$dir/overlay.qcow2"
}

# What libvirt runs for a domain with direct kernel boot, virtio disk, NIC
# and RNG, a serial console logged to a file, and no display.
qemu_argv() {
  local i=$1 dir=$tmp/vm$1
  # shellcheck disable=SC2054  # commas belong to QEMU option values
  QEMU_ARGV=(qemu-system-x86_64 -name "vc1-$i" -machine pc,accel=tcg
    -smp "$vcpus" -m "$mem" -nodefaults -no-user-config -nographic
    -monitor none -serial "file:$dir/console.log"
    -kernel "$appliance/vmlinux" -initrd "$appliance/initrd.img"
    -append "${cmdline:-$(cat "$appliance/cmdline")}"
    -drive "file=$dir/overlay.qcow2,format=qcow2,if=virtio"
    -drive "file=$dir/seed.iso,format=raw,if=virtio,readonly=on"
    -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:${PORTS[i]}-:22"
    -device "virtio-net-pci,netdev=net0,mac=$(printf '52:54:00:00:01:%02x' "$i")"
    -object rng-random,id=rng0,filename=/dev/urandom
    -device virtio-rng-pci,rng=rng0)
}

ssh_vm() {
  local i=$1; shift
  ssh -F /dev/null -i "$tmp/job_key" -p "${PORTS[i]}" -o IdentitiesOnly=yes \
    -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$tmp/known_hosts" \
    -o BatchMode=yes -o ConnectTimeout=10 -o LogLevel=ERROR \
    "$GUEST_USER@127.0.0.1" "$@"
}

# Waits for VM $1 (started at $2): VC-READY, then a successful "ssh true".
# Writes "ready_s ssh_s" or "FAILED reason" to $tmp/vm$1/result.
watch_vm() {
  local i=$1 start=$2 dir=$tmp/vm$1 deadline ready="" t
  deadline=$(awk -v s="$start" -v t="$timeout" 'BEGIN { printf "%d", s + t }')
  while [[ -z $ready ]]; do
    if grep -q '^VC-READY ' "$dir/console.log" 2>/dev/null; then ready=$(now)
    elif grep -q '^VC-FAILED ' "$dir/console.log" 2>/dev/null; then
      echo "FAILED $(grep -m1 '^VC-FAILED ' "$dir/console.log")" > "$dir/result"; return
    elif ! kill -0 "${QEMU_PIDS[i]}" 2>/dev/null; then
      echo "FAILED qemu exited" > "$dir/result"; return
    elif (($(date +%s) > deadline)); then
      echo "FAILED no VC-READY within ${timeout}s" > "$dir/result"; return
    else sleep 0.1; fi
  done
  until ssh_vm "$i" true 2>> "$dir/ssh.log"; do
    (($(date +%s) <= deadline)) || { echo "FAILED no ssh within ${timeout}s" > "$dir/result"; return; }
    sleep 0.2
  done
  t=$(now)
  echo "$(elapsed "$start" "$ready") $(elapsed "$start" "$t")" > "$dir/result"
}

run_mpi_check() {
  echo "--- mpirun on vc1-0 (as $GUEST_USER, over ssh):"
  ssh_vm 0 'mpirun -np 2 --oversubscribe hostname; echo "mpirun exit: $?"'
}

main() {
  parse_args "$@"
  for f in disk.qcow2 vmlinux initrd.img cmdline; do
    [[ -f $appliance/$f ]] || die "no $appliance/$f: run tests/e2e/appliance/build.sh first"
  done
  tmp=$(mktemp -d /tmp/vc-boot-raw.XXXXXX)
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  ssh-keygen -q -t ed25519 -N '' -C vcluster-job-1 -f "$tmp/job_key"
  local i
  for ((i = 0; i < count; i++)); do prepare_vm "$i"; done

  local starts=()
  for ((i = 0; i < count; i++)); do
    qemu_argv "$i"
    ((i > 0)) || echo "qemu: ${QEMU_ARGV[*]}"
    starts[i]=$(now)
    "${QEMU_ARGV[@]}" < /dev/null > "$tmp/vm$i/qemu.log" 2>&1 &
    QEMU_PIDS[i]=$!
  done
  local watchers=()
  for ((i = 0; i < count; i++)); do
    watch_vm "$i" "${starts[i]}" &
    watchers+=($!)
  done
  wait "${watchers[@]}"

  local failed=0 result
  printf '%-6s %-6s %-12s %-12s\n' vm port ready_s ssh_s
  for ((i = 0; i < count; i++)); do
    result=$(cat "$tmp/vm$i/result")
    case $result in
      FAILED*) failed=1; printf '%-6s %-6s %s\n' "vc1-$i" "${PORTS[i]}" "$result" ;;
      *) printf '%-6s %-6s %-12s %-12s\n' "vc1-$i" "${PORTS[i]}" "${result% *}" "${result#* }" ;;
    esac
  done
  ((failed == 0)) || die "some VMs did not become ready"
  awk '{ if ($1 > r) r = $1; if ($2 > s) s = $2 } END {
    printf "all %d ready: VC-READY max %.1f s, ssh max %.1f s (vcpus '"$vcpus"', mem '"$mem"' MiB, TCG)\n", NR, r, s }' \
    "$tmp"/vm*/result
  [[ $run_mpi == no ]] || run_mpi_check
  if [[ -n $run_cmd ]]; then
    echo "--- on vc1-0: $run_cmd"
    ssh_vm 0 "$run_cmd"
  fi
}

main "$@"
