# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario mounts: a guest's root, with the job's working folder shared in (virtiofs, served on
# the host by a virtiofsd running as the job's user), tries to get out of the user's rights. One
# job, 1 node x 1 VM of the image testroot (the test appliance whose root the job's key reaches).
# The scenario, as root on the host, puts in the working folder a file of root's (0644) and a
# secret of root's (0600), and outside it a canary that every user may read (/etc and /var/tmp).
# The job's script, as the user on the batch host, makes a folder with a file and a program of
# its own and plants links to the canaries (absolute and climbing with ../), then logs in to
# its VM as root and tries: appending to root's file, reading root's secret, a hard link to root's
# file, chown to root,
# setuid bits, creating a file as root, a device node, reading through every link and through a
# link made in the guest. Checked on the host afterwards: root's file unchanged, nothing in the
# folder owned by root or setuid to anyone but the user, no link reached a canary; the user's
# files have the user's uid and gid inside; and after the epilog no virtiofsd, socket activator
# or socket is left on the node. A second folder of the user's, outside the working folder, is
# added read-only (mounts=PATH=ro): the guest's root remounts it read-write in the guest, then
# the user's uid in the guest tries to write, create, delete and make a folder there (the same
# attempts in the read-write folder succeed): all refused by the host (the daemon serves it
# through a read-only bind mount), and the folder on the host is unchanged.
register_scenario mounts scenario_mounts "a guest's root reaches the shared working folder only with the user's rights"

scenario_mounts() {
  local job out dir canary tag uid gid node ro
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  vc_snapshot_nodes
  uid=$(id -u "$VC_E2E_USER")
  gid=$(id -g "$VC_E2E_USER")
  canary="HOST-CANARY-$RANDOM$RANDOM"
  printf '%s\n' "$canary" >/etc/vc-e2e-canary
  chmod 0644 /etc/vc-e2e-canary
  rm -rf /var/tmp/vc-e2e-canary && mkdir -m 0755 /var/tmp/vc-e2e-canary
  printf '%s\n' "$canary" >/var/tmp/vc-e2e-canary/inside
  printf "root's file\n" >"$STATE/jobs/rootfile" && chmod 0644 "$STATE/jobs/rootfile"
  printf "root's secret\n" >"$STATE/jobs/rootsecret" && chmod 0600 "$STATE/jobs/rootsecret"
  ro=$STATE/shared/ro-$RANDOM$RANDOM
  install -d -m 0755 "$STATE/shared" && install -d -m 0755 -o "$uid" -g "$gid" "$ro"
  printf 'the data\n' >"$ro/data" && chown "$uid:$gid" "$ro/data" && chmod 0666 "$ro/data"
  { printf 'ro=%s uid=%s gid=%s\n' "$ro" "$uid" "$gid"; cat; } >"$STATE/jobs/escape-guest.sh" <<'GUEST'
# run by the guest's root, in the user's folder of the shared working folder
r() { label=$1; shift; if "$@" >/dev/null 2>&1; then echo "$label=done"; else echo "$label=refused"; fi; }
echo "guest-uid=$(id -u)"
echo "mine-owner=$(stat -c %u:%g mine)"
r write-rootfile sh -c 'echo guest >> ../rootfile'
r read-rootsecret cat ../rootsecret
r hardlink-root ln ../rootfile hard-root
r chown-root chown 0:0 prog
r chmod-suid chmod 4755 prog
r chmod-sgid-root chgrp 0 prog
r create-as-root sh -c 'echo x > made-by-root'
r mknod mknod dev-null c 1 3
r setuid-root-copy sh -c 'cp /bin/sh suid-sh && chown 0:0 suid-sh && chmod 4755 suid-sh'
for l in link-file link-dir/inside link-up; do echo "$l=$(cat "$l" 2>/dev/null || echo unreadable)"; done
ln -s /etc/vc-e2e-canary guest-link 2>/dev/null
echo "guest-link=$(cat guest-link 2>/dev/null || echo unreadable)"
# the read-only folder: mounted ro by the guest; its root undoes that, then the user's uid tries
echo "ro-mounted=$(awk -v p="$ro" '$2 == p { split($4, o, ","); print $3 "," o[1] }' /proc/mounts)"
r ro-remount-rw mount -o remount,rw "$ro"
echo "ro-now=$(awk -v p="$ro" '$2 == p { split($4, o, ","); print $3 "," o[1] }' /proc/mounts)"
u() { r "$1" setpriv --reuid="$uid" --regid="$gid" --clear-groups -- sh -c "$2" sh "$3"; }
for where in ro rw; do
  if [ "$where" = ro ]; then d=$ro f=data; else d=$PWD f=mine; fi
  u "$where-write" 'echo guest >>"$1"' "$d/$f"
  u "$where-create" 'echo x >"$1/made-in-guest"' "$d"
  u "$where-mkdir" 'mkdir "$1/dir-in-guest"' "$d"
  u "$where-delete" 'rm "$1"' "$d/$f"
done
r ro-root-delete rm "$ro/data"
GUEST
  job=$(mounts_submit "$ro")
  say "submitted job $job (image testroot, 1 VM)"
  wait_file "$STATE/jobs/mounts-$job.out" "${VC_E2E_BOOT_TIMEOUT:-150}"
  expect_eq "job $job state" COMPLETED "$(wait_job "$job" 180)"
  out=$(<"$STATE/jobs/mounts-$job.out")
  say "output of job $job:"$'\n'"      ${out//$'\n'/$'\n'      }"
  tag=esc-$job dir=$STATE/jobs/esc-$job
  expect_eq "ssh as the guest's root" "ssh-exit=0" "$(grep '^ssh-exit=' <<<"$out")"
  for what in tp-host-write tp-vm-write tp-host-read tp-vm-read; do
    measure "$what-32MiB" "$(sed -n "s/^$what: //p" <<<"$out")"
  done
  expect_eq "the guest's user" "guest: guest-uid=0" "$(grep '^guest: guest-uid=' <<<"$out")"
  expect_eq "the user's file inside, as root sees it" "guest: mine-owner=$uid:$gid" \
    "$(grep '^guest: mine-owner=' <<<"$out")"
  expect_eq "the user's file inside, as the user sees it" "user: $uid:$gid $uid" "$(grep '^user: ' <<<"$out")"
  local what
  for what in write-rootfile read-rootsecret hardlink-root chown-root chmod-sgid-root create-as-root mknod \
    setuid-root-copy; do
    expect_eq "guest root: $what" "guest: $what=refused" "$(grep "^guest: $what=" <<<"$out")"
  done
  for what in link-file link-dir/inside link-up guest-link; do
    expect_eq "guest root through $what" "guest: $what=unreadable" "$(grep "^guest: $what=" <<<"$out")"
  done
  expect_eq "root's file on the host" "root's file" "$(<"$STATE/jobs/rootfile")"
  expect_eq "root's file's owner and mode" "0 644" "$(stat -c '%u %a' "$STATE/jobs/rootfile")"
  expect_eq "files of root's made in the user's folder" "" "$(find "$dir" -uid 0 -printf '%P ')"
  expect_eq "setuid or setgid files of anyone but the user" "" \
    "$(find "$dir" -perm /6000 \( ! -uid "$uid" -o ! -gid "$gid" \) -printf '%P ')"
  # a setuid bit on the user's own file is a bit the user may set on the host too (chmod u+s):
  # it gives no one more than the user's rights; shown for the record
  say "the user's own program after the guest's chmod 4755: $(stat -c '%U:%G %A' "$dir/prog")"
  expect_eq "the canary in /etc" "$canary" "$(</etc/vc-e2e-canary)"
  grep -q "$canary" <<<"$out" && fail "the canary reached the guest"
  vc_torn_down "$job"
  for node in $(node_names); do
    expect_eq "virtiofsd and socket activators left on $node" "" \
      "$(cluster_exec "$node" sh -c 'ps -eo comm= | grep -E "^(virtiofsd|systemd-socket-)" || true')"
    expect_eq "sockets left on $node" "" \
      "$(cluster_exec "$node" sh -c 'find /var/lib/vcluster -type s 2>/dev/null || true')"
  done
  expect_eq "the read-only folder in the guest" "guest: ro-mounted=virtiofs,ro" "$(grep '^guest: ro-mounted=' <<<"$out")"
  expect_eq "the guest's root remounts it read-write (in the guest)" "guest: ro-remount-rw=done" \
    "$(grep '^guest: ro-remount-rw=' <<<"$out")"
  expect_eq "the read-only folder in the guest after the remount" "guest: ro-now=virtiofs,rw" \
    "$(grep '^guest: ro-now=' <<<"$out")"
  for what in write create mkdir delete; do
    expect_eq "the user in the guest, read-write folder: $what" "guest: rw-$what=done" "$(grep "^guest: rw-$what=" <<<"$out")"
    expect_eq "the user in the guest, read-only folder remounted rw: $what" "guest: ro-$what=refused" \
      "$(grep "^guest: ro-$what=" <<<"$out")"
  done
  expect_eq "the guest's root deleting in the read-only folder" "guest: ro-root-delete=refused" \
    "$(grep '^guest: ro-root-delete=' <<<"$out")"
  expect_eq "the read-only folder on the host" "data" "$(find "$ro" -mindepth 1 -printf '%P ' | sed 's/ $//')"
  expect_eq "its file on the host" "the data" "$(<"$ro/data")"
  rm -rf /etc/vc-e2e-canary /var/tmp/vc-e2e-canary "$ro"
}

# mounts_submit RO: the job, with folder RO added read-only; prints its id.
mounts_submit() {
  local script ro=$1
  script=$(job_script mounts <<'JOB'
#!/bin/bash
# Not -e: each step records its own result for the scenario to check.
set -uo pipefail
dir=$PWD/esc-$SLURM_JOB_ID
mkdir "$dir" && cd "$dir" || exit 1
echo mine >mine
cp /bin/true prog
ln -s /etc/vc-e2e-canary link-file
ln -s /var/tmp/vc-e2e-canary link-dir
ln -s ../../../../../../../../../../../etc/vc-e2e-canary link-up
echo "user: $(ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" "stat -c %u:%g '$dir/mine'; id -u" | tr '\n' ' ' | sed 's/ $//')"
# throughput, one run each (docs/e2e.md): 32 MiB written and read on the host, and through the
# mount in the VM (as the user), each with a file the other side wrote (so no page cache of its own)
rate() { sed -n 's/.*copied, \([0-9.,]*\) s, .*/\1/p' | tr , .; }
echo "tp-host-write: $(dd if=/dev/zero of=tp-host bs=1M count=32 conv=fsync 2>&1 | rate)"
echo "tp-vm-write: $(ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" "dd if=/dev/zero of='$dir/tp-vm' bs=1M count=32 conv=fsync" 2>&1 | rate)"
echo "tp-vm-read: $(ssh -F "$VC_SSH_CONFIG" "$VC_HEAD" "dd if='$dir/tp-host' of=/dev/null bs=1M" 2>&1 | rate)"
echo "tp-host-read: $(dd if=tp-vm of=/dev/null bs=1M 2>&1 | rate)"
rm -f tp-host tp-vm
ssh -F "$VC_SSH_CONFIG" -l root "$VC_HEAD" "cd '$dir' && sh -s" <../escape-guest.sh >guest.out 2>&1
echo "ssh-exit=$?"
sed 's/^/guest: /' guest.out
JOB
)
  submit -N 1 --ntasks-per-node=1 --job-name=mounts --comment="vc:image=testroot,vms=1,vcpus=1,mem=384M,mounts=$ro=ro" \
    --output="$STATE/jobs/mounts-%j.out" "$script"
}
