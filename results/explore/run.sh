#!/bin/sh
# Regenerates results/explore/table.md: each Raft bug switch found from scratch by
# `faultline explore` in a nemesis-style scenario of random faults (raft-BUG.fl), then shrunk
# by `faultline shrink`. Writes found/BUG-seedN.fl (the concrete failing run) and
# found/BUG-seedN-min.fl (the minimal scenario). Wall times are this machine's.
#
#   results/explore/run.sh [FAULTLINE]      (default: build/faultline; run from anywhere)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fl=${1:-$root/build/faultline}
cd "$here"
rm -rf found
mkdir -p found
{
  echo "# Raft's bug switches, found by explore and shrunk"
  echo
  echo "Regenerate: \`results/explore/run.sh\` (seeds 1..200 each; wall times on this machine)."
  echo
  echo "| bug | seeds to first failure | explore wall | broken expectation | concrete: lines, duration | minimal: lines, duration, clients, nodes | shrink trials, wall |"
  echo "|---|---|---|---|---|---|---|"
} > table.md
for bug in vote-twice-per-term commit-previous-term stale-read; do
  scn=raft-$bug.fl
  out=$("$fl" explore "$scn" --seeds 1..200 --out found) && status=0 || status=$?
  if [ "$status" -ne 1 ]; then
    echo "| $bug | none in 1..200 | | | | | |" >> table.md
    continue
  fi
  seed=$(echo "$out" | sed -n 's/^seed \([0-9]*\): FAIL.*/\1/p' | head -1)
  wall=$(echo "$out" | sed -n 's/^explored .* in \([0-9.]*s\):.*/\1/p')
  what=$(echo "$out" | sed -n 's/^seed [0-9]*: FAIL \([^:]*\):.*/\1/p' | head -1 | tr -s ' ')
  concrete=found/raft-$bug-seed$seed.fl
  min=found/raft-$bug-seed$seed-min.fl
  sh=$("$fl" shrink "$concrete" --out "$min")
  inv=$(echo "$sh" | sed -n "s/^shrink: keeps failing '[^']*'\(.*\)$/\1/p")
  before=$(echo "$sh" | sed -n 's/^  lines  *\([0-9]*\) timeline lines, duration \([^,]*\),.*/\1, \2/p' | head -1)
  after=$(echo "$sh" | sed -n 's/^  nodes .* -> \([0-9]*\) timeline lines, duration \([^,]*\), \([0-9]*\) clients, \([0-9]*\) nodes .*/\1, \2, \3, \4/p' | tail -1)
  cost=$(echo "$sh" | sed -n 's/^shrink: wrote .* (\([0-9]*\) trials in \([0-9.]*s\))$/\1, \2/p')
  echo "| $bug | $seed | $wall | \`$what\`$inv | $before | $after | $cost |" >> table.md
done
cat table.md
