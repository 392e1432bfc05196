# shellcheck shell=bash
# The product in the end-to-end cluster, installed as a site installs it: the Debian packages of
# the build (vcluster_*_all.deb, vcluster-spank_*_<arch>.deb) installed once on this machine, whose
# file system the nodes share, so every node runs /opt/vcluster as its Prolog/Epilog; the test
# appliance in its image catalog; the site configuration and secret in every node's own
# /etc/vcluster (a node-private tmpfs over the package's, as on separate machines). Sourced by run.sh.
#
#   product_prepare    before `up`: build the packages (mvn package; VC_DEB_DIR: a folder that has
#                      them already) and install them (VC_DIST: a distribution folder to run
#                      instead, as tests/bench/ab.sh compares builds); build the appliance (unless
#                      VC_APPLIANCE is given); make /etc/vcluster and /var/lib/vcluster
#                      node-private; set the TaskProlog; the SPANK plugin (unless VC_E2E_PLUGSTACK)
#   product_configure  after `up`: install site.yaml and the secret into every node, and write
#                      the site.yaml the plugin's validator reads on the submit host

PRODUCT_ROOT=$(cd "$E2E_DIR/../.." && pwd)

product_prepare() {
  local t0
  if [[ -z ${VC_DIST:-} ]]; then
    if [[ -z ${VC_DEB_DIR:-} ]]; then
      t0=$(now)
      log "building the product (mvn package)"
      (cd "$PRODUCT_ROOT" && mvn -B -q -ntp package -DskipTests) || die "mvn package failed" || return 1
      VC_DEB_DIR=$PRODUCT_ROOT/dist/target
      echo "TIME product build $(elapsed "$t0")s"
    fi
    product_install "$VC_DEB_DIR" || return 1
    VC_DIST=/opt/vcluster
  fi
  [[ -x $VC_DIST/bin/vcluster-prolog ]] || die "VC_DIST=$VC_DIST has no bin/vcluster-prolog" || return 1
  if [[ -z ${VC_APPLIANCE:-} ]]; then
    t0=$(now)
    "$E2E_DIR/appliance/build.sh" >&2 || die "building the test appliance failed" || return 1
    VC_APPLIANCE=$(readlink -f "$E2E_DIR/cache/appliance")
    echo "TIME appliance build $(elapsed "$t0")s"
  fi
  [[ -f $VC_APPLIANCE/disk.qcow2 ]] || die "VC_APPLIANCE=$VC_APPLIANCE has no disk.qcow2" || return 1
  VC_E2E_NODE_DIRS="${VC_E2E_NODE_DIRS:+$VC_E2E_NODE_DIRS }/etc/vcluster /var/lib/vcluster"
  VC_E2E_TASK_PROLOG=${VC_E2E_TASK_PROLOG:-$VC_DIST/site-config/slurm/vcluster-taskprolog}
  if [[ -z ${VC_E2E_PLUGSTACK:-} ]]; then
    VC_E2E_PLUGSTACK=$(product_plugstack)
  fi
  export VC_DIST VC_APPLIANCE VC_E2E_NODE_DIRS VC_E2E_TASK_PROLOG VC_E2E_PLUGSTACK
}

# product_install DIR: installs DIR's packages on this machine as a site does, with apt-get (their
# Depends come from Debian; Recommends not: libvirt-daemon-system would start the machine's own
# libvirtd beside the nodes'). --reinstall: a rebuild keeps its version; --allow-downgrades: a
# package of a later build may be there; --force-confold: the machine's /etc/vcluster is kept.
product_install() {
  local dir=$1 t0 deb spank
  t0=$(now)
  deb=$(compgen -G "$dir/vcluster_*_all.deb") || die "no vcluster_*_all.deb in $dir" || return 1
  spank=$(compgen -G "$dir/vcluster-spank_*_$(dpkg --print-architecture).deb") ||
    die "no vcluster-spank_*_$(dpkg --print-architecture).deb in $dir" || return 1
  [[ $deb != *$'\n'* && $spank != *$'\n'* ]] || die "more than one package of a kind in $dir" || return 1
  mkdir -p "$E2E_WORK"
  log "installing $(basename "$deb") $(basename "$spank")"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --reinstall --allow-downgrades \
    -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confold "$deb" "$spank" \
    >"$E2E_WORK/package-install.log" 2>&1 ||
    die "apt-get install of the packages failed: $(tail -n 20 "$E2E_WORK/package-install.log")" || return 1
  echo "TIME package install $(elapsed "$t0")s"
}

# product_plugstack: writes the plugstack line of the site fragment with this run's paths; prints
# the file's path. slurmd reads plugstack.conf only when it starts, so this comes before `up`; the
# validator's site.yaml (the same file product_configure installs in the nodes) is written after
# `up`, before any job: the plugin reads it at each submission. sbatch runs on the machine, as the
# test user, who can read both.
product_plugstack() {
  local file=$E2E_WORK/plugstack-vcluster.conf so=$VC_DIST/lib/spank/vcluster_spank.so
  [[ -f $so ]] || die "VC_DIST=$VC_DIST has no lib/spank/vcluster_spank.so" || return 1
  mkdir -p "$E2E_WORK"
  sed -n 's#^required /opt/vcluster/lib/spank/vcluster_spank.so .*#required '"$so"' validator='"$VC_DIST"'/bin/vcluster config='"$E2E_WORK"'/site.yaml#p' \
    "$VC_DIST/site-config/slurm/plugstack.conf.fragment" >"$file"
  [[ -s $file ]] || die "no plugstack line in $VC_DIST/site-config/slurm/plugstack.conf.fragment" || return 1
  printf '%s' "$file"
}

product_configure() {
  local conf="$E2E_WORK/site.yaml" secret="$E2E_WORK/secret" node cmdline
  cmdline=$(<"$VC_APPLIANCE/cmdline")
  sed -e "s#@APPLIANCE@#$VC_APPLIANCE#g" -e "s#@CMDLINE@#$cmdline#g" \
    -e "s#@BOOT_TIMEOUT@#${VC_E2E_BOOT_TIMEOUT:-150}#g" -e "s#@STATE@#$STATE#g" "$E2E_DIR/conf/site.yaml.in" >"$conf"
  # the site secret: the same on every node, root's only, as munge's key
  (umask 077 && head -c 32 /dev/urandom >"$secret")
  for node in $(node_names); do
    cluster_exec "$node" install -m 0644 "$conf" /etc/vcluster/site.yaml
    cluster_exec "$node" install -m 0600 "$secret" /etc/vcluster/secret
    cluster_exec "$node" install -d -m 0711 /var/lib/vcluster
  done
  rm -f "$secret"
  # on each node, as an admin would: the check reads the node's own secret and images
  for node in $(node_names); do
    cluster_exec "$node" "$VC_DIST/bin/vcluster-prolog" --check-config >&2 || return 1
  done
}
