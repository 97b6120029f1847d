#!/usr/bin/env bash
# Installs what is missing, builds faultline and runs the default scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
# Raft under a minority partition: the minority serves nothing, the majority everything, and
# the history stays linearizable. `./build/faultline viz build/run.trace` shows the run.
./build/faultline run scenarios/raft/minority-partition.fl --trace build/run.trace \
  --history build/run.history.jsonl --report build/run.report.json
