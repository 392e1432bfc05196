#!/usr/bin/env bash
# The "raw QEMU boot" baseline: boots N appliance VMs with plain
# qemu-system-x86_64 (TCG, options equivalent to what libvirt runs for the
# product's domains) and measures, per VM, the time from QEMU's start to
# "VC-READY" on the serial console and to a first successful ssh login.
#
# usage: boot-raw.sh [--count N] [--vcpus N] [--mem MiB] [--net user|bridge]
#                    [--appliance DIR] [--timeout S] [--mpi] [--run CMD]
#                    [--keep-logs DIR] [--cmdline STR] [--no-nic-rom] [--seed K=V]
#                    [--accel STR]
#   --net user    (default) QEMU user-mode networking: every VM alone on its
#                 own slirp net as 10.0.2.15/24, its port 22 forwarded to a
#                 free 127.0.0.1 port; no host interface is touched
#   --net bridge  (root) the VMs share a private bridge (10.111.1.0/24, the
#                 bridge is the gateway .1) inside a network namespace made
#                 for this run and deleted afterwards, like a job's network
#   --mpi         after readiness, run MPI as the job's user from the first
#                 VM: "mpirun hostname" and, if the host has mpicc, a small
#                 Allreduce program (mpi-check.c) copied to every VM; with
#                 --net user on one VM (-np 2), with bridge across all VMs
#   --run CMD     after readiness, run CMD as the job's user on the first VM
#   --keep-logs   copy console logs there (on failure they are always kept,
#                 in tests/e2e/work/boot-raw-failed/)
#   --cmdline     kernel command line instead of the appliance's (experiments)
#   --seed K=V    extra/overriding seed value for every VM (repeatable)
#   --no-nic-rom  no iPXE option ROM on the NIC (libvirt: <rom enabled='no'/>)
#   --accel STR   QEMU's -accel value (default tcg), e.g. tcg,tb-size=128
# At the end it prints each QEMU's peak resident memory (VmHWM), read
# before QEMU is stopped.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
REPO="$(cd "$HERE/../../.." && pwd)"
readonly REPO
readonly GUEST_USER=vcuser
readonly BRIDGE_NET=10.111.1

count=1 vcpus=1 mem=512 net=user timeout=300 run_mpi=no run_cmd="" keep_logs="" cmdline="" nic_rom=""
accel=tcg
appliance="$REPO/tests/e2e/cache/appliance"
tmp="" netns=""
declare -a QEMU_PIDS=() PORTS=() SEED_EXTRA=()

usage() {
  echo "usage: $0 [--count N] [--vcpus N] [--mem MiB] [--net user|bridge] [--appliance DIR]" \
    "[--timeout S] [--mpi] [--run CMD] [--keep-logs DIR] [--cmdline STR] [--no-nic-rom] [--seed K=V]" \
    "[--accel STR]"
}

die() { printf 'boot-raw.sh: %s\n' "$*" >&2; exit 1; }

parse_args() {
  while (($#)); do
    case $1 in
      --count | --vcpus | --mem | --net | --appliance | --timeout | --keep-logs | --run | --cmdline | --seed | --accel)
        [[ $# -ge 2 ]] || { usage >&2; exit 2; }
        case $1 in
          --count) count=$2 ;;
          --vcpus) vcpus=$2 ;;
          --mem) mem=$2 ;;
          --net) net=$2 ;;
          --appliance) appliance=$2 ;;
          --timeout) timeout=$2 ;;
          --keep-logs) keep_logs=$2 ;;
          --run) run_cmd=$2 ;;
          --cmdline) cmdline=$2 ;;
          --seed) SEED_EXTRA+=("$2") ;;
          --accel) accel=$2 ;;
        esac
        shift 2 ;;
      --mpi) run_mpi=yes; shift ;;
      --no-nic-rom) nic_rom=",romfile="; shift ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
  done
  [[ $count =~ ^[1-9][0-9]?$ && $vcpus =~ ^[1-9][0-9]?$ && $mem =~ ^[1-9][0-9]*$ \
    && $timeout =~ ^[1-9][0-9]*$ && $net =~ ^(user|bridge)$ && $accel =~ ^tcg(,[a-z-]+=[0-9a-z]+)*$ ]] || { usage >&2; exit 2; }
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
vm_name() { echo "vc1-$1"; }
vm_mac() { printf '52:54:00:00:01:%02x' "$1"; }
vm_ip() { if [[ $net == user ]]; then echo 10.0.2.15; else echo "$BRIDGE_NET.$(($1 + 2))"; fi; }

# Runs a command in the run's network namespace, or here with --net user.
in_net() {
  if [[ -n $netns ]]; then ip netns exec "$netns" "$@"; else "$@"; fi
}

# Stops exactly the QEMU processes this script started, deletes the network
# namespace it made (with the bridge and taps in it), removes its temp dir;
# keeps the console logs when the run failed.
cleanup() {
  local rc=$? pid i
  for pid in "${QEMU_PIDS[@]}"; do
    # Refuse to signal a PID that is not (or no longer) our QEMU.
    [[ $(ps -o comm= -p "$pid" 2> /dev/null) == qemu-system-* ]] || continue
    kill -TERM "$pid" 2> /dev/null || true
  done
  for pid in "${QEMU_PIDS[@]}"; do
    for i in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
  if [[ -n $netns ]]; then
    ip netns del "$netns" 2> /dev/null || true
    ! ip netns list | grep -qw "$netns" || echo "boot-raw.sh: network namespace $netns is left" >&2
  fi
  if [[ -n $tmp && -d $tmp ]]; then
    local logs=$keep_logs
    [[ $rc -eq 0 ]] || logs=$REPO/tests/e2e/work/boot-raw-failed
    if [[ -n $logs ]]; then
      mkdir -p "$logs"
      for i in "$tmp"/vm*; do
        cp "$i/console.log" "$logs/$(basename "$i").console.log" 2> /dev/null || true
        cp "$i/qemu.log" "$logs/$(basename "$i").qemu.log" 2> /dev/null || true
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

# The job's private network, as the product's fabric would give it: a
# bridge (the gateway address) and one tap per VM, all inside a namespace
# of this run's own, so nothing outside it is touched.
make_bridge_net() {
  [[ $(id -u) -eq 0 ]] || die "--net bridge needs root (network namespace, taps)"
  netns=vcraw-$$
  ip netns add "$netns"
  in_net ip link set lo up
  in_net ip link add vcrbr0 type bridge
  in_net ip addr add "$BRIDGE_NET.1/24" dev vcrbr0
  in_net ip link set vcrbr0 up
  local i
  for ((i = 0; i < count; i++)); do
    in_net ip tuntap add dev "vcrtap$i" mode tap
    in_net ip link set "vcrtap$i" master vcrbr0 up
  done
}

# Host keys first: every VM's seed carries the known_hosts of all of them.
prepare_keys() {
  local i dir key
  ssh-keygen -q -t ed25519 -N '' -C vcluster-job-1 -f "$tmp/job_key"
  : > "$tmp/known_hosts"
  : > "$tmp/seed_known_hosts"
  : > "$tmp/hosts"
  : > "$tmp/hostfile"
  for ((i = 0; i < count; i++)); do
    dir=$tmp/vm$i
    mkdir -p "$dir"
    ssh-keygen -q -t ed25519 -N '' -C "root@$(vm_name "$i")" -f "$dir/host_key"
    key=$(cut -d' ' -f1,2 "$dir/host_key.pub")
    if [[ $net == user ]]; then
      PORTS[i]=$(free_port)
      printf '[127.0.0.1]:%s %s\n' "${PORTS[i]}" "$key" >> "$tmp/known_hosts"
      # Alone on its slirp net, each VM knows only itself.
      printf '%s,%s %s\n' "$(vm_name "$i")" "$(vm_ip "$i")" "$key" > "$dir/seed_known_hosts"
      printf '%s %s\n' "$(vm_ip "$i")" "$(vm_name "$i")" > "$dir/hosts"
      printf '%s slots=%s\n' "$(vm_name "$i")" "$vcpus" > "$dir/hostfile"
    else
      PORTS[i]=22
      printf '%s %s\n' "$(vm_ip "$i")" "$key" >> "$tmp/known_hosts"
      printf '%s,%s %s\n' "$(vm_name "$i")" "$(vm_ip "$i")" "$key" >> "$tmp/seed_known_hosts"
      printf '%s %s\n' "$(vm_ip "$i")" "$(vm_name "$i")" >> "$tmp/hosts"
      printf '%s slots=%s\n' "$(vm_name "$i")" "$vcpus" >> "$tmp/hostfile"
    fi
  done
  if [[ $net == bridge ]]; then
    printf '%s.1 gateway\n' "$BRIDGE_NET" >> "$tmp/hosts"
    for ((i = 0; i < count; i++)); do
      cp "$tmp/seed_known_hosts" "$tmp/vm$i/seed_known_hosts"
      cp "$tmp/hosts" "$tmp/vm$i/hosts"
      cp "$tmp/hostfile" "$tmp/vm$i/hostfile"
    done
  fi
}

prepare_vm() {
  local i=$1 dir=$tmp/vm$1 subnet gateway
  if [[ $net == user ]]; then subnet=10.0.2.0/24 gateway=10.0.2.2
  else subnet=$BRIDGE_NET.0/24 gateway=$BRIDGE_NET.1; fi
  "$HERE/make-seed.sh" --job-key "$tmp/job_key" --host-key "$dir/host_key" \
    --hosts "$dir/hosts" --hostfile "$dir/hostfile" --known-hosts "$dir/seed_known_hosts" \
    "$dir/seed.iso" VC_JOB=1 "VC_HOSTNAME=$(vm_name "$i")" "VC_MAC=$(vm_mac "$i")" \
    "VC_IP=$(vm_ip "$i")" VC_PREFIX=24 "VC_GATEWAY=$gateway" "VC_SUBNET=$subnet" \
    VC_MTU=1500 VC_DEFAULT_ROUTE=no "VC_USER=$GUEST_USER" VC_UID=1000 VC_GID=1000 \
    "${SEED_EXTRA[@]}"
  qemu-img create -q -f qcow2 -F qcow2 -b "$(readlink -f "$appliance/disk.qcow2")" \
    "$dir/overlay.qcow2"
}

# What libvirt runs for a domain with direct kernel boot, virtio disk, NIC
# and RNG, a serial console logged to a file, and no display.
qemu_argv() {
  local i=$1 dir=$tmp/vm$1 netdev
  if [[ $net == user ]]; then netdev="user,id=net0,hostfwd=tcp:127.0.0.1:${PORTS[i]}-:22"
  else netdev="tap,id=net0,ifname=vcrtap$i,script=no,downscript=no"; fi
  # shellcheck disable=SC2054  # commas belong to QEMU option values
  QEMU_ARGV=(qemu-system-x86_64 -name "$(vm_name "$i")" -machine pc -accel "$accel"
    -smp "$vcpus" -m "$mem" -nodefaults -no-user-config -nographic
    -monitor none -serial "file:$dir/console.log"
    -kernel "$appliance/vmlinux" -initrd "$appliance/initrd.img"
    -append "${cmdline:-$(cat "$appliance/cmdline")}"
    -drive "file=$dir/overlay.qcow2,format=qcow2,if=virtio"
    -drive "file=$dir/seed.iso,format=raw,if=virtio,readonly=on"
    -netdev "$netdev" -device "virtio-net-pci,netdev=net0,mac=$(vm_mac "$i")$nic_rom"
    -object rng-random,id=rng0,filename=/dev/urandom
    -device virtio-rng-pci,rng=rng0)
}

ssh_vm() {
  local i=$1 host=127.0.0.1
  shift
  [[ $net == user ]] || host=$(vm_ip "$i")
  in_net ssh -F /dev/null -i "$tmp/job_key" -p "${PORTS[i]}" -o IdentitiesOnly=yes \
    -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$tmp/known_hosts" \
    -o BatchMode=yes -o ConnectTimeout=10 -o LogLevel=ERROR \
    "$GUEST_USER@$host" "$@"
}

# Waits for VM $1 (started at $2): VC-READY, then a successful "ssh true".
# Writes "ready_s ssh_s" or "FAILED reason" to $tmp/vm$1/result.
watch_vm() {
  local i=$1 start=$2 dir=$tmp/vm$1 deadline ready="" t
  deadline=$(awk -v s="$start" -v t="$timeout" 'BEGIN { printf "%d", s + t }')
  while [[ -z $ready ]]; do
    if grep -q '^VC-READY ' "$dir/console.log" 2> /dev/null; then ready=$(now)
    elif grep -q '^VC-FAILED ' "$dir/console.log" 2> /dev/null; then
      echo "FAILED $(grep -m1 '^VC-FAILED ' "$dir/console.log")" > "$dir/result"; return
    elif ! kill -0 "${QEMU_PIDS[i]}" 2> /dev/null; then
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
  local np=$((count * vcpus)) hosts="--hostfile ~/hostfile" i
  if [[ $net == user ]]; then np=2 hosts="--oversubscribe"; fi
  echo "--- on vc1-0 as $GUEST_USER: mpirun -np $np $hosts hostname"
  ssh_vm 0 "mpirun -np $np $hosts hostname"
  if ! command -v mpicc > /dev/null; then
    echo "--- no mpicc on this host: Allreduce check skipped"
    return 0
  fi
  mpicc -O2 -o "$tmp/mpi-check" "$HERE/mpi-check.c"
  for ((i = 0; i < count; i++)); do
    ssh_vm "$i" 'cat > mpi-check && chmod 755 mpi-check' < "$tmp/mpi-check"
  done
  echo "--- on vc1-0 as $GUEST_USER: mpirun -np $np $hosts ./mpi-check"
  ssh_vm 0 "mpirun -np $np $hosts ./mpi-check"
}

main() {
  parse_args "$@"
  local f
  for f in disk.qcow2 vmlinux initrd.img cmdline; do
    [[ -f $appliance/$f ]] || die "no $appliance/$f: run tests/e2e/appliance/build.sh first"
  done
  tmp=$(mktemp -d /tmp/vc-boot-raw.XXXXXX)
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  [[ $net == user ]] || make_bridge_net
  prepare_keys
  local i
  for ((i = 0; i < count; i++)); do prepare_vm "$i"; done

  local starts=()
  for ((i = 0; i < count; i++)); do
    qemu_argv "$i"
    ((i > 0)) || echo "qemu: ${QEMU_ARGV[*]}"
    starts[i]=$(now)
    # Started directly (not through a shell function, which would fork a
    # subshell) so that $! is QEMU's own PID; "ip netns exec" execs QEMU.
    if [[ -n $netns ]]; then
      ip netns exec "$netns" "${QEMU_ARGV[@]}" < /dev/null > "$tmp/vm$i/qemu.log" 2>&1 &
    else
      "${QEMU_ARGV[@]}" < /dev/null > "$tmp/vm$i/qemu.log" 2>&1 &
    fi
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
      FAILED*) failed=1; printf '%-6s %-6s %s\n' "$(vm_name "$i")" "${PORTS[i]}" "$result" ;;
      *) printf '%-6s %-6s %-12s %-12s\n' "$(vm_name "$i")" "${PORTS[i]}" "${result% *}" "${result#* }" ;;
    esac
  done
  ((failed == 0)) || die "some VMs did not become ready"
  awk -v n="$count" -v c="$vcpus" -v m="$mem" -v net="$net" '
    { if ($1 > r) r = $1; if ($2 > s) s = $2 }
    END { printf "all %d ready: VC-READY max %.1f s, ssh max %.1f s (vcpus %d, mem %d MiB, net %s, TCG)\n", n, r, s, c, m, net }' \
    "$tmp"/vm*/result
  echo "overlay sizes after boot (KiB allocated): $(du -k "$tmp"/vm*/overlay.qcow2 | cut -f1 | tr '\n' ' ')"
  [[ $run_mpi == no ]] || run_mpi_check
  if [[ -n $run_cmd ]]; then
    echo "--- on vc1-0: $run_cmd"
    ssh_vm 0 "$run_cmd"
  fi
  local hwm=()
  for ((i = 0; i < count; i++)); do
    hwm+=("$(awk '/^VmHWM:/ { printf "%d", $2 / 1024 }' "/proc/${QEMU_PIDS[i]}/status")")
  done
  echo "qemu peak RSS (VmHWM, MiB): ${hwm[*]} (accel $accel)"
}

main "$@"
