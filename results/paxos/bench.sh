#!/bin/sh
# The consensus benchmark (results/consensus.md): results/raft/bench.fl's workload and duration
# (five nodes, five clients at about 100 operations per simulated second, 1% loss, 1 h) under
# Raft and under Multi-Paxos (the same file with the protocol line changed). For each: wall
# time, events per second, messages per committed (ok) operation, client latency p50/p99, and
# persisted bytes per ok operation (the simulator's persisted_bytes metric: every write to
# durable storage, on every node).
#
#   results/paxos/bench.sh [BUILD_DIR]      (default: build)
#
# Prints the rows of the table; run it on an idle machine.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
fl="$root/${1:-build}/faultline"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/^protocol = raft$/protocol = paxos/' "$root/results/raft/bench.fl" > "$tmp/paxos.fl"
for p in raft paxos; do
  scn="$root/results/raft/bench.fl"
  [ "$p" = paxos ] && scn="$tmp/paxos.fl"
  "$fl" run "$scn" > "$tmp/out.txt"
  awk -v p="$p" '
    $1 == "events" { ev = $2 }
    $1 == "messages" { sent = $3 }
    $1 == "operations" { ok = $5; gsub(/,/, "", ok) }
    $1 == "majority" { p50 = $(NF - 4); p99 = $(NF - 2); gsub(/;/, "", p50) }
    $1 == "time" { wall = $5; gsub(/s/, "", wall) }
    $1 == "verdict" { v = $2 }
    $1 == "persisted_bytes" { pb = $3 }
    $1 == "metrics" && $2 == "persisted_bytes" { pb = $4 }
    END { printf "| %s | %s | %.2f M | %.2f s | %.2f M | %.2f | %s | %s | %.1f |\n",
                 p, v, ev / 1e6, wall, ev / wall / 1e6, sent / ok, p50, p99, pb / ok }' "$tmp/out.txt"
done
