# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario qemu-user: QEMU runs as the job's user (docs/hooks.md, "QEMU as the job's user"). Two
# jobs of two users (VC_E2E_USER, VC_E2E_USER2) share vnode2, one VM each, both RUNNING at once.
# While they run: each QEMU process (every thread of it) has its job owner's uid and gid in
# /proc/PID/status; each overlay and seed is its owner's, 0600, and opens for that user; the other
# user (setpriv, as that uid and gid) opens neither the other job's overlay, seed nor console, nor
# lists its state folder; the folders on the way are root's (0711, then root:gid 0710). After both:
# the base image, kernel and initrd have the owner, mode, checksum they had, and no libvirt
# ownership xattr; nothing is left.
register_scenario qemu-user scenario_qemu_user "two users' jobs on one node: each QEMU runs as its owner, neither reads the other's disks, the base untouched"

# qu_as NODE USER CMD...: CMD on NODE as USER's uid and primary gid, no other group.
qu_as() {
  local node=$1 user=$2
  shift 2
  cluster_exec "$node" setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --clear-groups "$@"
}

# qu_base_facts: owner, mode, checksum and libvirt xattrs of the appliance's shared files.
qu_base_facts() {
  local f
  for f in "$VC_APPLIANCE"/disk.qcow2 "$VC_APPLIANCE"/vmlinux "$VC_APPLIANCE"/initrd.img; do
    # libvirt's remember_owner keeps an owner it changed in trusted.libvirt.security.* xattrs
    printf '%s %s %s xattrs=[%s]\n' "$(stat -c '%U:%G %a' "$(readlink -f "$f")")" "$(sha256sum <"$f" | cut -c1-16)" \
      "${f##*/}" "$(python3 -c 'import os, sys; print(" ".join(x for x in os.listxattr(sys.argv[1]) if "libvirt" in x))' \
        "$(readlink -f "$f")")"
  done
}

scenario_qemu_user() {
  local p=$VC_E2E_NODE_PREFIX node script job other u pid status want f out base_before base_after
  local -A owner=() dom=() disk=() seed=() console=()
  node=${p}2
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  id "$VC_E2E_USER2" >/dev/null || fail "no second test user $VC_E2E_USER2 (cluster.sh up makes it)"
  vc_all_clean || fail "leftovers before the jobs: $(for n in $(node_names); do vc_node_left "$n"; done)"
  base_before=$(qu_base_facts)
  say "base files before:"$'\n'"      ${base_before//$'\n'/$'\n'      }"

  script=$(job_script qemu-user <<'JOB'
#!/bin/bash
date +%s.%N >"qemu-user-$SLURM_JOB_ID.start"
for ((i = 0; i < 900; i++)); do [[ -e qemu-user-$SLURM_JOB_ID.release ]] && break; sleep 0.2; done
echo done
JOB
)
  # the second user's working folder: the prolog copies the report only into a folder of the job's user
  local dir2=$STATE/jobs/$VC_E2E_USER2
  install -d -m 0755 -o "$VC_E2E_USER2" -g "$(id -g "$VC_E2E_USER2")" "$dir2"
  cp "$script" "$dir2/" && chown "$VC_E2E_USER2" "$dir2/${script##*/}"
  # shellcheck disable=SC2054  # the commas are the comment's
  local -a common=(-N 1 --ntasks=1 --nodelist="$node" --job-name=qemu-user
    --comment=vc:image=testapp,vms=1,vcpus=1,mem=384M)
  local a b out2
  a=$(submit "${common[@]}" --output="$STATE/jobs/qemu-user-%j.out" "$script")
  out2=$(AS_USER=$VC_E2E_USER2 cluster_as_user sbatch --parsable --chdir="$dir2" "${common[@]}" \
    --output="$dir2/qemu-user-%j.out" "$dir2/${script##*/}" 2>&1) || fail "sbatch as $VC_E2E_USER2: $out2"
  b=${out2%%;*}
  [[ $b =~ ^[0-9]+$ ]] || fail "sbatch as $VC_E2E_USER2: no job id in: $out2"
  owner[$a]=$VC_E2E_USER owner[$b]=$VC_E2E_USER2
  say "submitted job $a as ${owner[$a]} and job $b as ${owner[$b]}, both on $node"
  QU_RELEASE=("$STATE/jobs/qemu-user-$a.release" "$dir2/qemu-user-$b.release")
  # shellcheck disable=SC2317  # run by the trap
  qu_release() { touch "${QU_RELEASE[@]}"; }
  trap qu_release EXIT
  wait_file "$STATE/jobs/qemu-user-$a.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
  wait_file "$dir2/qemu-user-$b.start" "${VC_E2E_BOOT_TIMEOUT:-150}"
  expect_eq "jobs RUNNING at once" 2 "$(squeue -h -t RUNNING -j "$a,$b" | wc -l)"

  for job in "$a" "$b"; do
    u=${owner[$job]}
    dom[$job]=vc$job-0
    # QEMU's pid as libvirt records it; every thread's ids (real, effective, saved, fs)
    pid=$(cluster_exec "$node" cat "/run/libvirt/qemu/${dom[$job]}.pid")
    status=$(cluster_exec "$node" sh -c 'cat /proc/$1/task/*/status' sh "$pid" | grep -E '^(Uid|Gid):' | sort -u)
    want=$(printf 'Gid:\t%s\t%s\t%s\t%s\nUid:\t%s\t%s\t%s\t%s' "$(id -g "$u")" "$(id -g "$u")" "$(id -g "$u")" \
      "$(id -g "$u")" "$(id -u "$u")" "$(id -u "$u")" "$(id -u "$u")" "$(id -u "$u")")
    expect_eq "ids of every thread of ${dom[$job]}'s QEMU (pid $pid)" "$want" "$status"
    say "job $job: QEMU pid $pid runs as $u: $(paste -sd ' ' <<<"$status" | tr '\t' ' ')"
    disk[$job]=$(cluster_exec "$node" virsh -q -c qemu:///system domblklist "${dom[$job]}" | awk '$1 == "vda" { print $2 }')
    seed[$job]=$(cluster_exec "$node" virsh -q -c qemu:///system domblklist "${dom[$job]}" | awk '$1 == "vdb" { print $2 }')
    console[$job]=$(cluster_exec "$node" virsh -q -c qemu:///system dumpxml "${dom[$job]}" |
      sed -n "s#.*<source path='\([^']*\)'.*#\1#p" | head -n 1)
    [[ -n ${disk[$job]} && -n ${seed[$job]} && -n ${console[$job]} ]] || fail "no disk, seed or console of ${dom[$job]}"
    for f in "${disk[$job]}" "${seed[$job]}"; do
      expect_eq "owner and mode of $f" "$u:$(id -gn "$u") 600" "$(cluster_exec "$node" stat -c '%U:%G %a' "$f")"
      qu_as "$node" "$u" head -c 1 "$f" >/dev/null || fail "$u cannot open its own $f"
    done
    # made by the prolog, written by virtlogd; 640: the mask of its ACL, which names the owner alone (scenario console)
    expect_eq "owner and mode of ${console[$job]}" "root:root 640" \
      "$(cluster_exec "$node" stat -c '%U:%G %a' "${console[$job]}")"
    expect_eq "the folders on the way to job $job's files" \
      "root:root 711 root:$(id -gn "$u") 710 root:$(id -gn "$u") 710" \
      "$(cluster_exec "$node" stat -c '%U:%G %a' /var/lib/vcluster/jobs "/var/lib/vcluster/jobs/$job" \
        "/var/lib/vcluster/jobs/$job/$node" | paste -sd ' ')"
  done
  # each user against the other's files, as a guest that escaped into the other's QEMU would be
  for job in "$a" "$b"; do
    other=$a; [[ $job == "$a" ]] && other=$b
    u=${owner[$other]}
    for f in "${disk[$job]}" "${seed[$job]}" "${console[$job]}"; do
      if out=$(qu_as "$node" "$u" head -c 1 "$f" 2>&1 >/dev/null); then
        fail "$u (job $other) opened $f of job $job"
      fi
      say "$u (job $other) cannot open $f: ${out##*: }"
    done
    if qu_as "$node" "$u" ls "/var/lib/vcluster/jobs/$job/$node" >/dev/null 2>&1; then
      fail "$u lists job $job's state folder"
    fi
    if qu_as "$node" nobody head -c 1 "${disk[$job]}" >/dev/null 2>&1; then fail "nobody opened ${disk[$job]}"; fi
  done

  qu_release
  expect_eq "job $a state" COMPLETED "$(wait_job "$a" 60)"
  expect_eq "job $b state" COMPLETED "$(wait_job "$b" 60)"
  wait_for 90 "nothing of jobs $a and $b left on any node" vc_all_clean || true
  expect_all_clean "$a" "$b"
  base_after=$(qu_base_facts)
  expect_eq "the base image, kernel and initrd after both jobs" "$base_before" "$base_after"
  say "base files after both jobs: unchanged"
}
