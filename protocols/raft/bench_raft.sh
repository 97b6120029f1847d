#!/bin/sh
# The Raft benchmark: five nodes, clients issuing about 100 operations per simulated second,
# 1% message loss (results/raft/bench.fl), for 10 minutes, 1 hour and 4 hours of simulated
# time. For each: wall time and events per second of the simulation, its peak memory, and the
# time and memory of checking the history for linearizability at the end of the run (which
# records the history in memory as it runs).
#
#   protocols/raft/bench_raft.sh [BUILD_DIR]      (default: build)
#
# Writes the table to results/raft/figures.md. Run it on an idle machine; needs /usr/bin/time.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
fl="$root/$build/faultline"
[ -x "$fl" ] || { echo "bench_raft: $fl not built" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The same scenario without the check: the simulation's own memory.
sed 's/^linearizable = yes$/linearizable = skip/' "$root/results/raft/bench.fl" > "$tmp/skip.fl"
out="$root/results/raft/figures.md"
{
  echo "| simulated | events | wall | events/s | × real time | peak RSS, no check | operations checked | history check | peak RSS, with the check |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for d in 10min 1h 4h; do
    /usr/bin/time -f "%M" -o "$tmp/skip.rss" "$fl" run "$tmp/skip.fl" --duration "$d" --quiet \
      > /dev/null
    /usr/bin/time -f "%M" -o "$tmp/rss" "$fl" run "$root/results/raft/bench.fl" --duration "$d" \
      > "$tmp/run.txt"
    verdict=$(awk '$1 == "verdict" {print $2}' "$tmp/run.txt")
    [ "$verdict" = PASS ] || { cat "$tmp/run.txt" >&2; exit 1; }
    events=$(awk '$1 == "events" {print $2}' "$tmp/run.txt")
    wall=$(awk '$1 == "time" {print $5}' "$tmp/run.txt" | tr -d s)
    # "history      linearizable (332018 operations, 0.259s)"
    checked=$(awk '$1 == "history" {gsub(/\(/, "", $3); print $3}' "$tmp/run.txt")
    check=$(awk '$1 == "history" {gsub(/s\)/, "", $5); print $5}' "$tmp/run.txt")
    awk -v d="$d" -v e="$events" -v w="$wall" -v r="$(cat "$tmp/skip.rss")" -v o="$checked" \
        -v c="$check" -v cr="$(cat "$tmp/rss")" 'BEGIN {
      sim = d == "10min" ? 600 : d == "1h" ? 3600 : 14400
      printf "| %s | %.2f M | %.2f s | %.2f M | %.0f× | %.0f MiB | %d | %.2f s | %.0f MiB |\n",
             d, e / 1e6, w, e / w / 1e6, sim / w, r / 1024, o, c, cr / 1024 }'
  done
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
