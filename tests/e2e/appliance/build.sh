#!/usr/bin/env bash
# Builds the Virtual Services test appliance: a small Debian bookworm guest
# (openssh-server, OpenMPI, iproute2) that boots in a few seconds under QEMU
# TCG and configures itself from the guest seed (see docs/appliance.md).
#
# Outputs, in CACHE/appliance-<hash>/ (CACHE defaults to tests/e2e/cache):
#   disk.qcow2   ext4 on the whole disk (no partition table), the VMs' base image
#   vmlinux      the Debian kernel, decompressed to an ELF (PVH direct boot;
#                saves the in-guest decompression, ~3 s per boot under TCG)
#   initrd.img   busybox initramfs: loads the virtio modules, mounts /dev/vda,
#                switch_roots to /sbin/vc-init
#   cmdline      the kernel command line to use with the three files above
#   manifest.txt recipe hash, kernel version, mirror, package list
# and the stable symlink CACHE/appliance -> appliance-<hash>.
#
# <hash> covers this script and everything under guest/, so an unchanged
# recipe is not rebuilt. Nothing is downloaded except Debian packages from
# the mirror the machine's apt is configured with.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
REPO="$(cd "$HERE/../../.." && pwd)"
readonly REPO
readonly SUITE=bookworm
# The cloud flavour: virtio, ext4 and crc32c are what a VM needs; it has
# ext4 and crc32c built in and far fewer drivers to probe at boot.
# VC_APPLIANCE_KERNEL=linux-image-amd64 builds with the generic kernel
# instead (compared in docs/appliance.md); it is part of the recipe hash.
readonly KERNEL_PKG=${VC_APPLIANCE_KERNEL:-linux-image-cloud-amd64}
# qemu-guest-agent and util-linux-extra (hwclock, which the agent runs when it sets the clock): a
# VM restored from a checkpoint gets its clock set by the prolog through the agent.
readonly GUEST_PACKAGES=(openssh-server openmpi-bin libopenmpi3 iproute2 procps
  kmod passwd util-linux util-linux-extra qemu-guest-agent "$KERNEL_PKG")
readonly BUILD_DEPS=(mmdebstrap busybox-static e2fsprogs qemu-utils cpio lz4
  xz-utils zstd coreutils)
# Loaded by the initramfs, in dependency order (modules.dep adds the rest).
readonly INITRAMFS_MODULES=(virtio_ring virtio virtio_pci virtio_blk ext4 crc32c_generic)
readonly CMDLINE="console=ttyS0 root=/dev/vda rw quiet init=/sbin/vc-init"

cache_root="$REPO/tests/e2e/cache"
work=""

prune=no

usage() {
  echo "usage: $0 [--out CACHE_DIR] [--prune]"
  echo "  --out    cache directory (default tests/e2e/cache)"
  echo "  --prune  delete appliance-* builds of other recipes (not while VMs use them)"
}

log() { printf '[build %4ds] %s\n' "$SECONDS" "$*"; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

parse_args() {
  while (($#)); do
    case $1 in
      --out) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; cache_root=$2; shift 2 ;;
      --prune) prune=yes; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
  done
  mkdir -p "$cache_root"
  cache_root="$(cd "$cache_root" && pwd)"
}

# A hash of the recipe: this script and the guest files, by name and content.
recipe_hash() {
  { (cd "$HERE" && find build.sh guest -type f -print0 | sort -z | xargs -0 sha256sum)
    echo "kernel $KERNEL_PKG"; } | sha256sum | cut -c1-12
}

ensure_build_deps() {
  local missing=() pkg
  for pkg in "${BUILD_DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' \
      || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    log "installing build dependencies: ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# Prints one-line "deb URI SUITE COMPONENTS" entries for the bookworm suites
# found in the machine's apt sources (both the one-line and the deb822
# format), so the build uses whatever Debian mirror the site configured.
debian_sources() {
  local files=()
  [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
  local f
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] && files+=("$f")
  done
  ((${#files[@]})) || return 0
  awk -v suite="$SUITE" '
    function flush(   i, j, n, u, s) {
      if (types ~ /(^| )deb( |$)/ && uris != "" && suites != "") {
        n = split(uris, u, " "); split(suites, s, " ")
        for (i = 1; i <= n; i++)
          for (j in s) if (s[j] ~ ("^" suite "(-|$)")) print "deb " u[i] " " s[j] " " comps
      }
      types = uris = suites = comps = ""
    }
    FNR == 1 { flush() }
    /^[ \t]*#/ { next }
    /^deb[ \t]/ {               # one-line format: deb [opts] URI SUITE COMPONENTS
      line = $0; sub(/\[[^]]*\][ \t]*/, "", line); split(line, w, /[ \t]+/)
      if (w[3] ~ ("^" suite "(-|$)")) {
        c = ""; for (k = 4; k in w; k++) c = c " " w[k]
        print "deb " w[2] " " w[3] c
      }
      next
    }
    /^[ \t]*$/ { flush(); next }
    /^Types:/      { sub(/^Types:[ \t]*/, "");      types = $0 }
    /^URIs:/       { sub(/^URIs:[ \t]*/, "");       uris = $0 }
    /^Suites:/     { sub(/^Suites:[ \t]*/, "");     suites = $0 }
    /^Components:/ { sub(/^Components:[ \t]*/, ""); comps = $0 }
    END { flush() }
  ' "${files[@]}" | sort -u
}

cleanup() {
  local rc=$?
  if [[ -n $work && -d $work ]]; then
    # mmdebstrap unmounts what it mounted, but not if it was killed.
    local m
    while read -r m; do umount -l "$m" 2>/dev/null || true; done \
      < <(awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r)
    rm -rf --one-file-system "$work"
  fi
  exit "$rc"
}

build_rootfs() {
  local rootfs=$1; shift
  local include
  include=$(IFS=,; echo "${GUEST_PACKAGES[*]}")
  log "mmdebstrap $SUITE minbase with: $include"
  # Docs, man pages and translations are dropped as dpkg unpacks them.
  mmdebstrap --variant=minbase --quiet \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --include="$include" \
    "$SUITE" "$rootfs" "$@"
}

# Removes what a throwaway VM never needs, and anything that must differ per
# VM (host keys: each VM gets its own from the seed).
strip_rootfs() {
  local rootfs=$1
  rm -f "$rootfs"/boot/initrd.img-* "$rootfs"/initrd.img* "$rootfs"/vmlinuz*
  rm -f "$rootfs"/etc/ssh/ssh_host_*
  # udev is installed (initramfs-tools needs it) but never runs here.
  rm -rf "$rootfs"/usr/lib/udev/hwdb.bin "$rootfs"/usr/lib/udev/hwdb.d
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* \
    "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log \
    "$rootfs"/var/log/apt/* "$rootfs"/usr/share/lintian
  # Kernel drivers a virtio guest cannot use; depmod is rerun afterwards.
  local kdir
  for kdir in "$rootfs"/lib/modules/*/kernel; do
    rm -rf "$kdir"/drivers/gpu "$kdir"/drivers/infiniband "$kdir"/drivers/media \
      "$kdir"/drivers/net/wireless "$kdir"/drivers/net/ethernet "$kdir"/sound \
      "$kdir"/net/wireless "$kdir"/net/mac80211 "$kdir"/net/bluetooth
    chroot "$rootfs" depmod "$(basename "$(dirname "$kdir")")"
  done
}

install_guest() {
  local rootfs=$1 hash=$2
  install -m 0755 "$HERE/guest/vc-init" "$rootfs/sbin/vc-init"
  install -m 0644 "$HERE/guest/sshd_config" "$rootfs/etc/ssh/sshd_config.d/vcluster.conf"
  echo vc-appliance > "$rootfs/etc/hostname"
  install -m 0644 "$HERE/guest/fstab" "$rootfs/etc/fstab"
  install -d -m 0755 "$rootfs/etc/vcluster"
  printf 'Virtual Services test appliance, recipe %s\n' "$hash" > "$rootfs/etc/vc-appliance"
}

# Finds the compressed payload inside a bzImage and decompresses it to the
# ELF vmlinux (what the kernel's scripts/extract-vmlinux does).
extract_vmlinux() {
  local bzimage=$1 out=$2 spec magic tool pos
  for spec in '\x02!L\x18|lz4 -dc' '\x28\xb5\x2f\xfd|zstd -dcq' \
      '\xfd7zXZ\x00|xz -dcq' '\x1f\x8b\x08|gzip -dcq'; do
    magic=${spec%%|*}; tool=${spec#*|}
    while read -r pos; do
      # shellcheck disable=SC2086  # $tool is a command with its options
      tail -c "+$((pos + 1))" "$bzimage" | $tool > "$out" 2>/dev/null || true
      if [[ $(head -c 4 "$out" | od -An -tx1 | tr -d ' ') == 7f454c46 ]]; then
        return 0
      fi
    done < <(LC_ALL=C grep -obUaP "$magic" "$bzimage" | cut -d: -f1)
  done
  die "no compressed ELF kernel found in $bzimage"
}

# Prints the module files (relative to the modules dir) that loading module
# $2 needs, dependencies first, skipping modules built into the kernel.
declare -A MODULE_SEEN=()
module_name() { local n=${1##*/}; n=${n%%.ko*}; echo "${n//-/_}"; }
module_closure() {
  local moddir=$1 want=${2//-/_} line path dep
  line=$(awk -F: -v want="$want" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n);
    gsub(/-/, "_", n); if (n == want) { print; exit } }' "$moddir/modules.dep")
  if [[ -z $line ]]; then
    local b
    while read -r b; do
      [[ $(module_name "$b") == "$want" ]] && return 0
    done < "$moddir/modules.builtin"
    die "kernel module $want is neither in modules.dep nor built in"
  fi
  path=${line%%:*}
  [[ -n ${MODULE_SEEN[$path]:-} ]] && return 0
  for dep in ${line#*:}; do module_closure "$moddir" "$(module_name "$dep")"; done
  MODULE_SEEN[$path]=1
  echo "$path"
}

make_initramfs() {
  local rootfs=$1 out=$2 stage=$3 kver moddir path name applet
  kver=$(basename "$(echo "$rootfs"/lib/modules/*)")
  moddir=$rootfs/lib/modules/$kver
  mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules}
  install -m 0755 "$(command -v busybox)" "$stage/bin/busybox"
  for applet in $(busybox --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$stage/bin/$applet"
  done
  mknod -m 600 "$stage/dev/console" c 5 1
  mknod -m 666 "$stage/dev/null" c 1 3
  : > "$stage/modules/load-order"
  # One subshell for all modules, so that MODULE_SEEN drops repeats.
  while read -r path; do
    name=$(module_name "$path").ko
    case $path in
      *.xz) xz -dc "$moddir/$path" > "$stage/modules/$name" ;;
      *.zst) zstd -dcq "$moddir/$path" > "$stage/modules/$name" ;;
      *.gz) gzip -dc "$moddir/$path" > "$stage/modules/$name" ;;
      *) cp "$moddir/$path" "$stage/modules/$name" ;;
    esac
      echo "$name" >> "$stage/modules/load-order"
  done < <(for m in "${INITRAMFS_MODULES[@]}"; do module_closure "$moddir" "$m"; done)
  install -m 0755 "$HERE/guest/initramfs-init" "$stage/init"
  # Uncompressed: the kernel would spend longer inflating it under TCG than
  # QEMU spends loading ~2.5 MB.
  (cd "$stage" && find . -print0 | LC_ALL=C sort -z \
    | cpio --null --create --format=newc --quiet --reproducible) > "$out"
  log "initramfs modules: $(tr '\n' ' ' < "$stage/modules/load-order")"
}

make_disk() {
  local rootfs=$1 out=$2 raw=$3 used_mb size_mb
  used_mb=$(du -sm "$rootfs" | cut -f1)
  # Room for the job's files; a qcow2 keeps unwritten space free.
  size_mb=$((used_mb * 12 / 10 + 1024))
  truncate -s "${size_mb}M" "$raw"
  # Inode tables and journal are initialised now, so the guest's ext4lazyinit
  # thread does not spend emulated CPU time (and overlay space) doing it.
  mkfs.ext4 -q -F -L vc-root -d "$rootfs" -m 0 \
    -E lazy_itable_init=0,lazy_journal_init=0 "$raw"
  # Compressed: a third of the size (what each node caches), and under TCG
  # the host's inflating is not what a boot waits for (measured: no slower).
  qemu-img convert -c -O qcow2 "$raw" "$out"
  rm -f "$raw"
}

# Old builds stay unless asked: running VMs' overlays may still use them.
prune_old() {
  local keep=$1 dir
  for dir in "$cache_root"/appliance-*; do
    [[ -d $dir && $(basename "$dir") != "$keep" ]] || continue
    log "pruning $dir"
    rm -rf "$dir"
  done
}

main() {
  parse_args "$@"
  local hash dest
  hash=$(recipe_hash)
  dest="$cache_root/appliance-$hash"
  exec 9> "$cache_root/.build.lock"
  flock 9
  if [[ -f $dest/manifest.txt ]]; then
    ln -sfn "appliance-$hash" "$cache_root/appliance"
    echo "appliance-$hash is up to date (recipe unchanged): nothing to do"
    echo "  $cache_root/appliance -> appliance-$hash"
    [[ $prune == no ]] || prune_old "appliance-$hash"
    return 0
  fi
  [[ $(id -u) -eq 0 ]] || die "must run as root (mmdebstrap, mknod, root-owned files)"
  ensure_build_deps

  local sources=()
  mapfile -t sources < <(debian_sources)
  ((${#sources[@]})) || die "no $SUITE entries in /etc/apt/sources.list(.d)"
  log "recipe $hash; sources: ${sources[*]}"

  trap cleanup EXIT
  work=$(mktemp -d "$cache_root/.build-$hash.XXXXXX")
  local rootfs=$work/rootfs out=$work/out kver
  mkdir -p "$out"
  build_rootfs "$rootfs" "${sources[@]}"
  kver=$(basename "$(echo "$rootfs"/lib/modules/*)")
  log "kernel $kver"
  extract_vmlinux "$rootfs/boot/vmlinuz-$kver" "$out/vmlinux"
  rm -f "$rootfs/boot/vmlinuz-$kver"
  strip_rootfs "$rootfs"
  install_guest "$rootfs" "$hash"
  make_initramfs "$rootfs" "$out/initrd.img" "$work/initramfs"
  echo "$CMDLINE" > "$out/cmdline"
  log "making disk image"
  make_disk "$rootfs" "$out/disk.qcow2" "$work/disk.raw"
  {
    echo "recipe: $hash"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "kernel: $kver"
    echo "cmdline: $CMDLINE"
    printf 'source: %s\n' "${sources[@]}"
    echo "packages:"
    dpkg-query --admindir="$rootfs/var/lib/dpkg" -W -f='  ${Package} ${Version}\n'
  } > "$out/manifest.txt"
  mv "$out" "$dest"
  ln -sfn "appliance-$hash" "$cache_root/appliance"
  [[ $prune == no ]] || prune_old "appliance-$hash"
  log "done in ${SECONDS}s: $dest"
  (cd "$dest" && du -h --apparent-size disk.qcow2 vmlinux initrd.img \
    && qemu-img info disk.qcow2 | grep -E 'virtual size|disk size')
}

main "$@"
