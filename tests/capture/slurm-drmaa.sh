#!/usr/bin/env bash
# Captures what the real Slurm 22.05 of the end-to-end cluster prints for the commands the DRMAA
# session of `vcluster submit` runs (sbatch --parsable, squeue --Format=..., sacct, scancel), so
# that the launcher's parsers and session tests play Slurm's own output rather than our reading
# of its manual. Every capture is four files in the output folder:
#   NAME.argv (one word a line, as run), NAME.stdout, NAME.stderr, NAME.status (exit status)
# The argv are the product's own (SlurmSession); the jobs are plain ones, no virtual cluster.
#
# Usage, holding the end-to-end lock for the whole run (the cluster can exist only once):
#   flock /tmp/e2e.lock tests/capture/slurm-drmaa.sh [OUTPUT-FOLDER]
# default output: launcher/src/test/resources/drmaa/slurm (relative to the repository root).
# It brings the cluster up when it is not (without the product's hooks) and takes down only
# what it brought up.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly ROOT
readonly OUT="${1:-$ROOT/launcher/src/test/resources/drmaa/slurm}"
# The squeue columns the session reads (SlurmSession.SQUEUE_FORMAT): '|' after each, no padding.
readonly SQUEUE_FORMAT='JobID:|,State:|,Reason:|,exit_code:|,UserName:|,WorkDir:'
readonly SACCT_FORMAT='JobID,State,ExitCode,User,WorkDir'

# shellcheck source=tests/e2e/lib/cluster.sh
source "$ROOT/tests/e2e/lib/cluster.sh"

# capture NAME CMD...: runs CMD as the test user and keeps argv, output and status under NAME.
capture() {
  local name=$1 status=0
  shift
  printf '%s\n' "$@" >"$OUT/$name.argv"
  cluster_as_user "$@" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr" || status=$?
  printf '%s\n' "$status" >"$OUT/$name.status"
  printf '  %-22s exit %-3s %s\n' "$name" "$status" "$(cat "$OUT/$name.stdout" "$OUT/$name.stderr" | head -c 100 | tr '\n' ' ')" >&2
}

# squeue_job NAME JOB: the session's status query for one job.
squeue_job() { capture "$1" squeue --noheader --states=all --jobs="$2" --Format="$SQUEUE_FORMAT"; }

# job_id NAME: the id in a capture of sbatch --parsable.
job_id() { cut -d';' -f1 <"$OUT/$1.stdout"; }

# state_of JOB: the job's state, for waiting here (not captured).
state_of() { cluster_as_user squeue --noheader --states=all --jobs="$1" --Format=State: | tr -d ' '; }

# wait_state JOB STATE: polls until the job is in STATE (at most 60 s).
wait_state() { wait_for 60 "job $1 in state $2" is_state "$1" "$2"; }
is_state() { [[ $(state_of "$1") == "$2" ]]; }

main() {
  local brought_up=0 dir blocker job failing held killed
  if ! cluster_healthy; then
    cluster_up --nodes 3
    brought_up=1
  fi
  # shellcheck disable=SC2064  # the value now is the one to use
  trap "if (($brought_up)); then cluster_down; fi" EXIT
  mkdir -p "$OUT"
  rm -f "$OUT"/*.argv "$OUT"/*.stdout "$OUT"/*.stderr "$OUT"/*.status
  # a folder of its own outside the checkout, so that the captured WorkDir names nothing else
  dir=/tmp/vcluster-capture
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 0777 "$dir"
  printf '#!/bin/bash\necho done\n' >"$dir/ok.sh"
  printf '#!/bin/bash\necho failing on purpose\nexit 3\n' >"$dir/fail.sh"
  printf '#!/bin/bash\nsleep 600\n' >"$dir/long.sh"
  printf '#!/bin/bash\nkill -KILL $$\n' >"$dir/killed.sh"
  chmod 0755 "$dir"/*.sh

  # A job that holds every CPU of every node, so that the next one waits (PENDING, Resources).
  capture sbatch-blocker sbatch --parsable --chdir="$dir" --job-name=blocker -N 3 --ntasks-per-node=2 "$dir/long.sh"
  blocker=$(job_id sbatch-blocker)
  wait_state "$blocker" RUNNING
  capture sbatch-ok sbatch --parsable --chdir="$dir" --job-name=ok -N 1 "$dir/ok.sh"
  job=$(job_id sbatch-ok)
  sleep 1
  squeue_job squeue-pending "$job"
  squeue_job squeue-running "$blocker"
  capture sbatch-held sbatch --parsable --chdir="$dir" --job-name=held --hold "$dir/long.sh"
  held=$(job_id sbatch-held)
  squeue_job squeue-held "$held"
  capture sbatch-too-big sbatch --parsable --chdir="$dir" --job-name=too-big -N 9 "$dir/long.sh"
  squeue_job squeue-too-big "$(job_id sbatch-too-big)"
  capture scancel-blocker scancel "$blocker"
  wait_state "$job" COMPLETED
  squeue_job squeue-completed "$job"
  squeue_job squeue-cancelled "$blocker"

  capture sbatch-fail sbatch --parsable --chdir="$dir" --job-name=fail -N 1 "$dir/fail.sh"
  failing=$(job_id sbatch-fail)
  wait_state "$failing" FAILED
  squeue_job squeue-failed "$failing"
  capture sbatch-killed sbatch --parsable --chdir="$dir" --job-name=killed -N 1 "$dir/killed.sh"
  killed=$(job_id sbatch-killed)
  wait_state "$killed" FAILED
  squeue_job squeue-killed "$killed"

  # several jobs in one query, and the user's jobs (vcluster status without a job)
  squeue_job squeue-several "$job,$failing,$held,999999"
  capture squeue-user squeue --noheader --states=all --user="$VC_E2E_USER" --Format="$SQUEUE_FORMAT"
  # errors: a job squeue does not know, sacct without accounting, sbatch refusing
  squeue_job squeue-unknown 999999
  capture sacct-disabled sacct --noheader --parsable2 --allocations --jobs=999999 --format="$SACCT_FORMAT"
  capture sbatch-bad-option sbatch --parsable --chdir="$dir" --bogus "$dir/ok.sh"
  capture sbatch-no-script sbatch --parsable --chdir="$dir" "$dir/nosuch.sh"
  capture sbatch-bad-partition sbatch --parsable --chdir="$dir" --partition=nosuch "$dir/ok.sh"
  capture scancel-held scancel "$held"
  capture scancel-unknown scancel 999999
  capture scancel-too-big scancel "$(job_id sbatch-too-big)"
  capture sbatch-version sbatch --version
  rm -rf "$dir"
  echo "captured into $OUT" >&2
}

main "$@"
