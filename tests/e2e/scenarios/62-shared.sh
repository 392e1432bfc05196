# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario shared: not implemented yet. To implement it, replace register_stub with
#   register_scenario shared scenario_shared "two vc jobs share nodes without seeing each other's networks"
# and define scenario_shared (contract: tests/e2e/lib/scenario.sh, example: 10-plain.sh).
register_stub shared "two vc jobs share nodes without seeing each other's networks"
