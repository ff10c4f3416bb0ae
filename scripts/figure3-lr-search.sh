#!/usr/bin/env bash
# Figure 3's learning-rate search: the six configs of configs/cifar10-cnn-lr/ (each a tune over
# one arm's lr, 2 epochs on all of CIFAR-10), two processes at a time on one thread each, into
# results/paper/figure3-lr-search/. Rerun to resume: finished points are skipped and running
# ones continue from their last checkpoint. Progress goes to results/paper/figure3-lr-search/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=results/paper/figure3-lr-search
bin=${BIN:-$(swift build -c release --show-bin-path 2>/dev/null)/adam-bench}
mkdir -p "$out/logs"
ls configs/cifar10-cnn-lr/*.json | xargs -P "${JOBS:-2}" -I{} sh -c \
  'name=$(basename {} .json); "$0" run {} --out "$1" --threads 1 > "$1/logs/$name.log" 2>&1 || echo "$name failed (see $1/logs/$name.log)"' "$bin" "$out"
