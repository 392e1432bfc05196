# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario spank: the SPANK plugin, installed by lib/product.sh through VC_E2E_PLUGSTACK (slurmd
# and the clients read the cluster's plugstack.conf, which includes it). sbatch --help lists the
# --vc-* options; bad requests fail sbatch with one line naming the option, and no job exists;
# one that only the prolog can judge (more vCPUs than the job's CPUs) is refused there without
# draining the node; a good one reaches every node's prolog as SPANK_VC_* and runs its MPI job
# like scenario mpi (the same job: lib/vc-job.sh).
register_scenario spank scenario_spank "the SPANK plugin's --vc-* options reach the prolog; bad ones fail sbatch"

# spank_refused EXPECTED SBATCH-ARGS...: sbatch fails, its first line is EXPECTED (a prefix), and
# no job of that name exists, not even a finished one.
spank_refused() {
  local expected=$1 name out rc=0 t0
  shift
  name=spank-bad-$RANDOM
  t0=$(now)
  out=$(cluster_as_user sbatch --parsable --chdir="$STATE/jobs" --job-name="$name" "$@" --wrap=true 2>&1) || rc=$?
  say "sbatch $* -> exit $rc in $(elapsed "$t0")s: ${out%%$'\n'*}"
  ((rc != 0)) || fail "sbatch $* was accepted: $out"
  [[ ${out%%$'\n'*} == "sbatch: error: $expected"* ]] || fail "sbatch $*: first line '${out%%$'\n'*}', expected 'sbatch: error: $expected...'"
  expect_eq "jobs named $name" "" "$(squeue -h --states=all --name="$name" -o %i)"
}

scenario_spank() {
  local help opt job t_submit node env_file
  [[ -e $STATE/etc/hooks/prolog.target ]] || { say "needs the product (VC_DIST)"; exit 77; }
  grep -q vcluster_spank.so "${VC_E2E_PLUGSTACK:-/dev/null}" || { say "needs the plugin (VC_E2E_PLUGSTACK)"; exit 77; }

  help=$(cluster_as_user sbatch --help)
  for opt in --vc-image=NAME --vc-vcpus=N --vc-mem=SIZE --vc-vms=K; do
    grep -q -- "^ *$opt " <<<"$help" || fail "sbatch --help does not list $opt"
  done

  # syntax, in the plugin's option callback
  spank_refused "--vc-mem: invalid size 'lots'" -N 1 --vc-image=testapp --vc-mem=lots
  spank_refused "--vc-image: invalid image name '../etc'" -N 1 --vc-image=../etc
  spank_refused "--vc-vcpus: invalid number of vCPUs '\$(id)'" -N 1 --vc-image=testapp "--vc-vcpus=\$(id)"
  # what needs the other options, in its post-option step
  spank_refused "--vc-image: missing" -N 1 --vc-vms=2
  # the site's policy, through vcluster validate and the site's own configuration
  spank_refused "--vc-vms: 99 VMs per node is outside the site's limit of 1 to 4" -N 1 --vc-image=testapp --vc-vms=99
  spank_refused "--vc-image: 'nosuch' is not in the site's catalog" -N 1 --vc-image=nosuch
  spank_refused "--vc-mem: 4096M is outside the site's limit" -N 1 --vc-image=testapp --vc-mem=4G

  # what sbatch cannot know, the prolog finds: more vCPUs than the job's CPUs on its node. The
  # user's mistake, so the prolog exits 0 (no node drains) and the job reads why in its ERROR.
  job=$(submit -N 1 -n 1 --job-name=spank-alloc --vc-image=testapp --vc-vms=2 --vc-vcpus=2 \
    --output="$STATE/jobs/refused-%j.out" --wrap "$(refused_job_script)")
  say "submitted job $job: sbatch -N 1 -n 1 --vc-image=testapp --vc-vms=2 --vc-vcpus=2 (4 vCPUs, 1 CPU)"
  expect_refused_job "$job" "vcpus: 2 VM(s) x 2 vCPUs = 4 vCPUs on"

  vc_snapshot_nodes
  mpi_program >/dev/null
  t_submit=$(now)
  job=$(vc_mpi_submit -N 2 --ntasks-per-node=2 --job-name=spank --vc-image=testapp --vc-vms=2 --vc-vcpus=1)
  say "submitted job $job: sbatch -N 2 --ntasks-per-node=2 --vc-image=testapp --vc-vms=2 --vc-vcpus=1"
  measure sbatch-with-validator "$(elapsed "$t_submit")"
  vc_mpi_check "$job" 4 "$t_submit"
  # what slurmd gave the prolog of each allocated node: the options, and no comment request
  for node in $(job_field "$job" NodeList | xargs scontrol show hostnames); do
    env_file=$STATE/hook-env/prolog-$job-$node.env
    [[ -f $env_file ]] || fail "no prolog environment recorded for job $job on $node"
    expect_eq "SPANK_VC_* in the prolog on $node" "SPANK_VC_IMAGE=testapp SPANK_VC_VCPUS=1 SPANK_VC_VMS=2" \
      "$(grep '^SPANK_VC_' "$env_file" | sort | xargs)"
  done
  vc_torn_down "$job"
}
