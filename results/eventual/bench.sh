#!/bin/sh
# The eventual store beside the consensus protocols (results/eventual/README.md):
# results/raft/bench.fl's cluster, network and clients (five nodes, five clients at about 100
# operations per simulated second on 5 keys, lognormal 2 ms latency, 1% loss, resend after
# 100 ms, 1 h) with the mix changed to reads and writes only (the store has no cas), under Raft,
# Multi-Paxos and eventual (n = 3, r = 2, w = 2, its defaults), clients stopping 10 s before
# the end (the store's convergence check needs quiet time). For each: the invariants (with
# eventual's convergence at the end), the history check's verdict, events, wall time, events per second, messages per ok operation, client latency
# p50/p99, persisted bytes per ok operation.
#
#   results/eventual/bench.sh [BUILD_DIR]      (default: build)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
fl="$root/${1:-build}/faultline"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in raft paxos eventual; do
  sed -e "s/^protocol = raft\$/protocol = $p/" \
      -e 's/^keys    = 5$/keys    = 5\nmix     = read 50%, write 50%/' \
      -e 's/^resend  = 100ms$/resend  = 100ms\nstop    = 3590s/' \
      -e 's/^linearizable = yes$/linearizable = skip/' \
      "$root/results/raft/bench.fl" > "$tmp/$p.fl"
  "$fl" run "$tmp/$p.fl" --history "$tmp/$p.jsonl" > "$tmp/out.txt" || true
  lin=$("$fl" lincheck "$tmp/$p.jsonl" 2>&1 | grep -o 'not linearizable\|linearizable' | head -1)
  inv=$(awk '$1 == "invariants" { print $2 }' "$tmp/out.txt")
  awk -v head="$p | $inv | $lin" -f "$root/results/summary_row.awk" "$tmp/out.txt"
done
