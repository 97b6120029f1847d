#!/bin/sh
# Runs every Raft scenario's fault timeline under Multi-Paxos (issue 12): the same cluster,
# network, workload, timeline and expectations, with the protocol line changed to paxos and the
# [raft] section replaced by a [paxos] one that keeps the options both protocols share
# (election_timeout, heartbeat, max_batch, snapshot_every) and drops Raft's own (prevote,
# check_quorum, read, bug). The rewrite happens on the fly, so that a new or changed Raft
# scenario is run under Paxos too, without a copy to keep in step.
#
#   scenarios/paxos/from-raft.sh FAULTLINE [SCENARIO_DIR]
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
    /^\[/ { section = $0; if ($0 == "[raft]") { print "[paxos]"; next } }
    section == "[cluster]" && $1 == "protocol" { print "protocol = paxos"; next }
    section == "[raft]" && $1 != "election_timeout" && $1 != "heartbeat" && $1 != "max_batch" &&
      $1 != "snapshot_every" && $0 !~ /^[ \t]*(#|$)/ { next }
    { print }
  ' "$scn" > "$tmp/$name"
  out=$("$fl" run --quiet "$tmp/$name" 2>&1)
  rc=$?
  printf '%s: %s\n' "$name" "$(printf '%s\n' "$out" | head -1)"
  if [ $rc -ne 0 ]; then
    printf '%s\n' "$out" | sed 's/^/  /'
    status=1
  fi
done
exit $status
