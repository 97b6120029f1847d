#!/bin/sh
# Regenerates results/cap/: the CAP / PACELC report of scenarios/cap/minority-partition.fl
# (and the table of the four other scenarios/cap files) under every built-in protocol, seeds 1..5.
# Run from the repository root after building (bash scripts/run.sh). The SVG twins of the plots
# are left out of the repository (each PNG is written beside its SVG; the SVGs are large).
set -eu
out=results/cap
for f in minority-partition leader-isolated clients-split flapping slow-network; do
  ./build/faultline cap "scenarios/cap/$f.fl" --seeds 1..5 --out "$out/$f" > /dev/null
  rm -f "$out/$f"/*.svg
  # Only the main example keeps every plot; the others keep their table and the summary plot.
  if [ "$f" != minority-partition ]; then
    find "$out/$f" -name '*.png' ! -name summary.png ! -name availability.png -delete
  fi
done
