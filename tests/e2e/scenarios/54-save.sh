# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario save: a VM's disk kept as a new revision of the user's image (docs/users.md, "Saving a
# VM's disk"), four 1-node jobs of 1 VM in a row:
#   A  boots the catalog's testapp, writes a marker in its guest (/var/tmp), asks save=saved in
#      its comment: the epilog powers the guest off (ACPI) and writes revision 1, the user's, 0600,
#      standalone (no backing file);
#   B  boots user:saved, finds A's marker, adds its own, and asks from inside the job with
#      `vcluster save saved` (no option at submission): revision 2;
#   C  boots user:saved (revision 2) and asks a save (--vc-save with the SPANK plugin, else the
#      comment) while its image folder is read-only: the save fails, said in the epilog's outcome
#      line and save.txt; revisions 1 and 2 unchanged, no .partial, the node idle and not drained,
#      nothing left of the job;
#   D  boots user:saved@1: A's marker and not B's (older revisions stay usable).
register_scenario save scenario_save "a job saves its VM's disk as a revision of the user's image, the next boots it; a broken save keeps the revision before it"

scenario_save() {
  local vc=$VC_DIST/bin/vcluster home repo job out sums ja jb jc jd node t0
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  [[ -x $vc ]] || { say "needs VC_DIST/bin/vcluster"; exit 77; }
  home=$(getent passwd "$VC_E2E_USER" | cut -d: -f6)
  repo=$home/.vcluster/images
  rm -rf "$home/.vcluster"
  vc_snapshot_nodes

  # A: the catalog's image, save= in the comment
  ja=$(save_submit "vc:image=testapp,vms=1,vcpus=1,mem=384M,save=saved" A -)
  say "submitted job $ja: --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M,save=saved"
  out=$(save_job_output "$ja")
  expect_eq "job $ja's guest before" "before: none" "$(grep '^before: ' <<<"$out")"
  expect_eq "job $ja's write in its guest" "write-exit=0" "$(grep '^write-exit=' <<<"$out")"
  save_saved "$ja" 1
  measure "save-A (epilog: power off + qemu-img convert)" "$(save_phase "$ja")"
  expect_eq "owner and mode of revision 1" "$VC_E2E_USER 600" "$(stat -c '%U %a' "$repo/saved/1.qcow2")"
  qemu-img info --output=json "$repo/saved/1.qcow2" | grep -q backing-filename &&
    fail "revision 1 has a backing file: it must stand alone"
  node=$(job_field "$ja" BatchHost)
  grep -q "\"vc$ja-0\"" "$STATE/jobs/vcluster-$ja-usage/$node.json" ||
    fail "what the head VM used is not told: $(cat "$STATE/jobs/vcluster-$ja-usage/$node.json" 2>&1)"
  expect_eq "save.txt of job $ja" "saved vc$ja-0's disk as user:saved@1 ($repo/saved/1.qcow2)" \
    "$(<"$STATE/jobs/vcluster-$ja-usage/save.txt")"
  vc_torn_down "$ja"

  # B: boots revision 1, finds A's marker, asks from inside the job
  jb=$(save_submit "vc:image=user:saved,vms=1,vcpus=1,mem=384M" B "$vc")
  say "submitted job $jb: --comment=vc:image=user:saved,... and 'vcluster save saved' in the job"
  out=$(save_job_output "$jb")
  expect_eq "job $jb's guest before (revision 1)" "before: A" "$(grep '^before: ' <<<"$out" | tr '\n' ' ' | sed 's/ $//')"
  [[ $out == *"save-exit=0"* ]] || fail "vcluster save in job $jb: $out"
  save_saved "$jb" 2
  vc_torn_down "$jb"
  sums=$(cd "$repo/saved" && sha256sum 1.qcow2 2.qcow2)

  # C: a broken save (the image folder read-only): the revisions before it stay as they were
  chmod 0500 "$repo/saved"
  if grep -q vcluster_spank.so "${VC_E2E_PLUGSTACK:-/dev/null}"; then
    jc=$(save_submit "" C - --vc-image=user:saved --vc-vms=1 --vc-vcpus=1 --vc-mem=384M --vc-save=saved)
    say "submitted job $jc: --vc-image=user:saved --vc-save=saved, the image folder read-only"
  else
    jc=$(save_submit "vc:image=user:saved,vms=1,vcpus=1,mem=384M,save=saved" C -)
    say "submitted job $jc: save=saved in the comment, the image folder read-only"
  fi
  out=$(save_job_output "$jc")
  expect_eq "job $jc's guest before (revision 2)" "before: A before: B" \
    "$(grep '^before: ' <<<"$out" | tr '\n' ' ' | sed 's/ $//')"
  node=$(job_field "$jc" BatchHost)
  wait_for 180 "job $jc's epilog outcome on $node" save_epilog_done "$node" "$jc" ||
    fail "no epilog outcome for job $jc"
  out=$(vc_outcome "$node" "$jc" epilog '"\(.outcome) \(.exit) \(.save.saved) \(.save.revision) \(.save.message)"')
  say "epilog of job $jc: $out"
  [[ $out == "ok 0 false 0 could not make "*"Permission denied"* ]] || fail "the broken save's outcome: $out"
  grep -q "not saved: could not make" "$STATE/jobs/vcluster-$jc-usage/save.txt" ||
    fail "save.txt of job $jc: $(cat "$STATE/jobs/vcluster-$jc-usage/save.txt" 2>&1)"
  chmod 0700 "$repo/saved"
  expect_eq "revisions after the broken save" "$sums" "$(cd "$repo/saved" && sha256sum 1.qcow2 2.qcow2)"
  expect_eq "files of image saved" "1.qcow2 2.qcow2" "$(find "$repo/saved" -mindepth 1 -printf '%f\n' | sort | paste -sd' ')"
  vc_torn_down "$jc"
  wait_for 60 "every node idle after job $jc" nodes_all_idle || fail "nodes not idle after job $jc"
  expect_eq "drain reason of $node after job $jc" none "$(sinfo -h -n "$node" -o '%E')"

  # D: the older revision, by its number
  jd=$(save_submit "vc:image=user:saved@1,vms=1,vcpus=1,mem=384M" D -)
  say "submitted job $jd: --comment=vc:image=user:saved@1,..."
  out=$(save_job_output "$jd")
  expect_eq "job $jd's guest (revision 1)" "before: A" "$(grep '^before: ' <<<"$out" | tr '\n' ' ' | sed 's/ $//')"
  vc_torn_down "$jd"
  expect_all_clean "$ja" "$jb" "$jc" "$jd"
  out=$(AS_USER=$VC_E2E_USER cluster_as_user "$vc" image list --config "$E2E_WORK/site.yaml" 2>&1) || fail "image list: $out"
  grep -Eq "^saved +2 +qcow2 " <<<"$out" || fail "image list does not show saved 2 qcow2: $out"
  say "vcluster image list:"$'\n'"      ${out//$'\n'/$'\n'      }"
  rm -rf "$home/.vcluster"
}

# save_submit COMMENT MARK VCLUSTER [SBATCH-ARGS...]: a 1-node job of 1 VM that prints what its
# guest's marker file holds ("before: X" lines), adds MARK to it and, when VCLUSTER is not '-',
# asks `VCLUSTER save saved` from inside the job; prints the job's id.
save_submit() {
  local comment=$1 mark=$2 vc=$3 script
  shift 3
  script=$(job_script save <<'JOB'
#!/bin/bash
# Not -e: each step records its own result for the scenario to check.
set -uo pipefail
mark=$1 vc=$2
ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" 'cat /var/tmp/saved-marker 2>/dev/null || echo none' | sed 's/^/before: /'
ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" "echo $mark >>/var/tmp/saved-marker && sync"
echo "write-exit=$?"
if [[ $vc != - ]]; then
  "$vc" save saved
  echo "save-exit=$?"
fi
JOB
)
  submit -N 1 --ntasks-per-node=1 --job-name="save-$mark" ${comment:+--comment="$comment"} "$@" \
    --output="$STATE/jobs/save-%j.out" "$script" "$mark" "$vc"
}

# save_job_output JOB: waits for the job's end (COMPLETED) and prints its output.
save_job_output() {
  local out
  wait_file "$STATE/jobs/save-$1.out" "${VC_E2E_BOOT_TIMEOUT:-150}"
  expect_eq "job $1 state" COMPLETED "$(wait_job "$1" 240)"
  out=$(<"$STATE/jobs/save-$1.out")
  say "output of job $1:"$'\n'"      ${out//$'\n'/$'\n'      }"
  printf '%s' "$out"
}

# save_saved JOB REV: the batch host's epilog saved the job's head VM as user:saved@REV.
save_saved() {
  local node out
  node=$(job_field "$1" BatchHost)
  wait_for 180 "job $1's epilog outcome on $node" save_epilog_done "$node" "$1" ||
    fail "no epilog outcome for job $1"
  out=$(vc_outcome "$node" "$1" epilog '"\(.outcome) \(.save.saved) \(.save.revision)"')
  expect_eq "job $1's epilog: outcome, saved, revision" "ok true $2" "$out"
  cluster_exec "$node" grep -q "saved vc$1-0's disk as user:saved@$2" "/var/lib/vcluster/logs/$1.log" ||
    fail "the log of job $1 does not say it saved user:saved@$2"
}

# save_epilog_done NODE JOB: the epilog wrote its outcome line for JOB on NODE.
save_epilog_done() { [[ -n $(vc_outcome "$1" "$2" epilog) ]]; }

# save_phase JOB: the seconds the epilog's save took (its outcome line's phase).
save_phase() {
  local ms
  ms=$(vc_outcome "$(job_field "$1" BatchHost)" "$1" epilog '.phases.save')
  awk -v ms="$ms" 'BEGIN { printf "%.2f", ms / 1000 }'
}
