#!/bin/sh
# Runs every Raft scenario's fault timeline under ZAB (issue 13): the same cluster, network,
# workload, timeline and expectations, with the protocol line changed to zab and the [raft]
# section replaced by a [zab] one that sets `sync = yes` (Raft's reads are linearizable, so
# ZAB's must go through the leader for the same expectations to hold) and keeps only max_batch,
# the one option both protocols share (ZAB's timing options are its own: tick, sync_limit,
# init_limit). The rewrite happens on the fly, so that a new or changed Raft scenario is run
# under ZAB too, without a copy to keep in step.
#
#   scenarios/zab/from-raft.sh FAULTLINE [SCENARIO_DIR]
#
# Exits 0 when every rewritten scenario passes; prints each verdict line.
set -u
fl=$1
dir=${2:-$(dirname "$0")/../raft}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for scn in "$dir"/*.fl; do
  name=$(basename "$scn")
  awk '
    /^\[/ { section = $0; if ($0 == "[raft]") { print "[zab]"; print "sync = yes"; next } }
    section == "[cluster]" && $1 == "protocol" { print "protocol = zab"; next }
    section == "[raft]" && $1 != "max_batch" && $0 !~ /^[ \t]*(#|$)/ { next }
    { print }
  ' "$scn" > "$tmp/$name"
  grep -q '^\[zab\]' "$tmp/$name" || printf '\n[zab]\nsync = yes\n' >> "$tmp/$name"
  out=$("$fl" run --quiet "$tmp/$name" 2>&1)
  rc=$?
  printf '%s: %s\n' "$name" "$(printf '%s\n' "$out" | head -1)"
  if [ $rc -ne 0 ]; then
    printf '%s\n' "$out" | sed 's/^/  /'
    status=1
  fi
done
exit $status
