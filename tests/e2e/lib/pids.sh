# shellcheck shell=bash
# Records of the processes the end-to-end cluster starts, and ending exactly those.
# Sourced by tests/e2e/lib/cluster.sh (uses its PIDS_FILE, log, VC_E2E_STOP_WAIT).
# PID records: "role pid starttime" per line. The start time (field 22 of /proc/PID/stat)
# guards against ending an unrelated process that got a recycled PID.

proc_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }          # drop "pid (comm) ", comm may contain spaces
  # shellcheck disable=SC2086  # split on purpose: the fields of /proc/PID/stat
  set -- $stat
  # A zombie has ended; this machine's init reaps orphans only every few seconds.
  [[ $1 != Z ]] || return 1
  printf '%s' "${20}"        # field 22 overall is field 20 after pid and comm
}

record_pid() {
  local role=$1 pid=$2 start
  start=$(proc_starttime "$pid") || die "$role (pid $pid) died right after its start" || return 1
  printf '%s %s %s\n' "$role" "$pid" "$start" >>"$PIDS_FILE"
}

# recorded_alive ROLE_PATTERN: prints "role pid" of every recorded process still running.
recorded_alive() {
  local pattern=${1:-*} role pid start
  [[ -f $PIDS_FILE ]] || return 0
  while read -r role pid start; do
    # shellcheck disable=SC2053  # glob match on purpose
    [[ $role == $pattern ]] || continue
    [[ $(proc_starttime "$pid" 2>/dev/null) == "$start" ]] && printf '%s %s\n' "$role" "$pid"
  done <"$PIDS_FILE"
  return 0
}

# stop_recorded ROLE_PATTERN: TERM, a bounded wait, then KILL; by recorded PID only.
stop_recorded() {
  local pattern=$1 role pid
  local -a pids=()
  while read -r role pid; do
    log "stopping $role (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  done < <(recorded_alive "$pattern")
  ((${#pids[@]})) || return 0
  local deadline=$((SECONDS + VC_E2E_STOP_WAIT))
  while ((SECONDS < deadline)); do
    [[ -z $(recorded_alive "$pattern") ]] && return 0
    sleep 0.1
  done
  while read -r role pid; do
    log "killing $role (pid $pid): still running ${VC_E2E_STOP_WAIT}s after TERM"
    kill -KILL "$pid" 2>/dev/null || true
  done < <(recorded_alive "$pattern")
  sleep 0.2
}

holder_pid() {
  local role pid
  read -r role pid < <(recorded_alive "holder:$1") || return 1
  [[ -n $pid ]] && printf '%s' "$pid"
}

