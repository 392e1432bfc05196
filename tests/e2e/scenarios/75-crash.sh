# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario crash: the real prolog DIES (site.yaml `testing: {faultPoint: P, faultAction: die}`,
# a halt as kill -9 would be: no rollback, no evidence, no ERROR file) at one point after
# another - journal, fabric, disk:<vm>, seed:<vm>, define:<vm>, start:<vm>, ready, report - in
# a 1-node vc job on vnode1. slurmd sees a failed prolog: it drains the node, requeues the job
# held, and runs the epilog, which must remove whatever the dead prolog made, going by its
# journal. Each round checks: the log's last prolog line is the step before the point, the
# prolog never said "done" nor rolled back, the epilog removed the domain / network the point
# implies, and nothing of any vc job is left on any node. Then scancel, resume, site.yaml
# restored (also by a trap).
#
# The points that name a VM need the job id before the prolog runs. Rather than predicting the
# next id (ids are sequential, but completed jobs leave slurmctld after MinJobAge, so "last id
# + 1" is a guess), each job is submitted held (sbatch --hold: no prolog runs while held), its id
# read from sbatch, the fault point written, and only then the job released.
register_scenario crash scenario_crash "a prolog killed at any point: the epilog leaves nothing (journal..report)"

# crash_last_prolog_line NODE JOB: the prolog's last log line of JOB on NODE (message only).
crash_last_prolog_line() {
  cluster_exec "$1" sh -c "grep -h 'vcluster-prolog' /var/lib/vcluster/logs/$2.log 2>/dev/null | tail -n 1"
}

# crash_round POINT-TEMPLATE EXPECTED-LAST-LINE: one job whose prolog dies at the point
# (@VM@ in the template becomes the job's VM name, vc<job>-0).
crash_round() {
  local template=$1 want_last=$2 job point state log last t0 t_held t_clean
  t0=$(now)
  job=$(submit --hold -N 1 --ntasks-per-node=1 --nodelist="$CR_NODE" --job-name=crash \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M --output="$STATE/jobs/crash-%j.out" --wrap 'echo ran')
  site_edit_job "$job"
  point=${template//@VM@/vc$job-0}
  # The saved copy is the original; each round starts from it.
  site_edit_reset "$CR_NODE"
  cluster_exec "$CR_NODE" sh -c "printf 'testing:\n  faultPoint: \"%s\"\n  faultAction: die\n' '$point' >>/etc/vcluster/site.yaml"
  scontrol release "$job"
  state=$(wait_job "$job" 90)
  t_held=$(now)
  expect_eq "job $job state (prolog died at $point)" "PENDING(launch_failed_requeued_held)" "$state"
  [[ ! -e $STATE/jobs/crash-$job.out ]] || fail "job $job's script ran: $(cat "$STATE/jobs/crash-$job.out")"
  # slurmd runs the epilog after the failed prolog; it ends when nothing is left.
  wait_for 60 "nothing of job $job left after the prolog died at $point" vc_all_clean || true
  t_clean=$(now)
  log=$(cluster_exec "$CR_NODE" cat "/var/lib/vcluster/logs/$job.log")
  say "log of job $job on $CR_NODE (prolog died at $point):"$'\n'"      ${log//$'\n'/$'\n'      }"
  expect_all_clean "$job"
  last=$(crash_last_prolog_line "$CR_NODE" "$job")
  local alt said= alts
  IFS='|' read -ra alts <<<"$want_last"
  for alt in "${alts[@]}"; do [[ $last == *"$alt"* ]] && said=1; done
  [[ -n $said ]] || fail "died at $point: the prolog's last line should say '$want_last': $last"
  ! grep -q 'prolog done' <<<"$log" || fail "died at $point, yet the prolog said done"
  ! grep -q 'rolled back' <<<"$log" || fail "died at $point, yet the prolog rolled back (it should have had no chance)"
  grep -q 'vcluster-epilog.*epilog done' <<<"$log" || fail "no 'epilog done' in the log of job $job"
  # a death inside the make's disk or seed step may come before the network and the domain exist
  # (they are made at once): then only the state folder is left, which expect_all_clean checked
  case $template in
    journal | disk:* | seed:*) ;;
    *) grep -q 'resource(s) removed' <<<"$log" || fail "died at $point: the epilog removed nothing" ;;
  esac
  case $template in
    define:* | start:* | ready | report) grep -q "removed domain vc$job-0" <<<"$log" ||
      fail "died at $point: the epilog did not remove domain vc$job-0" ;;
  esac
  case $template in
    journal) ;;
    *) grep -q 'network of vni [0-9,]* removed' <<<"$log" || fail "died at $point: the epilog did not remove the network" ;;
  esac
  measure "${template%%:*}-to-held" "$(secs_between "$t0" "$t_held")"
  measure "${template%%:*}-held-to-clean" "$(secs_between "$t_held" "$t_clean")"

  scancel "$job"
  expect_eq "job $job state after scancel" CANCELLED "$(wait_job "$job" 30)"
  site_edit_job ""
  scontrol update nodename="$CR_NODE" state=resume
  wait_for 30 "every node idle" nodes_all_idle || fail "nodes not idle: $(sinfo -h -N -o '%N %t %E' | paste -sd ';')"
}

scenario_crash() {
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_all_clean || fail "leftovers before the job: $(for n in $(node_names); do vc_node_left "$n"; done)"
  CR_NODE=${VC_E2E_NODE_PREFIX}1
  site_edit_begin "$CR_NODE"

  # point (a VM's name as @VM@) and the prolog's last line before it: what it logged last (one of
  # a|b|c). Disks, seeds, domains and the network are made at once, and each dies as it is made: the
  # network may not be begun, be half made ("making bridge") or be up when a disk, a seed or a
  # domain is. When the job's CPUs are known, each VM's pinning ("vCPUs on CPUs") is logged after the
  # plan and before the network begins.
  crash_round journal "plan: "
  crash_round fabric "is up"
  crash_round disk:@VM@ "plan: |vCPUs on CPUs|making bridge|is up"
  crash_round seed:@VM@ "plan: |vCPUs on CPUs|making bridge|is up"
  crash_round define:@VM@ "plan: |vCPUs on CPUs|making bridge|is up"
  crash_round start:@VM@ "disks and seeds made"
  crash_round ready "VM(s) ready"
  crash_round report "VM(s) ready"

  site_edit_end
}
