#!/usr/bin/env bash
# Figure 3 alone: scripts/paper-queue.sh's queue for this figure (the six arms of
# configs/cifar10-cnn.json, each one shard, two processes of one thread, adam and sgd-nesterov
# first; rerun to resume; merged and plotted to docs/figure3.svg when all six are done).
# `scripts/figure3.sh --snapshot` plots the progress so far to docs/figure3-partial.svg.
set -euo pipefail
if [ "${1:-}" = --snapshot ]; then exec "$(dirname "$0")/paper-queue.sh" --snapshot figure3; fi
exec "$(dirname "$0")/paper-queue.sh" figure3
