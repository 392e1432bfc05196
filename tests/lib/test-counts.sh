#!/usr/bin/env bash
# Prints how many tests `mvn verify` ran, per kind, from the surefire reports, and fails when a
# test was skipped while CI=true (NoSkipInCi already fails a skip where it is thrown; this also
# catches a test that a future build disables some other way). Usage: tests/lib/test-counts.sh [ROOT]
set -euo pipefail
cd "${1:-$(dirname "$0")/../..}"
declare -A tests=() skipped=() failed=()
kinds=(unit simulation namespaces sshd)
for k in "${kinds[@]}"; do tests[$k]=0; skipped[$k]=0; failed[$k]=0; done
kind_of() {
  case "$1" in
    *NamespaceTest) echo namespaces ;;
    *SshdTest|*SshFanOutTest) echo sshd ;;
    org.virtualservices.simulation.*) echo simulation ;;
    *) echo unit ;;
  esac
}
shopt -s nullglob
reports=(*/target/surefire-reports/TEST-*.xml tests/*/target/surefire-reports/TEST-*.xml)
[ ${#reports[@]} -gt 0 ] || { echo "test-counts: no surefire reports (did mvn verify run?)" >&2; exit 1; }
skips=()
for f in "${reports[@]}"; do
  head=$(grep -m1 -o '<testsuite [^>]*>' "$f")
  name=$(sed -n 's/.* name="\([^"]*\)".*/\1/p' <<<"$head")
  n=$(sed -n 's/.* tests="\([0-9]*\)".*/\1/p' <<<"$head")
  s=$(sed -n 's/.* skipped="\([0-9]*\)".*/\1/p' <<<"$head")
  e=$(sed -n 's/.* errors="\([0-9]*\)".*/\1/p' <<<"$head")
  x=$(sed -n 's/.* failures="\([0-9]*\)".*/\1/p' <<<"$head")
  k=$(kind_of "$name")
  tests[$k]=$(( ${tests[$k]} + n - s ))
  skipped[$k]=$(( ${skipped[$k]} + s ))
  failed[$k]=$(( ${failed[$k]} + e + x ))
  if [ "${s:-0}" -gt 0 ] || [ "${n:-0}" -eq 0 ]; then skips+=("$name (${n:-0} tests, ${s:-0} skipped)"); fi
done
line="tests run, by kind:"
for k in "${kinds[@]}"; do
  line+=" $k ${tests[$k]}"
  [ "${skipped[$k]}" -eq 0 ] || line+=" (${skipped[$k]} skipped)"
  line+=","
done
echo "${line%,}"
if [ ${#skips[@]} -gt 0 ]; then
  printf 'skipped or empty: %s\n' "${skips[@]}"
  if [ "${CI:-}" = true ]; then
    echo "test-counts: tests were skipped in CI; every real-component test must run here" >&2
    exit 1
  fi
fi
for k in "${kinds[@]}"; do
  if [ "${tests[$k]}" -eq 0 ]; then
    echo "test-counts: no $k test ran" >&2
    [ "${CI:-}" != true ] || exit 1
  fi
done
