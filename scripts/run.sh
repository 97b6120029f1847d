#!/usr/bin/env bash
# Installs what is missing, builds faultline and runs the default scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
./build/faultline run scenarios/rbcast/partition.fl --trace build/partition.trace \
  --history build/partition.history.jsonl --report build/partition.report.json
