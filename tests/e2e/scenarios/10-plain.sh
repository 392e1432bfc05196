# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario plain: a job that asks for no virtual cluster runs as the test user on 2 nodes,
# exactly as it would without Virtual Services, and nothing is made on any node for it.
register_scenario plain scenario_plain "2-node job without a vc request runs as the user, untouched"

scenario_plain() {
  local node script job t_submit t_start t_end state out
  local -A before=()
  for node in $(node_names); do before[$node]=$(node_snapshot "$node"); done

  script=$(job_script plain <<'JOB'
#!/bin/bash
# Marks its own start first: sbatch-to-start is measured against this.
date +%s.%N >"plain-$SLURM_JOB_ID.start"   # cwd: the jobs directory (--chdir)
echo "user=$(id -un)"
echo "nodes=$SLURM_JOB_NODELIST"
srun --ntasks=2 --ntasks-per-node=1 hostname | sort | sed 's/^/task=/'
# Anything of Virtual Services in the job's environment would mean it was touched.
env | grep -E '^(VC_|VCLUSTER)' | sed 's/^/vcenv=/' || true
echo done
JOB
)
  t_submit=$(now)
  job=$(submit -N 2 --job-name=plain --output="$STATE/jobs/plain-%j.out" "$script")
  say "submitted job $job"
  wait_file "$STATE/jobs/plain-$job.start" 60
  t_start=$(<"$STATE/jobs/plain-$job.start")
  state=$(wait_job "$job" 60)
  t_end=$(now)
  expect_eq "job $job state" COMPLETED "$state"

  out=$(<"$STATE/jobs/plain-$job.out")
  say "output:"$'\n'"      ${out//$'\n'/$'\n'      }"
  expect_eq "user" "user=$VC_E2E_USER" "$(grep '^user=' <<<"$out")"
  expect_eq "node list" "nodes=${VC_E2E_NODE_PREFIX}[1-2]" "$(grep '^nodes=' <<<"$out")"
  expect_eq "tasks" "task=${VC_E2E_NODE_PREFIX}1 task=${VC_E2E_NODE_PREFIX}2" \
    "$(grep '^task=' <<<"$out" | paste -sd ' ')"
  expect_eq "Virtual Services variables in the job" "" "$(grep '^vcenv=' <<<"$out" || true)"
  expect_eq "last line" "done" "$(tail -n 1 <<<"$out")"
  for node in $(node_names); do
    expect_eq "links and domains on $node after the job" "${before[$node]}" "$(node_snapshot "$node")"
  done

  measure sbatch-to-start "$(awk -v a="$t_submit" -v b="$t_start" 'BEGIN { printf "%.2f", b - a }')"
  measure whole-job "$(awk -v a="$t_submit" -v b="$t_end" 'BEGIN { printf "%.2f", b - a }')"
}
