# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario timeout: not implemented yet. To implement it, replace register_stub with
#   register_scenario timeout scenario_timeout "a vc job hitting its time limit: epilog tears everything down"
# and define scenario_timeout (contract: tests/e2e/lib/scenario.sh, example: 10-plain.sh).
register_stub timeout "a vc job hitting its time limit: epilog tears everything down"
