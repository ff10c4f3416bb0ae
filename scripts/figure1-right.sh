#!/usr/bin/env bash
# Figure 1 (right): the learning-rate search (configs/imdb-logreg-lr/*.json, one tune per arm,
# the figure's full 160 epochs) into results/paper/figure1-right-lr-search/, then the figure
# (configs/imdb-logreg.json, which takes the chosen rates) into results/paper/figure1-right/ and
# its plot into docs/figure1-right.svg. A few minutes on one core; rerun to resume (finished
# points are skipped). STAGE=search or STAGE=figure runs one half.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-$(swift build -c release --show-bin-path 2>/dev/null)/adam-bench}
threads=${THREADS:-1}
if [ "${STAGE:-all}" != figure ]; then
  out=results/paper/figure1-right-lr-search
  mkdir -p "$out/logs"
  for config in configs/imdb-logreg-lr/*.json; do
    name=$(basename "$config" .json)
    "$bin" run "$config" --out "$out" --threads "$threads" > "$out/logs/$name.log" 2>&1 || { echo "$name failed (see $out/logs/$name.log)"; exit 1; }
  done
fi
if [ "${STAGE:-all}" != search ]; then
  out=results/paper/figure1-right
  mkdir -p "$out"
  "$bin" run configs/imdb-logreg.json --out "$out" --threads "$threads" > "$out/run.log" 2>&1
  "$bin" plot "$out/imdb-logreg" --paper ../shared/paper/figures.csv -o docs/figure1-right.svg
fi
