# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario cancel: not implemented yet. To implement it, replace register_stub with
#   register_scenario cancel scenario_cancel "scancel of a running vc job: epilog tears everything down"
# and define scenario_cancel (contract: tests/e2e/lib/scenario.sh, example: 10-plain.sh).
register_stub cancel "scancel of a running vc job: epilog tears everything down"
