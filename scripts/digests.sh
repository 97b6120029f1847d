#!/usr/bin/env bash
# Usage: scripts/digests.sh BUILD_DIR...   (.ci/run passes every build it made)
# The same scenario and seed must give the same run, bit for bit, whatever the compiler and
# the optimisation level: runs every scenario under scenarios/ with seeds 1 and 2 through each
# build's faultline and compares the verdict and digest lines with the first build's. Any
# difference fails, with a diff naming the builds. FL_DIGEST_SEEDS overrides the seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR BUILD_DIR... (at least two builds to compare)" >&2
  exit 2
fi
seeds=(${FL_DIGEST_SEEDS:-1 2})
mapfile -t scenarios < <(find scenarios -name '*.fl' | LC_ALL=C sort)
out=$(mktemp -d "${TMPDIR:-/tmp}/faultline-digests.XXXXXX")
trap 'rm -rf "$out"' EXIT

# One line per run: "SCENARIO seed N: VERDICT digest 0x...", or what went wrong instead.
one() {
  local bin=$1 scn=$2 seed=$3 text status=0
  text=$(LC_ALL=C "$bin" run "$scn" --seed "$seed" --quiet 2>&1) || status=$?
  local d
  d=$(printf '%s\n' "$text" | grep -Eo '^(PASS|FAIL) .* digest 0x[0-9a-f]{16}' | head -1 |
      sed -E 's/^(PASS|FAIL) .* (digest 0x[0-9a-f]{16})$/\1 \2/')
  if [ -z "$d" ] || [ "$status" -gt 1 ]; then
    d="no digest (exit $status): $(printf '%s' "$text" | head -c 300 | tr '\n' ' ')"
  fi
  printf '%s seed %s: %s\n' "$scn" "$seed" "$d"
}
export -f one

for dir in "$@"; do
  bin=$dir/faultline
  if [ ! -x "$bin" ]; then
    echo "digests: $bin: not built" >&2
    exit 2
  fi
  name=$(basename "$dir")
  start=$(date +%s)
  for scn in "${scenarios[@]}"; do
    for seed in "${seeds[@]}"; do printf '%s\0%s\0%s\0' "$bin" "$scn" "$seed"; done
  done | xargs -0 -n 3 -P "$(nproc)" bash -c 'one "$@"' _ | LC_ALL=C sort >"$out/$name"
  echo "digests: $name: $(wc -l <"$out/$name") runs in $(($(date +%s) - start)) s" >&2
done

first=$(basename "$1")
status=0
if grep -q 'no digest' "$out/$first"; then
  grep 'no digest' "$out/$first" >&2
  status=1
fi
for dir in "${@:2}"; do
  name=$(basename "$dir")
  if ! diff -u --label "$first" --label "$name" "$out/$first" "$out/$name" >&2; then
    echo "digests: $name differs from $first (above: - is $first, + is $name)" >&2
    status=1
  fi
done
if [ $status = 0 ]; then
  echo "digests: ${#scenarios[@]} scenarios x ${#seeds[@]} seeds: the same verdicts and digests in $*"
fi
exit $status
