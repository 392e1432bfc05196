# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario confine: the VMs live inside their job's CPUs and memory (docs/hooks.md, "The job's
# CPUs and memory"). Two 1-CPU jobs share vnode2 (Slurm: task/cgroup, ConstrainCores), one VM
# each. While both run, the kernel shows every thread of each job's QEMU allowed only on that
# job's CPU (/proc/PID/task/*/status Cpus_allowed_list), the two CPUs differ, and each equals the
# cpuset Slurm itself made for the job (its extern step's cgroup, made after the prolog); each
# QEMU's memory cgroup has the hard limit of its VM plus domain.memoryOverheadMiB plus, under TCG,
# domain.tcgCacheMiB (the domain's <tcg><tb-cache>, read back from libvirt). After the jobs
# the epilog's log and the user's vcluster-<job>-usage/<node>.json name each VM's CPU seconds and
# peak memory. Then a guest that uses more memory
# than its VM may (domain.memoryOverheadMiB 0 on vnode1, a process in the guest filling its RAM)
# is stopped by its cgroup's limit (the kernel's "Memory cgroup out of memory" kills that QEMU,
# nothing else), and vnode1 stays in service.
# domain.tcgCacheMiB's default: the e2e nodes run TCG (domain type qemu)
readonly CONFINE_TCG_CACHE=128
register_scenario confine scenario_confine "two jobs on one node: each job's QEMU on its own CPU, memory bounded, usage recorded"

confine_job_script() {
  job_script confine <<'JOB'
#!/bin/bash
set -euo pipefail
me=$SLURM_JOB_ID
ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" 'for i in $(seq 1 40); do :; done; hostname' >"confine-$me.ready"
for ((i = 0; i < 900; i++)); do [[ -s confine-$me.release ]] && break; sleep 0.2; done
# a little CPU in the guest, for the usage record
ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" 'timeout 2 sh -c "while :; do :; done" || true'
echo done
JOB
}

# the guest fills its memory: tail keeps a line without a newline whole
confine_oom_script() {
  job_script confine-oom <<'JOB'
#!/bin/bash
me=$SLURM_JOB_ID
ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" hostname >"confine-$me.ready"
ssh -F "$VC_SSH_CONFIG" -o ServerAliveInterval=2 -o ServerAliveCountMax=3 "$VC_HEAD" \
  'head -c 1000M /dev/zero | tail | wc -c' >"confine-$me.fill" 2>&1
echo "fill exit $?" >>"confine-$me.fill"
JOB
}

# confine_qemu NODE JOB: the pid of the job's first VM's QEMU on NODE.
confine_qemu() { cluster_exec "$1" cat "/run/libvirt/qemu/vc$2-0.pid"; }

# confine_allowed NODE PID: the distinct Cpus_allowed_list of all of PID's threads.
confine_allowed() {
  cluster_exec "$1" sh -c "cat /proc/$2/task/*/status" | sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' | sort -u |
    paste -sd ' '
}

# confine_memcg NODE PID: the memory cgroup folder of PID as NODE mounts it.
confine_memcg() {
  printf '/sys/fs/cgroup/memory%s' "$(cluster_exec "$1" sed -n 's/^[0-9]*:memory://p' "/proc/$2/cgroup")"
}

scenario_confine() {
  local script a b job pid allowed slurm_cpus limit uid line node usage cpus=() t0
  local p=$VC_E2E_NODE_PREFIX
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  [[ $VC_E2E_CGROUPS == 1 ]] || { say "needs VC_E2E_CGROUPS=1"; exit 77; }
  vc_all_clean || fail "leftovers before the jobs"
  uid=$(id -u "$VC_E2E_USER")
  script=$(confine_job_script)
  # shellcheck disable=SC2054  # the commas are sbatch's
  local -a common=(-N 1 --nodelist="${p}2" --ntasks=1 --cpus-per-task=1 --mem=768M --job-name=confine
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M --output="$STATE/jobs/confine-%j.out")
  a=$(submit "${common[@]}" "$script")
  b=$(submit "${common[@]}" "$script")
  say "submitted jobs $a and $b, 1 CPU and --mem=768M each, both on ${p}2"
  CONFINE_RELEASE=("$STATE/jobs/confine-$a.release" "$STATE/jobs/confine-$b.release")
  # shellcheck disable=SC2317  # run by the trap
  confine_release() { echo go | tee "${CONFINE_RELEASE[@]}" >/dev/null; }
  trap confine_release EXIT
  for job in "$a" "$b"; do wait_file "$STATE/jobs/confine-$job.ready" "${VC_E2E_BOOT_TIMEOUT:-150}"; done
  expect_eq "jobs RUNNING at once" 2 "$(squeue -h -t RUNNING -j "$a,$b" | wc -l)"

  for job in "$a" "$b"; do
    pid=$(confine_qemu "${p}2" "$job")
    allowed=$(confine_allowed "${p}2" "$pid")
    # Slurm's own cpuset of the job (its extern step's, made after the prolog); "slurm_<node>" where
    # slurmd is built for several per host, as Debian's is (cgroup.conf CgroupPrepend)
    slurm_cpus=$(cluster_exec "${p}2" sh -c "cat /sys/fs/cgroup/cpuset/slurm_${p}2/uid_$uid/job_$job/cpuset.cpus \
      /sys/fs/cgroup/cpuset/slurm/uid_$uid/job_$job/cpuset.cpus 2>/dev/null" || true)
    say "job $job: QEMU $pid, $(cluster_exec "${p}2" sh -c "ls /proc/$pid/task | wc -l") threads, Cpus_allowed_list '$allowed'; Slurm's cpuset of the job: '$slurm_cpus'"
    [[ $allowed =~ ^[0-9]+$ ]] || fail "job $job: QEMU's threads are allowed on '$allowed', not on one CPU"
    expect_eq "job $job: QEMU's CPU against Slurm's cpuset of the job" "$slurm_cpus" "$allowed"
    cpus+=("$allowed")
    line=$(cluster_exec "${p}2" grep -h "the job's CPUs here" "/var/lib/vcluster/logs/$job.log")
    say "job $job prolog: ${line#* }"
    limit=$(cluster_exec "${p}2" cat "$(confine_memcg "${p}2" "$pid")/memory.limit_in_bytes")
    expect_eq "job $job: QEMU's memory cgroup limit" $(((384 + 256 + CONFINE_TCG_CACHE) << 20)) "$limit"
    expect_eq "job $job: QEMU's translation cache" "tb-size=$CONFINE_TCG_CACHE" \
      "$(cluster_exec "${p}2" sh -c "tr '\\0' ' ' < /proc/$pid/cmdline" | grep -o "tb-size=[0-9]*" || true)"
    say "job $job: memory.limit_in_bytes $limit ($((limit >> 20)) MiB) in $(confine_memcg "${p}2" "$pid")"
  done
  [[ ${cpus[0]} != "${cpus[1]}" ]] || fail "jobs $a and $b share CPU ${cpus[0]}"

  confine_release
  trap - EXIT
  for job in "$a" "$b"; do expect_eq "job $job state" COMPLETED "$(wait_job "$job" 90)"; done
  wait_for 90 "nothing of jobs $a and $b left" vc_all_clean || true
  expect_all_clean "$a" "$b"
  for job in "$a" "$b"; do
    line=$(cluster_exec "${p}2" grep -h "vc$job-0 used" "/var/lib/vcluster/logs/$job.log") ||
      fail "job $job: no usage line in the epilog's log"
    say "job $job epilog: ${line#* }"
    [[ $line =~ used\ ([0-9]+\.[0-9]+)\ CPU\ seconds,\ peak\ memory\ ([0-9]+)\ MiB ]] ||
      fail "job $job: usage line without CPU seconds and peak memory: $line"
    awk -v s="${BASH_REMATCH[1]}" 'BEGIN { exit !(s > 1) }' || fail "job $job: ${BASH_REMATCH[1]} CPU seconds"
    usage=$STATE/jobs/vcluster-$job-usage/${p}2.json
    [[ -s $usage ]] || fail "job $job: no $usage for the user"
    say "job $job, the user's $(basename "$(dirname "$usage")")/$(basename "$usage"): $(jq -c . "$usage")"
    expect_eq "job $job: VM in the usage record" "vc$job-0" "$(jq -r '.vms[0].name' "$usage")"
    jq -e '.vms[0].cpuSeconds > 1 and .vms[0].peakMemoryMiB > 0 and .vms[0].memoryLimitMiB == 768' "$usage" \
      >/dev/null || fail "job $job: usage record $(jq -c . "$usage")"
    measure "vm-cpu-seconds-$job" "${BASH_REMATCH[1]}"
    measure "vm-peak-mib-$job" "${BASH_REMATCH[2]}"
  done

  # A guest beyond its VM's bound: stopped by its cgroup, not by the node.
  node=${p}1
  site_edit_begin "$node"
  cluster_exec "$node" sed -i 's|^  type: qemu|  type: qemu\n  memoryOverheadMiB: 0\n  tcgCacheMiB: 0|' /etc/vcluster/site.yaml
  job=$(submit -N 1 --nodelist="$node" --ntasks=1 --mem=768M --job-name=confine-oom \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M --output="$STATE/jobs/confine-%j.out" "$(confine_oom_script)")
  site_edit_job "$job"
  wait_file "$STATE/jobs/confine-$job.ready" "${VC_E2E_BOOT_TIMEOUT:-150}"
  pid=$(confine_qemu "$node" "$job")
  limit=$(cluster_exec "$node" cat "$(confine_memcg "$node" "$pid")/memory.limit_in_bytes")
  expect_eq "job $job: QEMU's limit with no overhead" $((384 << 20)) "$limit"
  say "job $job: QEMU $pid bounded at $((limit >> 20)) MiB; the guest now fills its memory"
  t0=$(now)
  expect_eq "job $job state" COMPLETED "$(wait_job "$job" 240)"
  say "guest side: $(tr '\n' ' ' <"$STATE/jobs/confine-$job.fill")"
  line=$(dmesg | grep -E "Memory cgroup out of memory: Killed process $pid\b" | tail -n 1) ||
    fail "no memory cgroup OOM kill of QEMU $pid in the kernel's log: $(dmesg | grep -i 'out of memory' | tail -n 3)"
  say "kernel: ${line#*] }"
  if dmesg | grep -E "Out of memory: Killed process" | grep -v 'Memory cgroup' | grep -q .; then
    say "(the machine's log has global OOM kills too; checking they are not this QEMU's)"
    dmesg | grep -E "^.*Out of memory: Killed process $pid\b" | grep -v 'Memory cgroup' | grep -q . &&
      fail "QEMU $pid was killed by the node's OOM killer, not its cgroup's"
  fi
  measure oom-after "$(secs_between "$t0" "$(now)")"
  wait_for 90 "nothing of job $job left" vc_all_clean || true
  expect_all_clean "$job"
  site_edit_end
  # Slurm shows the node idle a moment after the job's end; drained it must never be
  wait_for 60 "every node idle" nodes_all_idle ||
    fail "nodes not idle after the OOM job: $(sinfo -h -N -o '%N %t %E' | paste -sd ';')"
}
