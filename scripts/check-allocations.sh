#!/usr/bin/env bash
# Checks that a training step allocates nothing on the heap: valgrind counts the allocations of a
# 1-epoch MLP run with 4 steps and with 16 steps. The 12 extra steps must add fewer than 12
# allocations (the runtime's own one-off allocations vary by a couple with thread timing). valgrind does not
# decode AVX-512, so this uses the portable (AVX2) build in .build-portable. Each run writes its own
# results folder: a rerun into one folder would first read the earlier run's point files.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release $(make -s print-flags PORTABLE=1) --scratch-path .build-portable >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data" && ln -s "$(pwd)/data/mnist" "$work/data/m"
count() {
  cat > "$work/c.json" <<JSON
{"name": "alloc", "dataset": {"name": "mnist", "path": "m", "train_limit": $1},
 "model": {"kind": "mlp", "hidden": [64, 32], "dropout": {"input": 0.2, "hidden": 0.5}},
 "training": {"epochs": 1, "batch_size": 16}, "arms": [{"name": "adam", "optimizer": "adam"}]}
JSON
  valgrind --leak-check=no .build-portable/release/adam-bench run "$work/c.json" --data-dir "$work/data" \
    --out "$work/out$1" --threads 1 --quiet 2>&1 | sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p'
}
four=$(count 64 | tr -d ,); sixteen=$(count 256 | tr -d ,)
echo "heap allocations: 4 steps $four, 16 steps $sixteen"
[ $((sixteen - four)) -lt 12 ] || { echo "a training step allocates ($((sixteen - four)) more for 12 more steps)" >&2; exit 1; }
