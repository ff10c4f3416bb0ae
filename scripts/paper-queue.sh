#!/usr/bin/env bash
# The paper's long runs as one resumable queue: every point of every unfinished figure is a task
# (`--shard I/N` with N the config's point count, so a task is one point), run JOBS at a time on
# one thread each (two processes on one thread beat one on two: nothing waits at a barrier).
# Rerun after any stop, on any machine with the committed results: finished points are skipped
# and unfinished ones continue from their last checkpoint (points/NNNNN.checkpoint, one epoch).
#
#   scripts/paper-queue.sh [FIGURE...]      figures: figure3 figure2a figure4 (default: all, in that order)
#   scripts/paper-queue.sh --snapshot [FIGURE...]   train nothing: each unfinished figure's progress
#                                           (collect --partial) plotted to docs/<figure>-partial.svg
#   scripts/paper-queue.sh --merge [FIGURE...]      train nothing: merge and plot each figure whose
#                                           points are all there and newer than its merge
#   JOBS=2 BIN=path/to/adam-bench           defaults: 2, the release build of `make build`
#
# Order: Figure 3 (issue 10) first, adam and sgd-nesterov before their dropout arms and AdaGrad;
# then Figure 2 (a)'s tuning grid (17 points of 36-39 min, measured), then Figure 4's 72 points
# (about 9 min each, estimated from the measured step), so the short points fill the end.
# Progress: <out>/logs/shardI.log per point. As soon as a figure's last point is done (not only
# when the whole queue ends), its results are merged (curves.csv, summary.csv, manifest.json;
# <out>/logs/merge.log) and plotted into docs/; `make report` then picks its folder up.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-$(swift build -c release --show-bin-path $(make -s print-flags) 2>/dev/null)/adam-bench}
jobs=${JOBS:-2}
paper=../shared/paper/figures.csv
[ -x "$bin" ] || { echo "paper-queue: no adam-bench at $bin: run make build first (or set BIN)" >&2; exit 2; }

# figure  config  results-root  folder-name  command  shard-order  plot
figures() {
  echo "figure3 configs/cifar10-cnn.json results/paper/figure3 cifar10-cnn run 4,2,5,3,0,1 docs/figure3.svg"
  echo "figure2a configs/mnist-mlp-dropout.json results/paper/figure2a mnist-mlp-dropout run - docs/figure2a.svg"
  echo "figure4 configs/vae-bias-correction.json results/paper/figure4 vae-bias-correction sweep - docs/figure4.svg"
}
mode=train
case "${1:-}" in --snapshot) mode=snapshot; shift ;; --merge) mode=merge; shift ;; esac
wanted=" ${*:-figure3 figure2a figure4} "

# Merges and plots each wanted figure whose points are all there, one merge at a time (a lock
# per figure: two tasks may finish together). A figure merged after its last point file was
# written is left alone, so rerunning a finished queue changes no committed file.
merge() {
  figures | while read -r name config out folder cmd order plot; do
    [[ $wanted == *" $name "* ]] || continue
    [ -d "$out/$folder/points" ] || continue
    mkdir -p "$out/logs"
    (
      flock 9
      if [ -f "$out/$folder/manifest.json" ] &&
         [ -z "$(find "$out/$folder/points" -name '*.point' -newer "$out/$folder/manifest.json" | head -1)" ]; then
        echo "paper-queue: $name already merged in $out/$folder"
      elif said=$("$bin" collect "$out/$folder" 2>&1); then
        echo "$said" >> "$out/logs/merge.log"
        # A tuned figure whose pick sits at the end of its grid: extend the grid in the config
        # and run the queue again (the finished points are reused).
        echo "$said" | grep '^warning:' >&2 || true
        "$bin" plot "$out/$folder" --paper "$paper" -o "$plot" >> "$out/logs/merge.log" 2>&1 || true
        echo "paper-queue: $name merged into $out/$folder, plot $plot"
      else
        echo "paper-queue: $name not complete yet ($(echo "$said" | head -1 | cut -c1-160))"
      fi
    ) 9> "$out/logs/.merge.lock"
  done
}

if [ $mode = merge ]; then merge; exit 0; fi

if [ $mode = snapshot ]; then
  figures | while read -r name config out folder cmd order plot; do
    [[ $wanted == *" $name "* ]] || continue
    [ -d "$out/$folder/points" ] || continue
    if "$bin" collect "$out/$folder" --partial; then
      "$bin" plot "$out/$folder-partial" --paper "$paper" -o "${plot%.svg}-partial.svg"
    fi
  done
  exit 0
fi

# The number of points of a config, as `validate` counts them.
points() {
  "$bin" validate "$1" | sed -n 's/^  points *\([0-9][0-9]*\) .*/\1/p'
}

tasks() {
  figures | while read -r name config out folder cmd order plot; do
    [[ $wanted == *" $name "* ]] || continue
    local n
    n=$(points "$config")
    [ -n "$n" ] || { echo "paper-queue: cannot count the points of $config" >&2; exit 2; }
    [ "$order" = - ] && order=$(seq -s, 0 $((n - 1)))
    mkdir -p "$out/logs"
    for i in ${order//,/ }; do echo "$name $cmd $config $out $i $n"; done
  done
}

# Each task trains one point, then merges its figure if that was the figure's last point.
export PAPER_QUEUE_BIN=$bin PAPER_QUEUE=$PWD/scripts/paper-queue.sh
tasks | xargs -P "$jobs" -L 1 sh -c \
  '"$PAPER_QUEUE_BIN" "$1" "$2" --out "$3" --threads 1 --shard "$4/$5" >> "$3/logs/shard$4.log" 2>&1 || echo "paper-queue: $2 shard $4/$5 failed (see $3/logs/shard$4.log)" >&2
   BIN="$PAPER_QUEUE_BIN" "$PAPER_QUEUE" --merge "$0" | grep -v "not complete yet\|already merged" || true'

# At the end, every wanted figure's state (a figure finished on an earlier run is merged now).
merge
