# Sourced: installs Debian packages that are missing, once, quietly. Idempotent.
# Usage: ensure_packages PKG...

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_packages() {
  local missing=() p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -f /var/lib/apt/periodic/vcluster-updated ] || [ -z "$(find /var/lib/apt/lists -name '*Packages*' -print -quit 2>/dev/null)" ]; then
    as_root apt-get update -q >/dev/null
    as_root mkdir -p /var/lib/apt/periodic && as_root touch /var/lib/apt/periodic/vcluster-updated
  fi
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# What the unit tests, the hook simulation and the fabric tests run for real (gcc, make and
# libslurm-dev: the SPANK plugin, built and tested by the Maven build; openssh-server and
# openssh-client: the remote shell and the PBS fan-out against real sshd; passwd: the throwaway
# user those tests log in as; python3-minimal: the attackers of RootHooksUnderAttackTest; tar: the
# report's copy, as the hooks write it). With CI=true a real-component test that skips fails the
# run (core's NoSkipInCi), so each of them must be here.
TEST_PACKAGES=(openjdk-17-jdk-headless maven gcc make libslurm-dev libvirt0 qemu-utils genisoimage iproute2
  nftables busybox util-linux iputils-ping openssh-server openssh-client passwd python3-minimal tar)

# What the end-to-end suite adds (tests/e2e/lib/cluster.sh and appliance/build.sh also install
# their own, idempotently): the MPI compiler for the test program, ssh for the job's script, jq
# for the hooks' outcome lines (the scenarios and tests/bench read those, not the log's prose);
# qemu-system-common (virtiofsd) and systemd (systemd-socket-activate): the shared folders.
E2E_PACKAGES=(libopenmpi-dev openmpi-bin openssh-client jq qemu-system-common systemd rhash)
