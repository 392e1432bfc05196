#!/usr/bin/env bash
# Makes a guest seed (NoCloud "cidata" ISO, contract in docs/appliance.md)
# for the raw-QEMU baseline and the appliance's own tests. The product makes
# its seeds in Java; this is the small shell equivalent.
#
# usage: make-seed.sh [options] OUT.iso [VC_KEY=VALUE...]
#   --job-key FILE      the job's private key (FILE.pub next to it); made if missing
#   --host-key FILE     this VM's host key (FILE.pub next to it); made if missing
#   --hosts FILE        vcluster/hosts      (default: this VM, plus VC_GATEWAY as "gateway")
#   --hostfile FILE     vcluster/hostfile   (default: "<hostname> slots=2")
#   --known-hosts FILE  vcluster/known_hosts (default: this VM's host key only)
#   --mounts FILE       vcluster/mounts: "TAG ro|rw PATH" lines, host folders (default: none)
#   --label LABEL       volume label (default cidata; others only to test the
#                       guest's fallback to /dev/vdb)
# Unset VC_* keys get test defaults (VC_HOSTNAME=vc1-0, VC_IP=10.0.2.15, ...).
set -euo pipefail

readonly ALLOWED='^[A-Za-z0-9._:/-]*$'
# Order of vcluster/env; unknown VC_* keys given on the command line follow.
readonly KNOWN_KEYS=(VC_JOB VC_HOSTNAME VC_MAC VC_IP VC_PREFIX VC_GATEWAY VC_MTU
  VC_SUBNET VC_USER VC_UID VC_GID VC_DEFAULT_ROUTE)
declare -A ENV=(
  [VC_JOB]=1 [VC_HOSTNAME]=vc1-0 [VC_MAC]=52:54:00:00:01:00 [VC_IP]=10.0.2.15
  [VC_PREFIX]=24 [VC_GATEWAY]=10.0.2.2 [VC_MTU]=1500 [VC_SUBNET]=10.0.2.0/24
  [VC_USER]=vcuser [VC_UID]=1000 [VC_GID]=1000 [VC_DEFAULT_ROUTE]=no
)
EXTRA_KEYS=()
job_key="" host_key="" hosts="" hostfile="" known_hosts="" mounts="" label=cidata out=""
stage="" tmp=""

usage() {
  echo "usage: $0 [--job-key F] [--host-key F] [--hosts F] [--hostfile F] [--known-hosts F] [--mounts F] [--label L] OUT.iso [VC_KEY=VALUE...]"
}

die() { printf 'make-seed.sh: %s\n' "$*" >&2; exit 1; }

parse_args() {
  while (($#)); do
    case $1 in
      --job-key | --host-key | --hosts | --hostfile | --known-hosts | --mounts | --label)
        [[ $# -ge 2 ]] || { usage >&2; exit 2; }
        case $1 in
          --job-key) job_key=$2 ;;
          --host-key) host_key=$2 ;;
          --hosts) hosts=$2 ;;
          --hostfile) hostfile=$2 ;;
          --known-hosts) known_hosts=$2 ;;
          --mounts) mounts=$2 ;;
          --label) label=$2 ;;
        esac
        shift 2 ;;
      -h | --help) usage; exit 0 ;;
      -*) usage >&2; exit 2 ;;
      *=*)
        local key=${1%%=*} value=${1#*=}
        [[ $key =~ ^VC_[A-Z0-9_]+$ ]] || die "bad key '$key' (VC_[A-Z0-9_]+ only)"
        [[ $value =~ $ALLOWED ]] || die "value of $key has characters outside [A-Za-z0-9._:/-]"
        [[ -v "ENV[$key]" ]] || EXTRA_KEYS+=("$key")
        ENV[$key]=$value
        shift ;;
      *)
        [[ -z $out ]] || { usage >&2; exit 2; }
        out=$1; shift ;;
    esac
  done
  [[ -n $out ]] || { usage >&2; exit 2; }
}

# Makes an Ed25519 key pair at $1 unless it exists; $2 is its comment.
ensure_key() {
  [[ -f $1 ]] || ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1"
  [[ -f $1.pub ]] || ssh-keygen -y -f "$1" > "$1.pub"
}

write_seed_files() {
  local name=${ENV[VC_HOSTNAME]} key
  mkdir -p "$stage/vcluster"
  printf 'instance-id: %s\nlocal-hostname: %s\n' "$name" "$name" > "$stage/meta-data"
  printf '#cloud-config\n# (for cloud-init images; the test appliance reads vcluster/)\nhostname: %s\n' \
    "$name" > "$stage/user-data"
  cat > "$stage/network-config" << EOF
version: 2
ethernets:
  eth0:
    match:
      macaddress: "${ENV[VC_MAC]}"
    addresses: [${ENV[VC_IP]}/${ENV[VC_PREFIX]}]
    mtu: ${ENV[VC_MTU]}
EOF
  for key in "${KNOWN_KEYS[@]}" "${EXTRA_KEYS[@]}"; do
    [[ -n ${ENV[$key]:-} ]] && printf '%s=%s\n' "$key" "${ENV[$key]}"
  done > "$stage/vcluster/env"

  if [[ -n $hosts ]]; then cp "$hosts" "$stage/vcluster/hosts"; else
    {
      printf '%s %s\n' "${ENV[VC_IP]}" "$name"
      [[ -n ${ENV[VC_GATEWAY]:-} ]] && printf '%s gateway\n' "${ENV[VC_GATEWAY]}"
    } > "$stage/vcluster/hosts"
  fi
  if [[ -n $hostfile ]]; then cp "$hostfile" "$stage/vcluster/hostfile"; else
    printf '%s slots=2\n' "$name" > "$stage/vcluster/hostfile"
  fi

  ensure_key "$job_key" "vcluster-job-${ENV[VC_JOB]}"
  cp "$job_key.pub" "$stage/vcluster/authorized_keys"
  cp "$job_key" "$stage/vcluster/id_ed25519"
  ensure_key "$host_key" "root@$name"
  cp "$host_key" "$stage/vcluster/ssh_host_ed25519_key"
  cp "$host_key.pub" "$stage/vcluster/ssh_host_ed25519_key.pub"
  [[ -z $mounts ]] || cp "$mounts" "$stage/vcluster/mounts"
  if [[ -n $known_hosts ]]; then cp "$known_hosts" "$stage/vcluster/known_hosts"; else
    printf '%s,%s %s\n' "$name" "${ENV[VC_IP]}" "$(cut -d' ' -f1,2 "$host_key.pub")" \
      > "$stage/vcluster/known_hosts"
  fi
}

main() {
  parse_args "$@"
  command -v genisoimage > /dev/null || die "genisoimage not installed (apt-get install genisoimage)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  stage=$tmp/iso
  mkdir -p "$stage" "$tmp/keys"
  # Throwaway keys live in the temp dir unless the caller keeps them.
  [[ -n $job_key ]] || job_key=$tmp/keys/job
  [[ -n $host_key ]] || host_key=$tmp/keys/host
  write_seed_files
  genisoimage -quiet -V "$label" -J -r -o "$out" "$stage"
}

main "$@"
