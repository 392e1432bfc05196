# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario spank: not implemented yet. To implement it, replace register_stub with
#   register_scenario spank scenario_spank "the SPANK plugin's --vc-* options reach the prolog"
# and define scenario_spank (contract: tests/e2e/lib/scenario.sh, example: 10-plain.sh).
register_stub spank "the SPANK plugin's --vc-* options reach the prolog"
