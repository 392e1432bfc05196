#!/bin/bash
# The plugin inside the real sbatch, against the shared syntax table: every valid value passes the
# plugin's option callback and reaches the validator as one --WORD=VALUE argument; every invalid
# one fails sbatch with a first line naming the option, and the validator never runs. No Slurm
# daemon is needed: sbatch reads a temporary slurm.conf (SLURM_CONF), and the validator is a stub
# that refuses every request (exit 2), so sbatch stops before it would contact a controller.
#
#   spank/test/sbatch-options.sh PLUGIN.so TABLE.tsv        (run by `make check` when sbatch exists)
set -euo pipefail

PLUGIN=$(readlink -f "${1:?usage: sbatch-options.sh PLUGIN.so TABLE.tsv}")
TABLE=$(readlink -f "${2:?usage: sbatch-options.sh PLUGIN.so TABLE.tsv}")
TMP=$(mktemp -d /tmp/vcluster-spank-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# setup: a slurm.conf that names no reachable controller, the plugin with the stub validator
setup() {
  cat >"$TMP/slurm.conf" <<CONF
ClusterName=spanktest
SlurmctldHost=localhost
SlurmctldPort=1
PlugStackConfig=$TMP/plugstack.conf
NodeName=n1 CPUs=2 State=UNKNOWN
PartitionName=p Nodes=n1 Default=YES
CONF
  echo "required $PLUGIN validator=$TMP/validator config=$TMP/site.yaml timeout=10" >"$TMP/plugstack.conf"
  : >"$TMP/site.yaml"
  # the stub: records its arguments one per line (the values have no newline once valid), refuses
  cat >"$TMP/validator" <<STUB
#!/bin/sh
printf '%s\n' "\$@" >"$TMP/args"
echo "stub: refused"
exit 2
STUB
  chmod 0755 "$TMP/validator"
  export SLURM_CONF=$TMP/slurm.conf
}

# first_line SBATCH-ARGS...: sbatch's first line of output (it must fail: the stub refuses all)
first_line() {
  local out
  if out=$(cd "$TMP" && sbatch "$@" --wrap=true 2>&1); then
    echo "sbatch $* was accepted"
    return 0
  fi
  printf '%s\n' "${out%%$'\n'*}"
}

main() {
  local option value expected word line failures=0 cases=0
  local -a args
  setup
  line=$(sbatch --help 2>&1 | grep -c -- '--vc-\(image\|vcpus\|mem\|vms\|mount\|save\|restore\)=' || true)
  if [[ $line != 7 ]]; then echo "sbatch --help lists $line of the 7 --vc-* options"; failures=$((failures + 1)); fi
  line=$(first_line --vc-vms=2)
  if [[ $line != "sbatch: error: --vc-image: missing"* ]]; then
    echo "--vc-vms without --vc-image: '$line'"
    failures=$((failures + 1))
  fi
  while IFS= read -r line; do
    [[ -z $line || $line == \#* ]] && continue
    # split by hand: read with IFS=tab would merge the two tabs around an empty value
    option=${line%%$'\t'*}
    expected=${line##*$'\t'}
    value=${line#*$'\t'}
    value=${value%$'\t'*}
    cases=$((cases + 1))
    printf -v value '%b' "$value"
    word=${option#vc-}
    [[ $word != mount ]] || word=mounts # the validator's word: --vc-mount gives every folder at once
    args=()
    [[ $word == image ]] || args+=(--vc-image=testapp)
    args+=("--$option=$value")
    rm -f "$TMP/args"
    line=$(first_line "${args[@]}")
    if [[ $expected == ok=* ]]; then
      if [[ $line != "sbatch: error: stub: refused" ]] || ! grep -qxF -- "--$word=$value" "$TMP/args"; then
        echo "--$option='$value' (valid): '$line', validator got: $(tr '\n' ' ' <"$TMP/args" 2>/dev/null)"
        failures=$((failures + 1))
      fi
    elif [[ $line != "sbatch: error: --$option: "* || -e $TMP/args ]]; then
      echo "--$option='$value' (invalid): '$line'$([[ -e $TMP/args ]] && echo ', and the validator ran')"
      failures=$((failures + 1))
    fi
  done <"$TABLE"
  echo "sbatch-options: $cases cases through sbatch, $failures disagree with $TABLE"
  ((failures == 0 && cases > 0))
}

main
