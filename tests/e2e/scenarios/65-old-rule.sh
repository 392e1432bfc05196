# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario old-rule: two jobs whose numbers differ by 256 (the old rule, n mod 256 of a /16 pool,
# gave both the same subnet) share a batch host and both run. Job A runs on vnode1+vnode2; then
# slurmctld's next job id is moved to A + 256 (FirstJobId in the cluster's slurm.conf, `scontrol
# reconfigure`: slurmctld takes a FirstJobId above its sequence, see reset_first_job_id), and job
# B runs on vnode1+vnode3. They get different subnets and VNIs; each job's script reaches both of
# its own VMs, and from inside its head VM opens port 22 of its own VMs but not of the other job's
# (the probes of scenario shared). Both complete; nothing is left; slurm.conf is restored.
register_scenario old-rule scenario_old_rule "two jobs 256 ids apart (one subnet under the old rule) share a batch host, each reaching its own VMs only"

scenario_old_rule() {
  local script a b job other out p=$VC_E2E_NODE_PREFIX conf=$STATE/etc/slurm.conf
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  (($(cat "$STATE/nodes.count") >= 3)) || fail "needs 3 nodes"
  vc_all_clean || fail "leftovers before the jobs"
  script=$(shared_job_script)
  # shellcheck disable=SC2054  # the commas are sbatch's
  local -a common=(-N 2 --ntasks-per-node=1 --job-name=shared --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M
    --output="$STATE/jobs/shared-%j.out")
  a=$(submit "${common[@]}" --nodelist="${p}1,${p}2" "$script")
  cp -p "$conf" "$conf.e2e-saved"
  OLD_RULE_CONF=$conf
  OLD_RULE_RELEASE=("$STATE/jobs/shared-$a.release")
  old_rule_end() {
    echo go | tee "${OLD_RULE_RELEASE[@]}" >/dev/null
    if [[ -f $OLD_RULE_CONF.e2e-saved ]]; then mv -f "$OLD_RULE_CONF.e2e-saved" "$OLD_RULE_CONF" && scontrol reconfigure; fi
  }
  trap old_rule_end EXIT
  sed -i '/^FirstJobId=/d' "$conf"
  echo "FirstJobId=$((a + 256))" >>"$conf"
  scontrol reconfigure || fail "scontrol reconfigure"
  b=$(submit "${common[@]}" --nodelist="${p}1,${p}3" "$script")
  OLD_RULE_RELEASE+=("$STATE/jobs/shared-$b.release")
  expect_eq "job id after FirstJobId=$((a + 256))" "$((a + 256))" "$b"
  say "jobs $a (${p}1,${p}2) and $b (${p}1,${p}3): $a mod 256 = $b mod 256 = $((a % 256))"
  echo "$b" >"$STATE/jobs/shared-$a.peer"
  echo "$a" >"$STATE/jobs/shared-$b.peer"
  for job in "$a" "$b"; do
    wait_file "$STATE/jobs/shared-$job.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
  done
  local sa sb
  sa=$(jq -r .subnet "$STATE/jobs/vcluster-$a/report.json")
  sb=$(jq -r .subnet "$STATE/jobs/vcluster-$b/report.json")
  say "subnets: job $a $sa, job $b $sb (the old rule: both 10.111.$((a % 256)).0/24)"
  [[ $sa != "$sb" ]] || fail "jobs $a and $b share subnet $sa on ${p}1"
  for job in "$a" "$b"; do
    wait_for 90 "job $job probing" grep -qx probed "$STATE/jobs/shared-$job.out" ||
      fail "job $job did not finish its probes: $(cat "$STATE/jobs/shared-$job.out")"
  done
  echo go | tee "${OLD_RULE_RELEASE[@]}" >/dev/null
  for job in "$a" "$b"; do
    expect_eq "job $job state" COMPLETED "$(wait_job "$job" 60)"
  done
  for job in "$a" "$b"; do
    other=$a; [[ $job == "$a" ]] && other=$b
    out=$(<"$STATE/jobs/shared-$job.out")
    say "output of job $job:"$'\n'"      ${out//$'\n'/$'\n'      }"
    expect_eq "own VMs job $job reached" "vc$job-0 vc$job-1" "$(sed -n 's/^own-vm [^ ]*: //p' <<<"$out" | paste -sd ' ')"
    expect_eq "own IPs probed by job $job" 2 "$(grep -c '^own-ip .*: reached' <<<"$out" || true)"
    expect_eq "job $other's IPs reached from job $job's VM" "" "$(grep '^peer-ip .*: reached' <<<"$out" || true)"
    expect_eq "job $other's IPs probed by job $job" 2 "$(grep -c '^peer-ip .*: unreachable' <<<"$out" || true)"
  done
  old_rule_end
  trap - EXIT
  wait_for 90 "nothing of jobs $a and $b left on any node" vc_all_clean || fail "leftovers after the jobs"
}
