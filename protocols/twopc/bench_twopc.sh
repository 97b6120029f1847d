#!/bin/sh
# The twopc benchmark: results/twopc/bench.fl (4 nodes: coordinator n1, participants n2..n4,
# 16 clients, healthy network, 20 simulated seconds) for every locking policy, number of keys
# (10, 100, 1000) and txn_ops (1, 2, 4, 8: a transaction has 1..txn_ops micro-ops, uniformly).
# Each row: committed transactions per simulated second, node-to-node messages and persisted
# bytes per committed transaction, the abort rate (aborted / decided) and the longest
# blocking window. Every run must keep the invariants (the history check is left to the
# scenarios: 20,000 transactions on 10 keys exhaust its search).
#
#   protocols/twopc/bench_twopc.sh [BUILD_DIR]      (default: build)
#
# Writes the table to results/twopc/figures.md. Needs jq. Deterministic: the figures depend
# only on the scenario and seed, not on the machine.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
fl="$root/$build/faultline"
[ -x "$fl" ] || { echo "bench_twopc: $fl not built" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out="$root/results/twopc/figures.md"
{
  echo "| locking | keys | txn_ops | committed/s | messages/commit | persisted B/commit | abort rate | aborts conflict / vote no / timeout | longest block |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for lk in 2pl wound-wait no-wait; do
    for keys in 10 100 1000; do
      for ops in 1 2 4 8; do
        sed -e "s/^keys    = .*/keys    = $keys/" -e "s/^txn_ops = .*/txn_ops = $ops/" \
            -e "s/^lock_timeout = 50ms$/lock_timeout = 50ms\nlocking = $lk/" \
            "$root/results/twopc/bench.fl" > "$tmp/b.fl"
        "$fl" run "$tmp/b.fl" --quiet --report "$tmp/r.json" > "$tmp/run.txt" ||
          { cat "$tmp/run.txt" >&2; exit 1; }
        jq -r --arg lk "$lk" --arg keys "$keys" --arg ops "$ops" '
          def m(n): (.metrics[n].value // 0);
          (m("txn_committed")) as $c
          | (m("txn_aborted_conflict") + m("txn_aborted_vote_no") + m("txn_aborted_timeout")) as $a
          | ([.messages.links[] | select((.from | startswith("n")) and (.to | startswith("n"))) | .sent] | add) as $msg
          | "| \($lk) | \($keys) | \($ops) | \($c / (.simulated_ns / 1e9) | floor) | \(if $c > 0 then ($msg / $c * 100 | round) / 100 else "-" end) | \(if $c > 0 then (m("persisted_bytes") / $c | round) else "-" end) | \(if $c + $a > 0 then ($a / ($c + $a) * 1000 | round) / 10 else 0 end)% | \(m("txn_aborted_conflict")) / \(m("txn_aborted_vote_no")) / \(m("txn_aborted_timeout")) | \(m("blocked_max_ns") / 1e6 * 10 | round / 10) ms |"' \
          "$tmp/r.json"
      done
    done
  done
} > "$out"
cat "$out"
