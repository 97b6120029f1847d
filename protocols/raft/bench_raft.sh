#!/bin/sh
# The Raft benchmark: five nodes, clients issuing about 100 operations per simulated second,
# 1% message loss (results/raft/bench.fl), for 10 minutes, 1 hour and 4 hours of simulated
# time. For each: wall time, events per second, peak memory of the simulation, and the time
# and peak memory of checking the recorded history for linearizability.
#
#   protocols/raft/bench_raft.sh [BUILD_DIR]      (default: build)
#
# Writes the table to results/raft/figures.md. Run it on an idle machine.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
fl="$root/$build/faultline"
[ -x "$fl" ] || { echo "bench_raft: $fl not built" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The same scenario without the check, so that the run's figures are the simulation's own.
sed 's/^linearizable = yes$/linearizable = skip/' "$root/results/raft/bench.fl" > "$tmp/bench.fl"
out="$root/results/raft/figures.md"
{
  echo "| simulated | events | wall | events/s | × real time | peak RSS | operations | history check | check peak RSS |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for d in 10min 1h 4h; do
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$fl" run "$tmp/bench.fl" --duration "$d" \
      --history "$tmp/h.jsonl" > "$tmp/run.txt"
    events=$(awk '$1 == "events" {print $2}' "$tmp/run.txt")
    ops=$(awk '$1 == "operations" {print $3}' "$tmp/run.txt")
    verdict=$(awk '$1 == "verdict" {print $2}' "$tmp/run.txt")
    [ "$verdict" = PASS ] || { cat "$tmp/run.txt" >&2; exit 1; }
    read -r wall rss < "$tmp/time"
    /usr/bin/time -f "%e %M" -o "$tmp/ltime" "$fl" lincheck "$tmp/h.jsonl" --model kv \
      > "$tmp/lin.txt"
    grep -q ": linearizable" "$tmp/lin.txt" || { cat "$tmp/lin.txt" >&2; exit 1; }
    read -r lwall lrss < "$tmp/ltime"
    awk -v d="$d" -v e="$events" -v w="$wall" -v r="$rss" -v o="$ops" -v lw="$lwall" \
        -v lr="$lrss" 'BEGIN {
      sim = d == "10min" ? 600 : d == "1h" ? 3600 : 14400
      printf "| %s | %.2f M | %.2f s | %.2f M | %.0f× | %.0f MiB | %d | %.1f s | %.0f MiB |\n",
             d, e / 1e6, w, e / w / 1e6, sim / w, r / 1024, o, lw, lr / 1024 }'
  done
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
