#!/usr/bin/env bash
# Figure 3: the six arms of configs/cifar10-cnn.json (45 epochs each, hours per arm on one core),
# two processes at a time on one thread each, into results/paper/figure3/. Each arm is one shard
# (--shard I/6), taken in the order of ORDER (default: adam and sgd-nesterov first, whose claims
# matter most, then their dropout arms, then adagrad). Rerun to resume: finished points are
# skipped and unfinished ones continue from their checkpoint (points/NNNNN.checkpoint). When all
# six points exist, a plain run merges them into curves.csv, summary.csv, timings.csv and
# manifest.json, and the plot goes to docs/figure3.svg. Progress: results/paper/figure3/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=results/paper/figure3
bin=${BIN:-$(swift build -c release --show-bin-path 2>/dev/null)/adam-bench}
mkdir -p "$out/logs"
printf '%s\n' ${ORDER:-4 2 5 3 0 1} | xargs -P "${JOBS:-2}" -I{} sh -c \
  '"$0" run configs/cifar10-cnn.json --out "$1" --threads 1 --shard {}/6 >> "$1/logs/shard{}.log" 2>&1 || echo "shard {} failed (see $1/logs/shard{}.log)"' "$bin" "$out"
"$bin" run configs/cifar10-cnn.json --out "$out" --threads 2 >> "$out/logs/merge.log" 2>&1
"$bin" plot "$out/cifar10-cnn" --paper ../shared/paper/figures.csv -o docs/figure3.svg
