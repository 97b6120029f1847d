#!/bin/sh
# Regenerates the table in README.md: seeds per second of one sweep with 1 shard and with 2
# shards (GNU parallel, one worker each, as on two hosts with one core each), and the cost of
# `faultline merge`. Short and niced: the machine is shared.
# Usage: bench.sh FAULTLINE SOURCE_DIR
set -eu
fl=$(readlink -f "$1")
cd "$2"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fl-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
rate() { awk "BEGIN { printf \"%.1f\", $1 / ($3 - $2) }"; }
secs() { awk "BEGIN { printf \"%.3f\", $2 - $1 }"; }

scn=scenarios/raft/leader-crash.fl
seeds=1..60
n=60
t0=$(now)
nice "$fl" sweep $scn --seeds $seeds --jobs 1 --json "$tmp/one.json" >/dev/null || [ $? -eq 1 ]
t1=$(now)
nice parallel --will-cite -j2 "$fl" sweep $scn --seeds $seeds --shard {}/2 --jobs 1 \
  --json "$tmp/shard-{}.json" '>/dev/null' ::: 1 2 || true
t2=$(now)
"$fl" merge "$tmp"/shard-*.json --json "$tmp/m.json" --junit "$tmp/m.xml" >/dev/null || [ $? -eq 1 ]
t3=$(now)
echo "| $scn, seeds $seeds | 1 shard | $(rate $n $t0 $t1) seeds/s | $(secs $t0 $t1) s |"
echo "| $scn, seeds $seeds | 2 shards (parallel -j2) | $(rate $n $t1 $t2) seeds/s | $(secs $t1 $t2) s |"
echo "| merge of the 2 shards ($n seeds) | | | $(secs $t2 $t3) s |"

# The merge's cost per seed, on more seeds of a cheap run (rbcast, 10 ms simulated).
big=1..4000
nice parallel --will-cite -j2 "$fl" sweep scenarios/rbcast/steady.fl --duration 10ms \
  --seeds $big --shard {}/4 --jobs 1 --json "$tmp/big-{}.json" '>/dev/null' ::: 1 2 3 4 || true
t4=$(now)
"$fl" merge "$tmp"/big-*.json --json "$tmp/bm.json" --junit "$tmp/bm.xml" >/dev/null || [ $? -le 1 ]
t5=$(now)
echo "| merge of 4 shards (4000 seeds of rbcast/steady.fl at 10 ms, $(du -k "$tmp/bm.json" | cut -f1) KiB of JSON) | | | $(secs $t4 $t5) s |"
