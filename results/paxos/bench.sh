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
  awk -v p="$p" -f "$root/results/summary_row.awk" "$tmp/out.txt"
done
