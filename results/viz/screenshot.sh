#!/usr/bin/env bash
# Draws the timeline of a scenario's run into a PNG, with its report (so a failed
# linearizability check is outlined): the README's screenshot.
#   results/viz/screenshot.sh SCENARIO OUT.png [faultline viz options, e.g. --from 4.96s --to 5.06s]
# Needs a built faultline (bash scripts/test.sh, or cmake --build build); FAULTLINE overrides it.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 SCENARIO OUT.png [--from T --to T --width W --height H]" >&2
  exit 2
fi
scenario=$1 out=$2
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
faultline=${FAULTLINE:-$root/build/faultline}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A run that fails its expectations still has a trace to show: exit status 1 is fine here.
"$faultline" run "$scenario" --quiet --trace "$tmp/run.trace" --report "$tmp/run.json" || [ $? -eq 1 ]
"$faultline" viz "$tmp/run.trace" --report "$tmp/run.json" --png "$out" "$@"
