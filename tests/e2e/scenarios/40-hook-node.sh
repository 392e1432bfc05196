# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario hook-node: the harness hands its hooks over to a product's hooks (here the test
# double tests/e2e/fixtures/probe-dist) with slurmd's environment unchanged, and a hook run
# by a node's slurmd talks to THAT node's libvirtd at qemu:///system and makes network
# devices in THAT node's namespace, none in the machine's root namespace.
register_scenario hook-node scenario_hook_node "the product's hooks get slurmd's exact env and their own node's libvirtd"

scenario_hook_node() {
  local job state hook node file probe=$E2E_DIR/fixtures/probe-dist/bin
  # The wrapper reads <hook>.target at every run: no reconfiguration needed. The product's
  # targets (when VC_DIST configured them) are saved and put back whatever happens to this
  # scenario, so that the scenarios after it run the product again.
  # (global: the trap runs after this function has returned and its locals are gone)
  declare -gA HOOK_NODE_SAVED=()
  for hook in prolog epilog; do
    file=$STATE/etc/hooks/$hook.target
    if [[ -e $file ]]; then HOOK_NODE_SAVED[$hook]=$(<"$file"); fi
  done
  # shellcheck disable=SC2317  # run by the trap
  restore_targets() {
    local h
    for h in prolog epilog; do
      if [[ -n ${HOOK_NODE_SAVED[$h]:-} ]]; then
        printf '%s\n' "${HOOK_NODE_SAVED[$h]}" >"$STATE/etc/hooks/$h.target"
      else
        rm -f "$STATE/etc/hooks/$h.target"
      fi
    done
  }
  trap restore_targets EXIT
  echo "$probe/vcluster-prolog" >"$STATE/etc/hooks/prolog.target"
  echo "$probe/vcluster-epilog" >"$STATE/etc/hooks/epilog.target"

  job=$(submit -N 2 --job-name=hook-node --output="$STATE/jobs/hook-node-%j.out" --wrap 'srun true')
  state=$(wait_job "$job" 60)
  expect_eq "job $job state" COMPLETED "$state"
  for hook in prolog epilog; do
    for node in $(node_names | head -n 2); do
      file=$STATE/hook-env/probe-$hook-$job-$node.txt
      wait_file "$file" 30
      expect_eq "environment the product's $hook got on $node" \
        "$(<"$STATE/hook-env/$hook-$job-$node.env")" "$(sed -n 's/^env: //p' "$file")"
      expect_eq "libvirtd seen by the $hook on $node" "$node" "$(sed -n 's/^libvirt-host: //p' "$file")"
      expect_eq "bridge made by the $hook on $node" vce2eprobe "$(sed -n 's/^bridge-made: //p' "$file")"
    done
  done
  say "prolog and epilog on 2 nodes: exact environment, own libvirtd, own network namespace"
}
