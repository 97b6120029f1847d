#!/bin/sh
# The consensus benchmark's ZAB rows (results/consensus.md): results/raft/bench.fl's workload and
# duration (five nodes, five clients at about 100 operations per simulated second, 1% loss, 1 h)
# under ZAB, the file with the protocol line changed and a [zab] section added, as
# results/paxos/bench.sh does for Paxos, with the same columns: wall time, events per second,
# messages per committed (ok) operation, client latency p50/p99, persisted bytes per ok
# operation. Two rows: `zab` with `sync = yes` (reads through the leader's broadcast, as
# linearizable as Raft's and Paxos's), and `zab-local` with ZooKeeper's default local reads, whose
# history is sequentially consistent only, so its linearizability expectation is dropped.
#
#   results/zab/bench.sh [BUILD_DIR]      (default: build)
#
# Prints the rows of the table; run it on an idle machine.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
fl="$root/${1:-build}/faultline"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/^protocol = raft$/protocol = zab/' "$root/results/raft/bench.fl" > "$tmp/zab.fl"
printf '\n[zab]\nsync = yes\n' >> "$tmp/zab.fl"
sed -e 's/^protocol = raft$/protocol = zab/' -e '/^linearizable/d' "$root/results/raft/bench.fl" \
  > "$tmp/zab-local.fl"
for p in zab zab-local; do
  "$fl" run "$tmp/$p.fl" > "$tmp/out.txt"
  awk -v p="$p" -f "$root/results/summary_row.awk" "$tmp/out.txt"
done
