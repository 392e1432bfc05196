#!/usr/bin/env bash
# Tests of the appliance's guest init (vc-init) in real QEMU, beyond the
# happy path that boot-raw.sh measures:
#   1. a seed whose label is not "cidata" is still found (/dev/vdb fallback);
#      the VM comes up, ssh works, orphaned processes are reaped (no
#      zombies), and the ACPI power button (what "virsh shutdown" presses)
#      makes vc-init sync and power off, so QEMU exits by itself
#   2. a seed with an invalid value: "VC-FAILED <hostname> <reason>"
#   3. a seed whose VC_MAC matches no NIC: "VC-FAILED ... no network
#      interface"; then Ctrl-Alt-Del (SIGINT to PID 1) still powers it off
# usage: test-guest.sh [--appliance DIR]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
REPO="$(cd "$HERE/../../.." && pwd)"
readonly REPO
readonly MAC=52:54:00:00:02:00

appliance="$REPO/tests/e2e/cache/appliance"
tmp=""
failures=0
declare -a QEMU_PIDS=()

die() { printf 'test-guest.sh: %s\n' "$*" >&2; exit 1; }
pass() { printf 'PASS %s\n' "$*"; }
fail_test() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }

cleanup() {
  local rc=$? pid i
  for pid in "${QEMU_PIDS[@]}"; do
    [[ $(ps -o comm= -p "$pid" 2> /dev/null) == qemu-system-* ]] || continue
    kill -TERM "$pid" 2> /dev/null || true
    for i in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2> /dev/null || true
  done
  if [[ -n $tmp && -d $tmp ]]; then
    if ((failures > 0)); then
      mkdir -p "$REPO/tests/e2e/work/test-guest-failed"
      cp "$tmp"/*.console.log "$REPO/tests/e2e/work/test-guest-failed/" 2> /dev/null || true
      echo "console logs kept in tests/e2e/work/test-guest-failed/"
    fi
    rm -rf "$tmp"
  fi
  exit "$rc"
}

# Boots VM $1 with seed $2; ssh on 127.0.0.1:$3, the QEMU monitor on
# 127.0.0.1:$3+1 (bash's /dev/tcp talks to it). Sets VM_PID.
boot() {
  local name=$1 seed=$2 port=$3
  qemu-img create -q -f qcow2 -F qcow2 -b "$(readlink -f "$appliance/disk.qcow2")" \
    "$tmp/$name.qcow2"
  # shellcheck disable=SC2054  # commas belong to QEMU option values
  qemu-system-x86_64 -name "$name" -machine pc,accel=tcg -smp 1 -m 512 \
    -nodefaults -no-user-config -nographic -serial "file:$tmp/$name.console.log" \
    -monitor "tcp:127.0.0.1:$((port + 1)),server=on,wait=off" \
    -kernel "$appliance/vmlinux" -initrd "$appliance/initrd.img" \
    -append "$(cat "$appliance/cmdline")" \
    -drive "file=$tmp/$name.qcow2,format=qcow2,if=virtio" \
    -drive "file=$seed,format=raw,if=virtio,readonly=on" \
    -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:22" \
    -device "virtio-net-pci,netdev=net0,mac=$MAC" \
    -object rng-random,id=rng0,filename=/dev/urandom -device virtio-rng-pci,rng=rng0 \
    < /dev/null > "$tmp/$name.qemu.log" 2>&1 &
  VM_PID=$!
  QEMU_PIDS+=("$VM_PID")
}

# Waits up to $3 s for a console line of VM $1 matching regex $2.
await_console() {
  local name=$1 pattern=$2 i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -qE "$pattern" "$tmp/$name.console.log" 2> /dev/null && return 0
    sleep 0.1
  done
  return 1
}

seed() {
  local out=$1
  shift
  # Options and overrides last: later VC_* values win.
  "$HERE/make-seed.sh" --job-key "$tmp/job_key" --host-key "$tmp/host_key" \
    "$out" VC_HOSTNAME=vc1-0 "VC_MAC=$MAC" VC_USER=vcuser "$@"
}

ssh_vm() {
  ssh -F /dev/null -i "$tmp/job_key" -p "$1" -o IdentitiesOnly=yes \
    -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$tmp/known_hosts" \
    -o BatchMode=yes -o ConnectTimeout=10 -o LogLevel=ERROR vcuser@127.0.0.1 "${@:2}"
}

# Sends monitor command $2 to the VM whose ssh port is $1.
monitor() {
  exec 3<> "/dev/tcp/127.0.0.1/$(($1 + 1))"
  printf '%s\n' "$2" >&3
  sleep 1
  exec 3>&-
}

test_fallback_reap_poweroff() {
  local port=$((20000 + RANDOM % 20000 & ~1)) i zombies
  seed "$tmp/nolabel.iso" --label NOTCIDATA
  printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$tmp/host_key.pub")" > "$tmp/known_hosts"
  boot fallback "$tmp/nolabel.iso" "$port"
  if ! await_console fallback '^VC-READY vc1-0' 120; then
    fail_test "seed without the cidata label: no VC-READY"; return
  fi
  pass "seed without the cidata label found as /dev/vdb: VC-READY vc1-0"
  for i in $(seq 50); do ssh_vm "$port" true 2> /dev/null && break; sleep 0.2; done
  # Orphans: the session's shell exits before its background children do.
  ssh_vm "$port" 'for i in 1 2 3 4 5; do (sleep 1 &) ; done' || true
  sleep 4
  zombies=$(ssh_vm "$port" "ps -eo stat= | grep -c '^Z'" || true)
  if [[ $zombies == 0 ]]; then pass "orphans reaped by vc-init: 0 zombies"
  else fail_test "zombies left: ${zombies:-ssh failed}"; fi
  # What "virsh shutdown" does by default: press the ACPI power button.
  monitor "$port" system_powerdown
  if await_exit "$VM_PID" 30 && grep -q 'vc-init: powering off' "$tmp/fallback.console.log"; then
    pass "ACPI power button (virsh shutdown): vc-init synced and powered off, QEMU exited"
  else
    fail_test "ACPI power button: VM still running 30 s later"
  fi
}

# Waits up to $2 s for process $1 to end.
await_exit() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$1" 2> /dev/null || return 0
    sleep 0.1
  done
  return 1
}

test_bad_value() {
  seed "$tmp/bad.iso" VC_PREFIX=99
  boot badvalue "$tmp/bad.iso" $((20000 + RANDOM % 20000 & ~1))
  if await_console badvalue '^VC-FAILED vc1-0 seed env: bad VC_PREFIX' 120; then
    pass "invalid VC_PREFIX: $(grep -m1 '^VC-FAILED' "$tmp/badvalue.console.log")"
  else
    fail_test "invalid VC_PREFIX: no VC-FAILED line"
  fi
  kill -TERM "$VM_PID"
}

test_wrong_mac() {
  local port=$((20000 + RANDOM % 20000 & ~1))
  seed "$tmp/mac.iso" VC_MAC=52:54:00:99:99:99
  boot wrongmac "$tmp/mac.iso" "$port"
  if await_console wrongmac '^VC-FAILED vc1-0 no network interface with MAC' 120; then
    pass "VC_MAC of no NIC: $(grep -m1 '^VC-FAILED' "$tmp/wrongmac.console.log")"
  else
    fail_test "VC_MAC of no NIC: no VC-FAILED line"
  fi
  # A failed VM still shuts down cleanly: Ctrl-Alt-Del is SIGINT to PID 1.
  monitor "$port" 'sendkey ctrl-alt-delete'
  if await_exit "$VM_PID" 30 && grep -q 'vc-init: powering off' "$tmp/wrongmac.console.log"; then
    pass "Ctrl-Alt-Del after VC-FAILED: powered off, QEMU exited"
  else
    fail_test "Ctrl-Alt-Del after VC-FAILED: VM still running 30 s later"
  fi
}

main() {
  [[ ${1:-} != --appliance ]] || appliance=$2
  [[ -f $appliance/disk.qcow2 ]] || die "no appliance in $appliance: run build.sh first"
  tmp=$(mktemp -d /tmp/vc-test-guest.XXXXXX)
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  ssh-keygen -q -t ed25519 -N '' -f "$tmp/job_key"
  ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key"
  test_fallback_reap_poweroff
  test_bad_value
  test_wrong_mac
  ((failures == 0)) || die "$failures test(s) failed"
  echo "all guest tests passed"
}

main "$@"
