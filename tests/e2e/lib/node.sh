# shellcheck shell=bash
# One simulated node of the end-to-end cluster: its namespaces, the holder that anchors them,
# its private mounts and cgroups, and the daemons started inside it (virtlogd, libvirtd,
# slurmd). Sourced by tests/e2e/lib/cluster.sh, whose variables and helpers it uses.

# The extra node-private directories (VC_E2E_NODE_DIRS) need a mount point on the machine;
# the ones made here are written down, and `down` removes them again.
make_node_dir_mountpoints() {
  local d
  for d in $VC_E2E_NODE_DIRS; do
    [[ $d == /* ]] || die "VC_E2E_NODE_DIRS: $d is not an absolute path" || return 1
    [[ -d $d || $d == /run/* ]] && continue
    echo "$d" >>"$E2E_WORK/created-mountpoints"
    mkdir -p "$d"
  done
}

remove_node_dir_mountpoints() {
  local d
  [[ -f $E2E_WORK/created-mountpoints ]] || return 0
  while read -r d; do
    rmdir "$d" 2>/dev/null || log "could not remove mount point $d (not empty?)"
  done < <(sort -r "$E2E_WORK/created-mountpoints")
  rm -f "$E2E_WORK/created-mountpoints"
}

# make_node NODE: namespace, veth on the bridge, the holder and its private mounts.
make_node() {
  local node=$1 ns veth dir
  ns=$(node_ns "$node")
  veth=$(node_veth "$node")
  dir=$STATE/nodes/$node
  mkdir -p "$dir" "$STATE/spool/$node"
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master "$VC_E2E_BRIDGE" up
  ip -n "$ns" addr add "$(node_addr "$node")/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up

  # Private /etc/libvirt: the machine's config without its domains and networks (qemu/
  # would autostart the default network), and our qemu.conf.
  cp -a /etc/libvirt "$dir/etc-libvirt"
  rm -rf "$dir/etc-libvirt/qemu"
  mkdir -p "$dir/etc-libvirt/qemu"
  if [[ $VC_E2E_CGROUPS == 1 ]]; then
    # The node has cgroups of its own: let libvirt use them (cputune, memtune).
    sed '/^cgroup_controllers/d' "$E2E_DIR/conf/qemu.conf" >"$dir/etc-libvirt/qemu.conf"
  else
    cp "$E2E_DIR/conf/qemu.conf" "$dir/etc-libvirt/qemu.conf"
  fi
  # Private /etc/hosts: every cluster name resolves to its underlay address.
  {
    cat /etc/hosts
    echo "# end-to-end cluster"
    echo "$(ctld_addr) $VC_E2E_CTLD_NAME"
    local other
    while read -r other; do echo "$(node_addr "$other") $other"; done < <(node_names)
  } >"$dir/hosts"

  # The holder no longer sees the machine's /sys: tell it whether to mount name=systemd.
  local systemd_hierarchy=0
  grep -q 'name=systemd' /proc/self/mountinfo && systemd_hierarchy=1
  VC_E2E_CGROUP_SYSTEMD=$systemd_hierarchy ip netns exec "$ns" unshare --mount --uts --propagation private -- \
    "$E2E_DIR/lib/cluster.sh" _holder "$node" "$dir" >>"$STATE/logs/holder-$node.out" 2>&1 &
  record_pid "holder:$node" $!
  if [[ $VC_E2E_CGROUPS == 1 ]]; then
    wait_for 10 "holder of $node to set up its mounts" holder_settled "$node" "$dir" mounted
    [[ -e $dir/mounted ]] || die "holder of $node failed: $(cat "$STATE/logs/holder-$node.out")" || return 1
    make_node_cgroups "$node" "$(holder_pid "$node")"
    : >"$dir/in-cgroups"
  fi
  wait_for 10 "holder of $node to set up its mounts" holder_settled "$node" "$dir"
  [[ -e $dir/ready ]] || die "holder of $node failed: $(cat "$STATE/logs/holder-$node.out")"
}

# The holder is ready, or gave up (then waiting longer is pointless).
holder_settled() { [[ -e $2/${3:-ready} || -z $(recorded_alive "holder:$1") ]]; }

# Runs as the holder, inside the node's fresh mount and UTS namespaces, then sleeps as the
# anchor of those namespaces until `down` ends it.
holder_main() {
  local node=$1 dir=$2 d
  set -euo pipefail
  hostname "$node"
  # A node of its own: empty /run (libvirt's sockets and pid files), libvirt's state.
  for d in /run /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
    mount -t tmpfs -o mode=0755 "vce2e-$node" "$d"
  done
  mkdir -p /run/libvirt /run/lock
  for d in $VC_E2E_NODE_DIRS; do
    case $d in
      /run/*) mkdir -p "$d" ;;   # the node's /run is its own already
      *) mount -t tmpfs -o mode=0755 "vce2e-$node" "$d" ;;
    esac
  done
  mount --bind "$dir/etc-libvirt" /etc/libvirt
  mount --bind "$dir/hosts" /etc/hosts
  if [[ $VC_E2E_HIDE_KVM == 1 && -e /dev/kvm ]]; then
    # KVM hangs guests on this machine type: inside the node /dev/kvm is an empty file, so
    # QEMU falls back to TCG and a domain of type 'kvm' fails at once instead of hanging.
    # (Not /dev/null: its ctime moves with every write, and libvirt would then think its
    # capabilities cache stale and re-probe QEMU, seconds, on every call.)
    # Read-only, because libvirt asks access(W_OK), which root passes on any writable file,
    # and re-probes whenever "KVM usable" disagrees with its cached capabilities.
    : >"$dir/no-kvm"
    mount --bind "$dir/no-kvm" /dev/kvm
    mount -o remount,bind,ro /dev/kvm
  fi
  # QEMU capabilities probed by an earlier run (libvirt checks they are still valid).
  if compgen -G "$CAPS_CACHE/*.xml" >/dev/null; then
    mkdir -p /var/cache/libvirt/qemu/capabilities
    cp "$CAPS_CACHE"/*.xml /var/cache/libvirt/qemu/capabilities/
  fi
  if [[ $VC_E2E_CGROUPS == 1 ]]; then
    # `up` moves this process into the node's cgroups, then it becomes the root of a cgroup
    # namespace of its own and mounts the hierarchies from inside (so they are rooted there).
    : >"$dir/mounted"
    local deadline=$((SECONDS + 10))
    until [[ -e $dir/in-cgroups ]]; do
      ((SECONDS < deadline)) || { echo "not moved into its cgroups within 10s" >&2; exit 1; }
      sleep 0.05
    done
    exec unshare --cgroup -- "$E2E_DIR/lib/cluster.sh" _holder_cgroup_ns "$dir"
  fi
  mount_cgroups
  : >"$dir/ready"
  exec sleep infinity
}

holder_cgroup_ns_main() {
  local dir=$1
  set -euo pipefail
  mount_cgroups
  : >"$dir/ready"
  exec sleep infinity
}

# v1 hierarchies of the machine: "mountpoint" per line.
cgroup_mounts() { awk '$9 == "cgroup" { print $5 }' /proc/self/mountinfo; }

# make_node_cgroups NODE HOLDER_PID: a cgroup vce2e-NODE in every hierarchy, the holder in it.
make_node_cgroups() {
  local node=$1 pid=$2 m d
  while read -r m; do
    d=$m/vce2e-$node
    echo "$d" >>"$E2E_WORK/created-cgroups"   # first: an `up` killed right here leaves nothing unrecorded
    mkdir -p "$d"
    if [[ -e $m/cpuset.cpus ]]; then   # a cpuset cgroup takes no task before it has cpus and mems
      cat "$m/cpuset.cpus" >"$d/cpuset.cpus"
      cat "$m/cpuset.mems" >"$d/cpuset.mems"
    fi
    echo "$pid" >"$d/cgroup.procs"
  done < <(cgroup_mounts)
}

join_cgroups_main() {
  local node=$1 m
  shift
  while read -r m; do
    echo "$$" >"$m/vce2e-$node/cgroup.procs"
  done < <(cgroup_mounts)
  exec "$@"
}

remove_node_cgroups() {
  local d
  [[ -f $E2E_WORK/created-cgroups ]] || return 0
  while read -r d; do
    [[ -d $d ]] || continue
    # Depth first: libvirt's machine/... cgroups of a node live below the node's.
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null ||
      log "could not remove cgroup $d: $(wc -l 2>/dev/null <"$d/cgroup.procs") tasks left"
  done < <(sort -u "$E2E_WORK/created-cgroups")
  rm -f "$E2E_WORK/created-cgroups"
}

# ip netns exec gave the node a fresh /sys without the cgroup hierarchies, and slurmd 22.05
# refuses to start without them (even with proctrack/linuxproc). Mount the machine's v1
# hierarchies again: the same controllers, so the same hierarchies, seen from the node.
mount_cgroups() {
  local c
  mount -t tmpfs -o mode=0755 cgroup /sys/fs/cgroup
  for c in cpu cpuacct cpuset memory devices freezer blkio pids; do
    grep -qw "$c" /proc/cgroups || continue
    mkdir -p "/sys/fs/cgroup/$c"
    mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
  done
  # slurm's cgroup/v1 plugin stats the systemd named hierarchy too.
  if [[ ${VC_E2E_CGROUP_SYSTEMD:-0} == 1 ]]; then
    mkdir -p /sys/fs/cgroup/systemd
    mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
  fi
}

start_node_daemons() {
  local node=$1
  EXEC_IN_PLACE=1 cluster_exec "$node" virtlogd -p /run/libvirt/virtlogd.pid \
    >>"$STATE/logs/virtlogd-$node.out" 2>&1 &
  record_pid "virtlogd:$node" $!
  start_libvirtd "$node"
}

# start_libvirtd NODE: the node's libvirtd, recorded as libvirtd:NODE. Under lib/reaper.py
# (VC_E2E_REAPER=1, the default): QEMU, daemonized by libvirt, is reaped the moment it exits, as
# systemd does on a real node; this machine's PID 1 reaps only every ~2 s, and libvirt's destroy
# waits for the zombie to go (docs/bench.md). The recorded PID is the reaper's; it passes TERM on.
start_libvirtd() {
  local node=$1
  local -a reaper=()
  [[ $VC_E2E_REAPER != 1 ]] || reaper=(/usr/bin/python3 "$E2E_DIR/lib/reaper.py")
  EXEC_IN_PLACE=1 cluster_exec "$node" "${reaper[@]}" libvirtd -p /run/libvirt/libvirtd.pid \
    >>"$STATE/logs/libvirtd-$node.out" 2>&1 &
  record_pid "libvirtd:$node" $!
}

start_slurmd() {
  local node=$1
  EXEC_IN_PLACE=1 cluster_exec "$node" slurmd -D -N "$node" -f "$SLURM_CONF" \
    >>"$STATE/logs/slurmd-$node.out" 2>&1 &
  record_pid "slurmd:$node" $!
}

libvirt_ready() { cluster_exec "$1" virsh -q -c qemu:///system version >/dev/null 2>&1; }
