#!/bin/sh
# The GNU parallel recipe of README.md ("CI and scale-out"), run on this host: a sweep split in
# 2 shards started by `parallel --sshlogin :` (":" is the local host; across hosts it is
# `--sshlogin 8/host1,8/host2` with --workdir and --return, see README.md), merged with
# `faultline merge`, and compared with the unsharded sweep: the merged JSON and JUnit must be
# the unsharded ones but for wall-clock times. ctest scaleout/parallel runs it; it exits 77
# (ctest shows "Skipped") when parallel is not installed (scripts/setup.sh installs it).
# Usage: parallel_shards.sh FAULTLINE SOURCE_DIR
set -eu
fl=$1
cd "$2"
if ! command -v parallel >/dev/null 2>&1; then
  echo "SKIPPED: GNU parallel is not installed (scripts/setup.sh installs it)"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fl-parallel-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
scn=scenarios/raft/bugs/vote-twice-per-term.fl
seeds=15..30 # seeds 19 and 23 fail (election safety), both in shard 1

# A sweep exits 1 when a seed failed: that is a result here, not an error.
"$fl" sweep $scn --seeds $seeds --jobs 2 --json "$tmp/all.json" --junit "$tmp/all.xml" \
  >"$tmp/all.out" || [ $? -eq 1 ]
parallel --will-cite --sshlogin : --halt never \
  "$fl" sweep $scn --seeds $seeds --shard {}/2 --jobs 1 --json "$tmp/shard-{}.json" \
  '>' "$tmp/shard-{}.out" ::: 1 2 || true
"$fl" merge "$tmp"/shard-*.json --json "$tmp/merged.json" --junit "$tmp/merged.xml" \
  >"$tmp/merge.out" && rc=0 || rc=$?
cat "$tmp/merge.out"
[ "$rc" -eq 1 ] || { echo "merge: expected exit status 1 (two seeds fail), found $rc"; exit 1; }

untimed() { sed -E 's/("wall_s" : |time=")[0-9.]+/\1T/' "$1"; }
for f in json xml; do
  untimed "$tmp/all.$f" >"$tmp/a"
  untimed "$tmp/merged.$f" >"$tmp/b"
  if ! diff -u "$tmp/a" "$tmp/b"; then
    echo "the merged $f differs from the unsharded sweep's"
    exit 1
  fi
done
grep -q '"failed" : 2,' "$tmp/merged.json" || { echo "expected 2 failed seeds"; exit 1; }
echo "parallel: 2 shards of $seeds merged = the unsharded sweep (JSON and JUnit)"
