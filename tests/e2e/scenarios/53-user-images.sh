# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario user-images: users' own images (docs/users.md, "Your own images"). The test user
# imports the test appliance's disk into its repository with `vcluster image import` (as the
# user, no privilege) and lists it; a 2-node MPI job boots that image (user:app) and runs the MPI
# program across its 2 VMs; QEMU's command line shows the user's file opened read-only with its
# format named and no backing file. Then the images that must be refused, each made in the user's
# repository as an attacker would (a device node by root, which a user cannot make): a link to the
# appliance, a FIFO, a block device node, a qcow2 whose backing file is /etc/shadow, one whose
# backing file is the second user's image (readable by all, so only the rule stops it), a virtual
# size over userImages.maxVirtualMiB, a vmdk and a vdi made with qemu-img. Each job is refused by
# every node's prolog as the user's mistake with a line naming what was wrong (expect_refused_job:
# the job completes, no node drains, nothing is left on any node). The user's image is unchanged.
register_scenario user-images scenario_user_images "a job boots the user's own imported image; links, FIFOs, devices, backing files, big or foreign formats refused"

# ui_as USER CMD...: CMD on the host as USER, with a login-like environment (cluster_as_user).
ui_as() {
  local user=$1
  shift
  AS_USER=$user cluster_as_user "$@"
}

scenario_user_images() {
  local vc=$VC_DIST/bin/vcluster repo repo2 home home2 out job t0 t_submit sum_before node name mib
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  [[ -x $vc ]] || { say "needs VC_DIST/bin/vcluster"; exit 77; }
  id "$VC_E2E_USER2" >/dev/null || fail "no second test user $VC_E2E_USER2 (cluster.sh up makes it)"
  home=$(getent passwd "$VC_E2E_USER" | cut -d: -f6)
  home2=$(getent passwd "$VC_E2E_USER2" | cut -d: -f6)
  repo=$home/.vcluster/images repo2=$home2/.vcluster/images
  rm -rf "$home/.vcluster" "$home2/.vcluster"
  vc_snapshot_nodes

  # the import, as the user: qemu-img converts the appliance into revision 1 of image app
  # (its size as qemu-img reads it: the appliance grows with its recipe)
  mib=$(($(qemu-img info --output=json "$VC_APPLIANCE/disk.qcow2" | jq '."virtual-size"') >> 20))
  t0=$(now)
  out=$(ui_as "$VC_E2E_USER" "$vc" image import --config "$E2E_WORK/site.yaml" "$VC_APPLIANCE/disk.qcow2" app 2>&1) || fail "import: $out"
  measure "image import (appliance, $mib MiB virtual)" "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')"
  say "$out"
  [[ $out == *"as user:app@1 (qcow2, $mib MiB virtual)"* ]] || fail "import said: $out"
  expect_eq "owner and mode of the revision" "$VC_E2E_USER 600" "$(stat -c '%U %a' "$repo/app/1.qcow2")"
  out=$(ui_as "$VC_E2E_USER" "$vc" image list --config "$E2E_WORK/site.yaml" 2>&1) || fail "list: $out"
  say "vcluster image list:"$'\n'"      ${out//$'\n'/$'\n'      }"
  grep -Eq "^app +1 +qcow2 +$mib MiB " <<<"$out" || fail "image list does not show app 1 qcow2 $mib MiB"
  sum_before=$(sha256sum <"$repo/app/1.qcow2")

  # the MPI job on the user's image, 1 VM on each of 2 nodes
  t_submit=$(now)
  job=$(vc_mpi_submit -N 2 --ntasks-per-node=1 --job-name=user-image --comment=vc:image=user:app,vms=1,vcpus=1,mem=384M)
  say "submitted job $job: --comment=vc:image=user:app,vms=1,vcpus=1,mem=384M"
  vc_mpi_check "$job" 2 "$t_submit"
  for node in $(node_names | head -n 2); do
    out=$(cluster_exec "$node" cat "/var/lib/vcluster/logs/$job.log")
    grep -q "user image user:app: revision 1 (qcow2, $mib MiB virtual), checked as uid $(id -u "$VC_E2E_USER")" \
      <<<"$out" || fail "the prolog on $node did not check the user's image: $out"
    # QEMU's own command line (libvirt's log of the domain): the user's file, opened read-only
    # (one argument a line; a domain started once)
    out=$(cluster_exec "$node" sh -c "grep -h -- '-blockdev' /var/log/libvirt/qemu/vc$job-*.log")
    local storage
    storage=$(grep -o "\"filename\":\"$repo/app/1.qcow2\",\"node-name\":\"[a-z0-9-]*\"" <<<"$out" | sed 's/.*"node-name":"//; s/"$//')
    [[ -n $storage ]] || fail "QEMU on $node did not open the user's image: $out"
    grep -Eq "\"read-only\":true,(\"cache\":\{[^}]*\},)?\"driver\":\"qcow2\",\"file\":\"$storage\",\"backing\":null" <<<"$out" ||
      fail "QEMU on $node did not read the user's image as a read-only qcow2 with no backing: $out"
  done
  vc_torn_down "$job"
  expect_eq "the user's image after the job" "$sum_before" "$(sha256sum <"$repo/app/1.qcow2")"

  # the second user's image, readable by everyone: only the rule (no backing file) keeps it out
  out=$(ui_as "$VC_E2E_USER2" "$vc" image import --config "$E2E_WORK/site.yaml" "$VC_APPLIANCE/disk.qcow2" theirs 2>&1) || fail "import 2: $out"
  ui_as "$VC_E2E_USER2" chmod 0755 "$home2" "$home2/.vcluster" "$repo2" "$repo2/theirs"
  ui_as "$VC_E2E_USER2" chmod 0644 "$repo2/theirs/1.qcow2"

  # the attacks, each an image of the test user's
  local qi=/usr/bin/qemu-img
  ui_as "$VC_E2E_USER" sh -c "set -e; cd '$repo'; mkdir -m 0700 link fifo dev shadow other big vmdk vdi
    ln -s '$VC_APPLIANCE/disk.qcow2' link/1.qcow2
    mkfifo fifo/1.raw
    $qi create -q -f qcow2 -u -F raw -b /etc/shadow shadow/1.qcow2 64M
    $qi create -q -f qcow2 -F qcow2 -b '$repo2/theirs/1.qcow2' other/1.qcow2
    $qi create -q -f qcow2 big/1.qcow2 3G
    $qi create -q -f vmdk vmdk/1.qcow2 64M
    $qi create -q -f vdi vdi/1.raw 64M"
  mknod "$repo/dev/1.raw" b 7 0 && chown "$VC_E2E_USER" "$repo/dev/1.raw"

  local -A want=(
    [link]="image: user:link (revision 1, $repo/link/1.qcow2) is a symbolic link, not a regular file"
    [fifo]="image: user:fifo (revision 1, $repo/fifo/1.raw) is a FIFO, not a regular file"
    [dev]="image: user:dev (revision 1, $repo/dev/1.raw) is a block device, not a regular file"
    [shadow]="image: user:shadow (revision 1, $repo/shadow/1.qcow2) has a backing file (/etc/shadow): a user's image must stand alone"
    [other]="image: user:other (revision 1, $repo/other/1.qcow2) has a backing file ($repo2/theirs/1.qcow2): a user's image must stand alone"
    [big]="image: user:big (revision 1, $repo/big/1.qcow2) has a virtual size of 3072 MiB, more than the site's limit userImages.maxVirtualMiB = 2048 MiB"
    [vmdk]="image: user:vmdk (revision 1, $repo/vmdk/1.qcow2) is a vmdk image by its content; allowed: raw, qcow2"
    [vdi]="image: user:vdi (revision 1, $repo/vdi/1.raw) is a vdi image by its content; allowed: raw, qcow2"
  )
  local -A jobs=()
  for name in link fifo dev shadow other big vmdk vdi; do
    jobs[$name]=$(submit -N 2 --ntasks-per-node=1 --job-name="user-image-$name" \
      --comment="vc:image=user:$name,vms=1,vcpus=1,mem=384M" --output="$STATE/jobs/refused-%j.out" \
      --wrap "$(refused_job_script)")
  done
  for name in link fifo dev shadow other big vmdk vdi; do
    say "image $name: job ${jobs[$name]}"
    expect_refused_job "${jobs[$name]}" "${want[$name]}"
  done
  expect_eq "the user's image at the end" "$sum_before" "$(sha256sum <"$repo/app/1.qcow2")"
  expect_all_clean "$job"
  rm -rf "$home/.vcluster" "$home2/.vcluster"
}
