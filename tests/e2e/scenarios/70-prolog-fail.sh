# shellcheck shell=bash disable=SC2153  # STATE and the helpers come from run.sh (lib/*.sh)
# Scenario prolog-fail: not implemented yet. To implement it, replace register_stub with
#   register_scenario prolog-fail scenario_prolog_fail "a failing prolog rolls back, drains the node, requeues the job held"
# and define scenario_prolog_fail (contract: tests/e2e/lib/scenario.sh, example: 10-plain.sh).
register_stub prolog-fail "a failing prolog rolls back, drains the node, requeues the job held"
