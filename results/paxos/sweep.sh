#!/bin/sh
# The long nemesis sweep (results/consensus.md, "Safety sweep"): scenarios/paxos/nemesis.fl and,
# for comparison, scenarios/raft/nemesis.fl over the same seeds: crashes, restarts, random-half
# partitions, a paused leader, loss, duplication and reordering; every seed must keep the
# invariants on every event and give a linearizable history.
#
#   results/paxos/sweep.sh [BUILD_DIR] [SEEDS]      (defaults: build, 1..1000)
#
# Prints one row per protocol: seeds run, seeds failed, wall time. A failing seed is printed
# by faultline sweep with the command that reproduces it, and the script exits 1.
# It runs at nice 19 with two workers: the machine is shared.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
fl="$root/${1:-build}/faultline"
seeds=${2:-1..1000}
status=0
echo "| protocol | scenario | seeds | failed | wall time |"
echo "|---|---|---|---|---|"
for p in paxos raft; do
  scn="scenarios/$p/nemesis.fl"
  start=$(date +%s.%N)
  out=$(cd "$root" && nice -n 19 "$fl" sweep "$scn" --seeds "$seeds" --jobs 2 2>&1)
  rc=$?
  end=$(date +%s.%N)
  [ $rc -ne 0 ] && { printf '%s\n' "$out" >&2; status=1; }
  printf '%s\n' "$out" | awk -v p="$p" -v scn="$scn" -v start="$start" -v end="$end" '
    / seeds \(/ { n = $3; f = $6 }
    END { printf "| %s | %s | %s | %s | %.1f s |\n", p, scn, n, f, end - start }'
done
exit $status
