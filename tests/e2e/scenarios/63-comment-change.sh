# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario comment-change: a vc job of 2 nodes (1 VM each) whose user, once its VMs are up,
# changes the job's comment with `scontrol update JobId=X Comment=...`, so that the epilogs see
# no `vc:` (nor any SPANK_VC_*). They must still tear everything down on every node: whether a
# node holds something of a job is decided by the node's own marker (/run/vcluster/jobs/<job>)
# and journal, never by what the user can change (docs/hooks.md, "Threat model").
register_scenario comment-change scenario_comment_change "a comment changed while the job runs: the epilogs still tear down"

scenario_comment_change() {
  local script job state node domains comment
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_all_clean || fail "leftovers before the job: $(for n in $(node_names); do vc_node_left "$n"; done)"

  script=$(job_script comment-change <<'JOB'
#!/bin/bash
set -euo pipefail
for vm in ${VC_NODES//,/ }; do ssh -F "$VC_SSH_CONFIG" "$vm" hostname | sed 's/^/vm=/'; done
echo waiting
while [ ! -e "comment-change-$SLURM_JOB_ID.release" ]; do sleep 0.2; done
echo released
JOB
)
  job=$(submit -N 2 --ntasks-per-node=1 --job-name=comment-change \
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M --output="$STATE/jobs/comment-change-%j.out" "$script")
  say "submitted job $job: sbatch -N 2 --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M"
  # a failed check must not leave the job waiting (the next scenarios expect idle nodes)
  # shellcheck disable=SC2064  # the job's id now: the function's locals are gone at exit
  trap "touch '$STATE/jobs/comment-change-$job.release'" EXIT
  wait_for "${VC_E2E_BOOT_TIMEOUT:-150}" "job $job reaching its VMs" grep -qx waiting "$STATE/jobs/comment-change-$job.out" ||
    fail "job $job did not reach its VMs: $(cat "$STATE/jobs/comment-change-$job.out" 2>/dev/null)"
  for node in $(node_names | head -n 2); do
    domains=$(cluster_exec "$node" virsh -q -c qemu:///system list --state-running --name | grep -c "^vc$job-" || true)
    expect_eq "running domains of job $job on $node" 1 "$domains"
    cluster_exec "$node" test -d "/run/vcluster/jobs/$job" || fail "no marker of job $job on $node"
  done

  # the user's doing: the job's comment no longer asks for a virtual cluster
  cluster_as_user scontrol update JobId="$job" Comment="my own words" ||
    fail "scontrol update of the comment of job $job failed"
  comment=$(scontrol show job -o "$job" | grep -o 'Comment=.*' | sed 's/ [A-Za-z]*=.*//; s/ *$//')
  touch "$STATE/jobs/comment-change-$job.release"
  expect_eq "comment of job $job" "Comment=my own words" "$comment"
  say "job $job: its comment is now '${comment#Comment=}'; the script ends"

  state=$(wait_job "$job" 60)
  expect_eq "job $job state" COMPLETED "$state"
  wait_for 90 "nothing of job $job left on any node" vc_all_clean || true
  expect_all_clean "$job"
  for node in $(node_names | head -n 2); do
    # the epilogs did get the changed comment, and tore down all the same
    grep -qx 'SLURM_JOB_COMMENT=my own words' "$STATE/hook-env/epilog-$job-$node.env" ||
      fail "the epilog on $node did not get the changed comment: $(grep COMMENT "$STATE/hook-env/epilog-$job-$node.env")"
    expect_eq "the epilog's outcome on $node" "ok 0" "$(vc_outcome "$node" "$job" epilog '"\(.outcome) \(.exit)"')"
  done
  say "job $job: the epilogs saw the changed comment and left nothing on any node"
}
