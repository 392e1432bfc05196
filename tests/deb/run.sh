#!/usr/bin/env bash
# The Debian packages, installed on this machine as a site installs them (needs root; run by
# tests/run-tests.sh after `mvn verify`, which builds them in dist/target/):
#   install      vcluster_*_all.deb and vcluster-spank_*_<arch>.deb with apt-get; the files, their
#                owners and modes (nothing a user could change, since the hooks run as root from
#                there), the conffiles, the class data sharing archive made by postinst and used;
#                the hooks and `vcluster` run from the installed tree: --check-config names the
#                secret a fresh install lacks, and passes once the site has set the node up
#   trigger      a JVM update (a file trigger on /usr/lib/jvm) makes the archive again
#   upgrade      to a newer version whose shipped site.yaml differs: the site's changed file stays
#                byte for byte (the new one beside it, .dpkg-dist), the archive is made anew
#   reinstall    the same version again: the site's file stays
#   remove       the product and the archive go, the configuration stays
#   purge        the configuration and the hooks' state go; dpkg knows no file of the package; what
#                the site made itself (its secret, its images) stays
# A package already installed is replaced only when no conffile of it was changed (a site's
# configuration is never lost to a test). Prints one line per check, then "deb: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

passed=0
failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
check() { # check WHAT CMD...: one line, ok when CMD succeeds
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}
finish() {
  echo "deb: $passed passed, $failed failed"
  ((failed == 0))
}

if [[ $(id -u) != 0 ]]; then
  echo "deb: needs root (apt-get install)"
  if [[ ${CI:-} == true ]]; then exit 1; fi
  exit 0
fi
shopt -s nullglob
debs=("$ROOT"/dist/target/vcluster_*_all.deb)
spank=("$ROOT"/dist/target/vcluster-spank_*_"$(dpkg --print-architecture)".deb)
if ((${#debs[@]} != 1 || ${#spank[@]} != 1)); then
  echo "deb: want one dist/target/vcluster_*_all.deb and one vcluster-spank_*.deb (mvn package), found ${#debs[@]} and ${#spank[@]}" >&2
  exit 1
fi
deb=${debs[0]}
spank=${spank[0]}

export DEBIAN_FRONTEND=noninteractive
# --no-install-recommends: Recommends would bring libvirt-daemon-system, whose postinst starts the
# machine's libvirtd; the end-to-end suite runs libvirtds of its own. A site gets them.
APT=(apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)
# What a site's unattended upgrade says: keep my changed configuration, take the rest.
KEEP_MINE=(-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

WORK=$(mktemp -d /tmp/vcluster-deb-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# A conffile of an installed vcluster the site changed (its md5 differs from dpkg's): printed.
changed_conffiles() {
  local pkg path sum
  for pkg in vcluster vcluster-spank; do
    while read -r path sum _; do
      [[ -n $path && -f $path ]] || continue
      [[ $(md5sum <"$path" | cut -d' ' -f1) == "$sum" ]] || echo "$path"
    done < <(dpkg-query -W -f='${Conffiles}\n' "$pkg" 2>/dev/null)
  done
}
if dpkg-query -W -f='${Status}' vcluster 2>/dev/null | grep -q 'installed\|config-files'; then
  mine=$(changed_conffiles)
  if [[ -n $mine ]]; then
    echo "deb: vcluster is installed here with a changed configuration ($mine): not touching it" >&2
    exit 1
  fi
  echo "replacing the vcluster installed here (its configuration is the shipped one)"
  apt-get purge -y -q -o DPkg::Lock::Timeout=300 vcluster-spank vcluster >/dev/null
fi
if [[ -e /etc/vcluster || -e /opt/vcluster || -e /var/lib/vcluster ]]; then
  echo "deb: /etc/vcluster, /opt/vcluster or /var/lib/vcluster exists without the package: not a fresh machine" >&2
  exit 1
fi

archive=/opt/vcluster/lib/vcluster.jsa
# The archive maps: with -Xshare:on a JVM that cannot map it fails; classes come from its top layer.
archive_used() {
  VC_JAVA_EXTRA_OPTS='-Xshare:on -Xlog:class+load=info' /opt/vcluster/bin/vcluster --version 2>&1 |
    grep -q 'shared objects file (top)'
}
status_of() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true; }

# ---- install
echo "== install $(basename "$deb") $(basename "$spank")"
"${APT[@]}" "$deb" "$spank" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; bad "apt-get install"; finish; exit 1; }
check "vcluster installed" test "$(status_of vcluster)" = "install ok installed"
check "vcluster-spank installed" test "$(status_of vcluster-spank)" = "install ok installed"
check "postinst said it made the archive" grep -q 'made /opt/vcluster/lib/vcluster.jsa' "$WORK/install.log"
for f in bin/vcluster bin/vcluster-prolog bin/vcluster-epilog bin/vcluster-cds site-config/slurm/vcluster-taskprolog \
  site-config/pbs/prologue site-config/pbs/epilogue; do
  check "/opt/vcluster/$f executable" test -x "/opt/vcluster/$f"
done
want_jars=$(cd "$ROOT/dist/target/vcluster/lib" && ls ./*.jar | sort)
check "every jar of the distribution in /opt/vcluster/lib" test "$(cd /opt/vcluster/lib && ls ./*.jar | sort)" = "$want_jars"
check "the templates in /opt/vcluster/templates" test -f /opt/vcluster/templates/domain.ftlx
check "the SPANK plugin" test -f /opt/vcluster/lib/spank/vcluster_spank.so
check "/usr/bin/vcluster runs the installed command" test "$(readlink -f /usr/bin/vcluster)" = /opt/vcluster/bin/vcluster
check "/etc/vcluster/site.yaml" test -f /etc/vcluster/site.yaml
check "/etc/vcluster/templates, for the site's overrides" test -d /etc/vcluster/templates
check "stateDir /var/lib/vcluster root's, 0711" test "$(stat -c '%U %a' /var/lib/vcluster)" = "root 711"
conffiles=$(dpkg-query -W -f='${Conffiles}\n' vcluster vcluster-spank | awk 'NF { print $1 }' | sort | tr '\n' ' ')
check "conffiles: site.yaml and the plugstack line ($conffiles)" \
  test "$conffiles" = "/etc/slurm/plugstack.conf.d/vcluster.conf /etc/vcluster/site.yaml "
# The hooks run as root from here: any file or folder a user could change would be theirs to run.
writable=$(find /opt/vcluster /etc/vcluster /var/lib/vcluster /etc/slurm/plugstack.conf.d/vcluster.conf \
  ! -type l \( -perm /022 -o ! -user root \) -print)
check "nothing installed is writable by a group or other, or owned by anyone but root${writable:+: $writable}" test -z "$writable"
check "the archive made by postinst, root's, read-only" test "$(stat -c '%U %a' "$archive" 2>/dev/null)" = "root 444"
check "the archive is used by the installed tree's JVM" archive_used
check "a job without a request costs the hook no JVM: exit 0" env -i /opt/vcluster/bin/vcluster-prolog
check "vcluster --version from PATH" vcluster --version

# A fresh node lacks what only the site can give (the secret, shared by every node): the check
# says so, naming the key, and exits 2.
rc=0
/opt/vcluster/bin/vcluster-prolog --check-config >"$WORK/check1.out" 2>&1 || rc=$?
check "--check-config of the fresh install exits 2" test "$rc" = 2
check "... naming secretFile" grep -q secretFile "$WORK/check1.out"

# ---- the site sets the node up: a changed site.yaml (here libvirt's test driver and one image),
# the secret, an image.
mkdir -p /var/lib/vcluster/images
qemu-img create -q -f qcow2 /var/lib/vcluster/images/site.qcow2 64M
(umask 077 && head -c 32 /dev/urandom >/etc/vcluster/secret)
sed -i -e 's#^libvirtUri: .*#libvirtUri: test:///default#' \
  -e 's#^images: {}#images:\n  site:\n    disk: /var/lib/vcluster/images/site.qcow2\n    format: qcow2#' \
  -e 's#^  mode: vxlan#  mode: none#' -e 's#^  readiness: .*#  readiness: [running]#' \
  -e 's#^  type: kvm .*#  type: test#' /etc/vcluster/site.yaml
echo "# changed by this site" >>/etc/vcluster/site.yaml
mine=$(sha256sum </etc/vcluster/site.yaml)
check_passes() { /opt/vcluster/bin/vcluster-prolog --check-config; }
if check_passes >"$WORK/check2.out" 2>&1; then ok "--check-config passes once the site set the node up"; else
  bad "--check-config passes once the site set the node up"; cat "$WORK/check2.out"; fi
dry_run() {
  env -i SLURM_JOB_ID=42 SLURM_NODELIST='node[1-2]' SLURMD_NODENAME=node1 SLURM_JOB_USER=root \
    SLURM_JOB_UID=0 SLURM_JOB_GID=0 SLURM_JOB_NUM_NODES=2 SLURM_JOB_CPUS_PER_NODE='2(x2)' \
    SLURM_JOB_COMMENT=vc:image=site,vms=1 /opt/vcluster/bin/vcluster-prolog --dry-run
}
dry_run_plans() { dry_run | grep -q '"vc42-0"'; }
check "the installed prolog's dry run plans vc42-0 from /etc/vcluster/site.yaml" dry_run_plans

# ---- a JVM update: dpkg runs the file trigger, postinst makes the archive again
rm -f "$archive"
dpkg-trigger --no-await /usr/lib/jvm
dpkg --triggers-only --pending >"$WORK/trigger.log" 2>&1 || cat "$WORK/trigger.log"
check "a JVM update (trigger /usr/lib/jvm) makes the archive again" test -f "$archive"

# ---- upgrade to a newer version whose shipped site.yaml differs
before=$(stat -c %Y "$archive")
sleep 1
version=$(dpkg-deb -f "$deb" Version)
mkdir "$WORK/next"
dpkg-deb -R "$deb" "$WORK/next/root"
sed -i "s/^Version: .*/Version: $version+1/" "$WORK/next/root/DEBIAN/control"
echo "# a line the next version adds" >>"$WORK/next/root/etc/vcluster/site.yaml"
(cd "$WORK/next/root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs md5sum >DEBIAN/md5sums)
dpkg-deb -b --root-owner-group "$WORK/next/root" "$WORK/next/vcluster_next_all.deb" >/dev/null
mkdir "$WORK/next/spank"
dpkg-deb -R "$spank" "$WORK/next/spank"
sed -i -e "s/^Version: .*/Version: $version+1/" -e "s/vcluster (= [^)]*)/vcluster (= $version+1)/" "$WORK/next/spank/DEBIAN/control"
dpkg-deb -b --root-owner-group "$WORK/next/spank" "$WORK/next/vcluster-spank_next.deb" >/dev/null
"${APT[@]}" "${KEEP_MINE[@]}" "$WORK/next/vcluster_next_all.deb" "$WORK/next/vcluster-spank_next.deb" \
  >"$WORK/upgrade.log" 2>&1 || { cat "$WORK/upgrade.log"; bad "apt-get install of the next version"; }
check "upgraded to $version+1" test "$(dpkg-query -W -f='${Version}' vcluster)" = "$version+1"
check "the site's site.yaml survives the upgrade byte for byte" test "$(sha256sum </etc/vcluster/site.yaml)" = "$mine"
check "the new version's own beside it (site.yaml.dpkg-dist)" grep -q 'a line the next version adds' /etc/vcluster/site.yaml.dpkg-dist
check "the archive made anew by the new postinst" test "$(stat -c %Y "$archive" 2>/dev/null || echo 0)" -gt "$before"
check "... and used" archive_used
check "--check-config still passes" check_passes

# ---- reinstall the same version
"${APT[@]}" "${KEEP_MINE[@]}" --reinstall "$WORK/next/vcluster_next_all.deb" >"$WORK/reinstall.log" 2>&1 ||
  { cat "$WORK/reinstall.log"; bad "apt-get install --reinstall"; }
check "the site's site.yaml survives a reinstall" test "$(sha256sum </etc/vcluster/site.yaml)" = "$mine"
check "the archive there after the reinstall" test -f "$archive"

# ---- the hooks leave state; remove, then purge
mkdir -p /var/lib/vcluster/logs /var/lib/vcluster/jobs/42 /var/lib/vcluster/evidence
echo "job 42" >/var/lib/vcluster/logs/42.log
apt-get remove -y -q -o DPkg::Lock::Timeout=300 vcluster-spank vcluster >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; bad "apt-get remove"; }
check "removed: the configuration stays (config-files)" test "$(status_of vcluster)" = "deinstall ok config-files"
check "removed: /opt/vcluster is gone, the archive with it" test ! -e /opt/vcluster
check "removed: /usr/bin/vcluster is gone" test ! -e /usr/bin/vcluster
check "removed: the site's site.yaml stays as it was" test "$(sha256sum </etc/vcluster/site.yaml)" = "$mine"
apt-get purge -y -q -o DPkg::Lock::Timeout=300 vcluster-spank vcluster >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; bad "apt-get purge"; }
check "purged: dpkg knows no file of vcluster" sh -c '! dpkg -L vcluster'
check "purged: nor of vcluster-spank" sh -c '! dpkg -L vcluster-spank'
check "purged: site.yaml and its .dpkg-dist gone" sh -c '! ls /etc/vcluster/site.yaml*'
check "purged: the plugstack line gone" test ! -e /etc/slurm/plugstack.conf.d/vcluster.conf
check "purged: the hooks' journals, logs and evidence gone" \
  sh -c '! ls -d /var/lib/vcluster/jobs /var/lib/vcluster/logs /var/lib/vcluster/evidence'
check "purged: what the site made stays (its secret, its images)" \
  test -f /etc/vcluster/secret -a -f /var/lib/vcluster/images/site.qcow2
left=$(find /etc/vcluster /var/lib/vcluster /opt/vcluster 2>/dev/null | grep -v -x -e /etc/vcluster -e /etc/vcluster/secret \
  -e /var/lib/vcluster -e /var/lib/vcluster/images -e /var/lib/vcluster/images/site.qcow2 || true)
check "purged: nothing else is left${left:+: $left}" test -z "$left"
rm -rf /etc/vcluster /var/lib/vcluster
finish
