#!/bin/bash
# The end-to-end cluster of Virtual Services: a real multi-node Slurm cluster on one machine.
#
#   cluster.sh up [--nodes N]   controller + N nodes (default 3), idempotent
#   cluster.sh down             ends exactly what `up` started, removes everything; idempotent
#   cluster.sh exec NODE CMD... runs CMD inside NODE (its network, mount and UTS namespaces)
#   cluster.sh as-user CMD...   runs CMD as the test user with SLURM_CONF set (sbatch, squeue...)
#   cluster.sh status           what runs, and Slurm's view of it
#   cluster.sh leaks            prints every leftover; exit 1 if there is any
#   cluster.sh env              prints the exports a client shell needs (SLURM_CONF, ...)
#
# Sourcing this file defines the same functions (cluster_up, cluster_down, cluster_exec, ...)
# without running anything. See docs/e2e.md for how it works and what it costs.
#
# Every simulated node is a long-lived "holder" process with its own network, mount and UTS
# namespaces. Inside it: tmpfs over libvirt's run/state/log/cache directories and over /run,
# private copies of /etc/libvirt and /etc/hosts, its own virtlogd and libvirtd, and slurmd.
# Everything of a node is entered with `nsenter -t HOLDER -n -m -u`; `ip netns exec` would
# make a fresh mount namespace and so talk to the machine's libvirtd instead of the node's.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/e2e/conf/cluster.defaults
source "$E2E_DIR/conf/cluster.defaults"
E2E_WORK=${VC_E2E_WORK:-$E2E_DIR/work}
STATE=$E2E_WORK/cluster
PIDS_FILE=$STATE/pids
NS_PREFIX=vce2e-
MUNGE_SOCKET=$STATE/munge/munge.socket.2
# libvirt's QEMU capabilities probe costs seconds per node and per run: kept across runs
# (tests/e2e/cache/ is not under version control; delete it to force a fresh probe).
CAPS_CACHE=$E2E_DIR/cache/libvirt-qemu-capabilities
export SLURM_CONF=$STATE/etc/slurm.conf

# ---------------------------------------------------------------------------------------
# small helpers

log() { printf '[cluster %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; return 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# wait_for SECONDS WHAT CMD...: polls CMD every 0.1 s; the message says what was awaited.
wait_for() {
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      die "timed out after ${limit}s waiting for $what"
      return 1
    fi
    sleep 0.1
  done
}

node_names() {
  local n=${1:-$(cat "$STATE/nodes.count" 2>/dev/null || echo "$VC_E2E_NODES")} i
  for ((i = 1; i <= n; i++)); do printf '%s%d\n' "$VC_E2E_NODE_PREFIX" "$i"; done
}
node_addr() { printf '%s.%d' "$VC_E2E_NET" $((10 + ${1#"$VC_E2E_NODE_PREFIX"})); }
ctld_addr() { printf '%s.1' "$VC_E2E_NET"; }
node_ns() { printf '%s%s' "$NS_PREFIX" "$1"; }
# Root-side veth name: vce2e-h + index stays under 15 characters.
node_veth() { printf 'vce2eh%s' "${1#"$VC_E2E_NODE_PREFIX"}"; }

# ---------------------------------------------------------------------------------------
# the pieces

# shellcheck source=tests/e2e/lib/pids.sh
source "$E2E_DIR/lib/pids.sh"
# shellcheck source=tests/e2e/lib/node.sh
source "$E2E_DIR/lib/node.sh"

# ---------------------------------------------------------------------------------------
# exec into a node

# cluster_exec NODE CMD...: CMD inside NODE. With EXEC_IN_PLACE=1 the calling (sub)shell
# becomes CMD, so that `EXEC_IN_PLACE=1 cluster_exec NODE daemon &` gives the daemon's PID in $!.
cluster_exec() {
  local node=$1 pid
  shift
  pid=$(holder_pid "$node") || die "node $node is not up" || return 1
  local -a enter=(nsenter -t "$pid" -n -m -u)
  if [[ $VC_E2E_CGROUPS == 1 ]]; then
    # nsenter enters the cgroup namespace but not the cgroups: join them first, or the
    # process would sit outside its own namespace's root.
    enter=("$E2E_DIR/lib/cluster.sh" _join_cgroups "$node" "${enter[@]}" -C)
  fi
  if [[ ${EXEC_IN_PLACE:-0} == 1 ]]; then
    exec "${enter[@]}" -- "$@"
  fi
  "${enter[@]}" -- "$@"
}

# The test user's commands get a login-like environment of their own: sbatch exports the
# submitter's environment into the job, and root's (VC_DIST, ...) is none of the job's business.
# AS_USER=NAME runs them as another test user (VC_E2E_USER2).
cluster_as_user() {
  local home user=${AS_USER:-$VC_E2E_USER}
  home=$(getent passwd "$user" | cut -d: -f6)
  runuser -u "$user" -- env -i HOME="$home" USER="$user" LOGNAME="$user" \
    SHELL=/bin/bash PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 SLURM_CONF="$SLURM_CONF" "$@"
}

# ---------------------------------------------------------------------------------------
# up

ensure_packages() {
  local -a missing=()
  command -v slurmctld >/dev/null || missing+=(slurmctld)
  command -v slurmd >/dev/null || missing+=(slurmd)
  command -v sbatch >/dev/null || missing+=(slurm-client)
  command -v munged >/dev/null || missing+=(munge)
  command -v libvirtd >/dev/null || missing+=(libvirt-daemon-system)
  command -v virsh >/dev/null || missing+=(libvirt-clients)
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  command -v nsenter >/dev/null || missing+=(util-linux)
  command -v ip >/dev/null || missing+=(iproute2)
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  # Debian's maintainer scripts would start the machine's munged, slurmd, libvirtd...: a
  # policy-rc.d that refuses (exit 101) keeps them down, and goes again afterwards.
  local policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, by tests/e2e/lib/cluster.sh: no daemon starts on install\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    made_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
  if ((made_policy)); then rm -f "$policy"; fi
  ((rc == 0)) || die "apt-get install ${missing[*]} failed (exit $rc)"
}

ensure_user() {
  local user
  for user in "$VC_E2E_USER" "$VC_E2E_USER2"; do
    id "$user" >/dev/null 2>&1 && continue
    log "creating test user $user"
    useradd --create-home --shell /bin/bash "$user"
  done
}

render_conf() {
  local n=$1 node lines="" task_line="#TaskProlog= (VC_E2E_TASK_PROLOG not set)"
  while read -r node; do
    lines+="NodeName=$node NodeAddr=$(node_addr "$node")"$'\n'
  done < <(node_names "$n")
  [[ -n $VC_E2E_TASK_PROLOG ]] && task_line="TaskProlog=$VC_E2E_TASK_PROLOG"
  local template
  template=$(<"$E2E_DIR/conf/slurm.conf.in")
  template=${template//@CTLD_NAME@/$VC_E2E_CTLD_NAME}
  template=${template//@CTLD_ADDR@/$(ctld_addr)}
  template=${template//@CTLD_PORT@/$VC_E2E_CTLD_PORT}
  template=${template//@MUNGE_SOCKET@/$MUNGE_SOCKET}
  template=${template//@STATE@/$STATE}
  template=${template//@HOOK_TIMEOUT@/$VC_E2E_HOOK_TIMEOUT}
  template=${template//@TASK_PROLOG_LINE@/$task_line}
  template=${template//@NODE_LINES@/${lines%$'\n'}}
  if [[ $VC_E2E_CGROUPS == 1 ]]; then
    template=${template//@PROCTRACK@/proctrack/cgroup}
    template=${template//@TASK_PLUGIN@/task/cgroup}
  else
    template=${template//@PROCTRACK@/proctrack/linuxproc}
    template=${template//@TASK_PLUGIN@/task/none}
  fi
  printf '%s\n' "$template" >"$STATE/etc/slurm.conf"
  # cgroup.conf: slurmd reads it beside slurm.conf
  cp "$E2E_DIR/conf/cgroup.conf" "$STATE/etc/cgroup.conf"

  # plugstack.conf: slurmd and the clients read it at start; a SPANK plugin is added by
  # pointing VC_E2E_PLUGSTACK at a file of "required|optional plugin.so args" lines.
  {
    echo "# plugstack.conf of the end-to-end cluster (generated by cluster.sh up)"
    if [[ -n $VC_E2E_PLUGSTACK ]]; then echo "include $VC_E2E_PLUGSTACK"; fi
  } >"$STATE/etc/plugstack.conf"

  # The hooks: links to the recording wrapper; <hook>.target names the product's hook.
  mkdir -p "$STATE/etc/hooks"
  ln -sfn "$E2E_DIR/hooks/record-env" "$STATE/etc/hooks/prolog"
  ln -sfn "$E2E_DIR/hooks/record-env" "$STATE/etc/hooks/epilog"
  if [[ -n $VC_DIST ]]; then
    local hook
    for hook in prolog epilog; do
      [[ -x $VC_DIST/bin/vcluster-$hook ]] || die "VC_DIST=$VC_DIST has no executable bin/vcluster-$hook" || return 1
      printf '%s\n' "$VC_DIST/bin/vcluster-$hook" >"$STATE/etc/hooks/$hook.target"
    done
  fi
}

start_munge() {
  mkdir -p "$STATE/munge"
  chmod 0755 "$STATE/munge"   # munged refuses group/world-writable directories
  dd if=/dev/urandom of="$STATE/munge/munge.key" bs=1024 count=1 status=none
  chmod 0400 "$STATE/munge/munge.key"
  munged --foreground --force --socket="$MUNGE_SOCKET" --key-file="$STATE/munge/munge.key" \
    --pid-file="$STATE/munge/munged.pid" --log-file="$STATE/logs/munged.log" \
    --seed-file="$STATE/munge/munged.seed" >>"$STATE/logs/munged.out" 2>&1 &
  record_pid munged $!
  wait_for 10 "munged socket $MUNGE_SOCKET" test -S "$MUNGE_SOCKET"
}

start_slurmctld() {
  mkdir -p "$STATE/ctld"
  # slurmctld checks that its hostname is SlurmctldHost: give it a UTS namespace of its own.
  # unshare and sh exec, so $! is slurmctld's PID.
  # shellcheck disable=SC2016  # $1 and $@ belong to the inner sh
  unshare --uts -- sh -c 'hostname "$1" && shift && exec "$@"' sh "$VC_E2E_CTLD_NAME" \
    slurmctld -D -i -f "$SLURM_CONF" >>"$STATE/logs/slurmctld.out" 2>&1 &
  record_pid slurmctld $!
  # slurmd backs off for a long time when the controller is not there yet.
  wait_for 20 "slurmctld to answer (scontrol ping)" ctld_up
}

ctld_up() { scontrol ping 2>/dev/null | grep -q 'is UP'; }

make_underlay() {
  if ! ip link show "$VC_E2E_BRIDGE" >/dev/null 2>&1; then
    ip link add "$VC_E2E_BRIDGE" type bridge
  fi
  ip addr replace "$(ctld_addr)/24" dev "$VC_E2E_BRIDGE"
  ip link set "$VC_E2E_BRIDGE" up
}

nodes_idle() {
  local n=$1 idle
  idle=$(sinfo -h -N -o '%N %t' 2>/dev/null | awk '$2 == "idle"' | wc -l)
  ((idle == n))
}

cluster_healthy() {
  [[ -f $STATE/nodes.count ]] || return 1
  local n node
  n=$(cat "$STATE/nodes.count")
  for node in munged slurmctld; do [[ -n $(recorded_alive "$node") ]] || return 1; done
  while read -r node; do
    for role in holder virtlogd libvirtd slurmd; do
      [[ -n $(recorded_alive "$role:$node") ]] || return 1
    done
  done < <(node_names "$n")
  ctld_up
}

cluster_up() {
  local n=$VC_E2E_NODES
  while (($#)); do
    case $1 in
      --nodes) n=${2:?--nodes needs a number}; shift 2 ;;
      *) die "up: unknown argument $1 (usage: up [--nodes N])"; return 2 ;;
    esac
  done
  [[ $n =~ ^[1-9][0-9]?$ ]] || die "up: --nodes must be 1..99" || return 2
  if cluster_healthy && [[ $(cat "$STATE/nodes.count") == "$n" ]]; then
    log "already up with $n nodes"
    return 0
  fi
  if [[ -e $STATE ]] || ip netns list | grep -q "^$NS_PREFIX"; then
    log "left-overs of an earlier run: taking them down first"
    cluster_down
  fi
  ensure_packages
  ensure_user

  local t0 node
  t0=$(now)
  mkdir -p "$STATE"/{etc,logs,run,spool,nodes,hook-env}
  mkdir "$STATE/jobs"
  # the test user's working folder: the prolog writes the report's copy only into a folder of the job's user
  chown "$VC_E2E_USER" "$STATE/jobs"
  chmod 0755 "$STATE/jobs"
  echo "$n" >"$STATE/nodes.count"
  make_node_dir_mountpoints
  : >"$PIDS_FILE"
  render_conf "$n"
  start_munge
  make_underlay
  start_slurmctld
  while read -r node; do make_node "$node"; done < <(node_names "$n")
  while read -r node; do start_node_daemons "$node"; done < <(node_names "$n")
  while read -r node; do start_slurmd "$node"; done < <(node_names "$n")
  wait_for 30 "all $n nodes idle in sinfo" nodes_idle "$n"
  log "slurm up: $n nodes idle after $(elapsed "$t0")s"
  # The first capabilities probe of each libvirtd takes seconds: pay it now, in parallel.
  local -a probes=()
  while read -r node; do
    wait_for 30 "libvirtd of $node at qemu:///system" libvirt_ready "$node"
    cluster_exec "$node" virsh -q -c qemu:///system capabilities >/dev/null &
    probes+=($!)
  done < <(node_names "$n")
  local p
  for p in "${probes[@]}"; do wait "$p" || die "libvirt capabilities probe failed" || return 1; done
  save_caps_cache "$(node_names "$n" | head -n 1)"
  log "cluster up: $n nodes, slurm + libvirtd per node, in $(elapsed "$t0")s"
}

save_caps_cache() {
  local node=$1
  compgen -G "$CAPS_CACHE/*.xml" >/dev/null && return 0
  mkdir -p "$CAPS_CACHE"
  # shellcheck disable=SC2016  # $1 belongs to the inner sh
  cluster_exec "$node" sh -c 'cp /var/cache/libvirt/qemu/capabilities/*.xml "$1"/' sh "$CAPS_CACHE" ||
    log "could not keep the QEMU capabilities cache (next run probes again)"
}

# ---------------------------------------------------------------------------------------
# down

# destroy_domains NODE: a domain left by a test would leave its qemu process behind, which
# outlives libvirtd; end it the libvirt way while that node's libvirtd still runs.
destroy_domains() {
  local node=$1 dom
  [[ -n $(recorded_alive "libvirtd:$node") ]] || return 0
  while read -r dom; do
    [[ -n $dom ]] || continue
    log "destroying left-over domain $dom on $node"
    cluster_exec "$node" virsh -q -c qemu:///system destroy "$dom" >/dev/null 2>&1 || true
    cluster_exec "$node" virsh -q -c qemu:///system undefine --nvram "$dom" >/dev/null 2>&1 ||
      cluster_exec "$node" virsh -q -c qemu:///system undefine "$dom" >/dev/null 2>&1 || true
  done < <(cluster_exec "$node" timeout 10 virsh -q -c qemu:///system list --all --name 2>/dev/null)
}

# ns_stragglers NS: PIDs still in a node's network namespace (job steps, hooks, qemu...),
# all children of what we started there.
ns_stragglers() { ip netns pids "$1" 2>/dev/null || true; }

cluster_down() {
  local t0 node ns pid
  t0=$(now)
  local dir
  for dir in "$STATE"/nodes/*/; do
    [[ -d $dir ]] && destroy_domains "$(basename "$dir")"
  done
  stop_recorded 'slurmd:*'
  stop_recorded slurmctld
  stop_recorded 'libvirtd:*'
  stop_recorded 'virtlogd:*'
  stop_recorded 'holder:*'
  stop_recorded munged
  # A daemon started by an `up` that died before recording it still names our state
  # directory on its command line: it is ours, end it by that PID. (libvirtd and virtlogd
  # do not, but they live in a node namespace: see below.)
  local p cmd
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
    if [[ $cmd == *"$STATE/"* && $(cat "$p/comm" 2>/dev/null) =~ ^(munged|slurmctld|slurmd|slurmstepd)$ ]]; then
      log "ending unrecorded process $pid: $cmd"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  # Whatever else still lives in our namespaces descends from what we started there.
  for ns in $(ip netns list | awk -v p="$NS_PREFIX" 'index($1, p) == 1 { print $1 }'); do
    for pid in $(ns_stragglers "$ns"); do
      log "ending left-over process $pid in $ns: $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")"
      kill -KILL "$pid" 2>/dev/null || true
    done
    ip netns del "$ns"
  done
  # Root-side veths vanish with their namespace; the bridge is ours to remove.
  local link
  for link in $(ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' | grep '^vce2e' || true); do
    ip link del "$link" 2>/dev/null || true
  done
  remove_node_dir_mountpoints
  remove_node_cgroups
  if [[ -d $STATE ]]; then
    if [[ $VC_E2E_KEEP_LOGS == 1 && -d $STATE/logs ]]; then
      local keep
      keep=$E2E_WORK/logs-$(date +%Y%m%d-%H%M%S)
      cp -a "$STATE/logs" "$keep"
      cp -a "$STATE/hook-env" "$keep/" 2>/dev/null || true
      log "logs kept in $keep"
    fi
    rm -rf "$STATE"
  fi
  log "down in $(elapsed "$t0")s"
}

# ---------------------------------------------------------------------------------------
# leaks: every leftover of ours, one line each; exit 1 if any.

cluster_leaks() {
  local found=0 line
  report() { echo "LEAK $*"; found=1; }
  while read -r line; do report "namespace: $line"; done < <(ip netns list | grep "^$NS_PREFIX" || true)
  while read -r line; do report "link: $line"; done < <(ip -br link | grep '^vce2e' || true)
  while read -r line; do report "mount: $line"; done < <(grep -e "$E2E_WORK" -e "/run/netns/$NS_PREFIX" /proc/self/mountinfo || true)
  while read -r line; do report "process (recorded): $line"; done < <(recorded_alive)
  # Processes that name our work directory (daemons started with its paths, job steps).
  local p cmd
  for p in /proc/[0-9]*; do
    [[ ${p#/proc/} == "$$" || ${p#/proc/} == "$BASHPID" ]] && continue
    cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
    [[ $cmd == *"$STATE"* ]] && report "process ${p#/proc/}: $cmd"
  done
  while read -r line; do report "file: $line"; done < <(find "$STATE" -maxdepth 0 2>/dev/null || true)
  while read -r line; do report "mount point: $line"; done < <(cat "$E2E_WORK/created-mountpoints" 2>/dev/null || true)
  while read -r line; do report "cgroup: $line"; done < <(find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -name 'vce2e-*' 2>/dev/null || true)
  if ((found == 0)); then echo "no leaks"; fi
  return "$found"
}

cluster_status() {
  if [[ ! -d $STATE ]]; then
    echo "cluster: down"
    return 0
  fi
  echo "cluster: $(cat "$STATE/nodes.count" 2>/dev/null || echo '?') nodes, state in $STATE"
  echo "processes (role pid):"
  recorded_alive | sed 's/^/  /'
  echo "SLURM_CONF=$SLURM_CONF"
  sinfo -N -o '%N %t %E' 2>&1 | sed 's/^/  /'
  squeue 2>&1 | sed 's/^/  /'
}

cluster_env() {
  printf 'export SLURM_CONF=%q\n' "$SLURM_CONF"
}

up_failed_hint() {
  local rc=$?
  ((rc == 0)) || log "up failed (exit $rc): logs in $STATE/logs; cluster.sh down cleans up"
}

cluster_main() {
  set -euo pipefail
  local cmd=${1:-}
  shift || true
  case $cmd in
    up)
      trap up_failed_hint EXIT
      cluster_up "$@"
      ;;
    down) cluster_down "$@" ;;
    exec) (($# >= 2)) || { echo "usage: cluster.sh exec NODE CMD..." >&2; return 2; }; cluster_exec "$@" ;;
    as-user) cluster_as_user "$@" ;;
    status) cluster_status ;;
    leaks) cluster_leaks ;;
    env) cluster_env ;;
    _holder) holder_main "$@" ;;
    _holder_cgroup_ns) holder_cgroup_ns_main "$@" ;;
    _join_cgroups) join_cgroups_main "$@" ;;
    *) echo "usage: cluster.sh up [--nodes N] | down | exec NODE CMD... | as-user CMD... | status | leaks | env" >&2; return 2 ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  cluster_main "$@"
fi
