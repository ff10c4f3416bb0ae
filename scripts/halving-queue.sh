#!/usr/bin/env bash
# Runs configs one after another as JOBS one-thread shards each, resumable: every shard reruns
# while it exits 5 (a rung of a successive halving still waits for another shard's points), and
# any stop (kill, reboot, a new machine with the committed points and checkpoints) is resumed by
# running the same command again: finished points are skipped, running ones continue from their
# checkpoints. When a config's shards are done its results are merged (collect) and plotted.
#
#   scripts/halving-queue.sh OUT_ROOT CONFIG...        e.g. results/paper/figure3 configs/cifar10-cnn-tuned.json
#   JOBS=2 BIN=path/to/adam-bench DATA=data WAIT=60    defaults
#
# Progress: OUT_ROOT/logs/<config name>.shardI.log (one line per epoch per point).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-$(swift build -c release --show-bin-path $(make -s print-flags) 2>/dev/null)/adam-bench}
jobs=${JOBS:-2}
data=${DATA:-data}
wait_seconds=${WAIT:-60}
[ -x "$bin" ] || { echo "halving-queue: no adam-bench at $bin: run make build first (or set BIN)" >&2; exit 2; }
[ $# -ge 2 ] || { echo "usage: scripts/halving-queue.sh OUT_ROOT CONFIG..." >&2; exit 2; }
[[ $jobs =~ ^[1-9][0-9]?$ ]] || { echo "halving-queue: JOBS must be a number from 1 to 99, got '$jobs'" >&2; exit 2; }
[[ $wait_seconds =~ ^[0-9]+$ ]] || { echo "halving-queue: WAIT must be a number of seconds, got '$wait_seconds'" >&2; exit 2; }
out=$1; shift
mkdir -p "$out/logs"

# One shard: run until it exits with anything but 5 (5: a rung waits for other shards' points).
shard() {
  local config=$1 i=$2 log=$3 status
  while true; do
    status=0
    "$bin" run "$config" --shard "$i/$jobs" --threads 1 --data-dir "$data" --out "$out" >> "$log" 2>&1 || status=$?
    [ "$status" -eq 5 ] || return "$status"
    echo "halving-queue: shard $i/$jobs waits for a rung (exit 5); again in ${wait_seconds}s" >> "$log"
    sleep "$wait_seconds"
  done
}

for config in "$@"; do
  "$bin" validate "$config" --data-dir "$data" > /dev/null || { echo "halving-queue: $config does not validate" >&2; exit 2; }
done
for config in "$@"; do
  name=$(basename "$config" .json)
  echo "halving-queue: $name: $jobs shards, logs in $out/logs/$name.shard*.log"
  pids=()
  for ((i = 0; i < jobs; i++)); do
    shard "$config" "$i" "$out/logs/$name.shard$i.log" &
    pids+=($!)
  done
  failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ $failed -eq 0 ] || { echo "halving-queue: a shard of $name failed: see $out/logs/$name.shard*.log" >&2; exit 1; }
  "$bin" collect "$out/$name" >> "$out/logs/$name.merge.log" 2>&1 &&
    "$bin" plot "$out/$name" --paper paper/figures.csv -o "$out/$name/plot.svg" >> "$out/logs/$name.merge.log" 2>&1 || true
  echo "halving-queue: $name done, merged into $out/$name"
done
