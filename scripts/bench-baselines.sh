#!/usr/bin/env bash
# The classic baselines on the paper's protocol (100 queries per class, the rest = training set and
# gallery), MAP@All mean ± std over seeds, written to results/baselines.md with the raw log.
# Usage: scripts/bench-baselines.sh [--dataset mnist10k] [--trials 3] [--methods "pq pcapq opq itq lsh pcah l2"]
#                                  [--bits "16 32 64"] [--out results/baselines.md] [--bin PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=mnist10k; trials=3; methods="pq pcapq opq itq lsh pcah l2"; bits="16 32 64"
out=results/baselines.md; bin=build/native/trainer/deepquan
while [ $# -gt 0 ]; do
  case "$1" in
    --dataset) dataset=${2:?}; shift 2 ;;
    --trials) trials=${2:?}; shift 2 ;;
    --methods) methods=${2:?}; shift 2 ;;
    --bits) bits=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --bin) bin=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "bench-baselines.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ ! -x "$bin" ]; then
  cmake --preset native >/dev/null && cmake --build --preset native -j 2 --target deepquan
fi
mkdir -p "$(dirname "$out")"
log="${out%.md}.log"
: > "$log"
declare -A cell
for m in $methods; do
  for b in $bits; do
    echo "== $m $b bits ($trials trials on $dataset)" | tee -a "$log" >&2
    start=$(date +%s)
    "$bin" baseline --method "$m" --bits "$b" --dataset "$dataset" --trials "$trials" --seed 0 > "$log.tmp"
    cat "$log.tmp" >> "$log"
    secs=$(( $(date +%s) - start ))
    # The summary lines after "mean ± std" (one per ranking mode): keep MAP@All mean ± std.
    summary=$(awk '/^mean ± std/{on=1; next} on && /MAP@All/ {printf "%s %s %s %s; ", $1, $3, $4, $5}' "$log.tmp")
    if [ -z "$summary" ]; then  # a single trial: take the per-run lines
      summary=$(awk '/MAP@All/ {printf "%s %s; ", $1, $3}' "$log.tmp")
    fi
    cell[$m,$b]="$summary"
    echo "   $summary (${secs}s)" >&2
    [ "$m" = l2 ] && break   # exact L2 does not depend on the bit budget
  done
done
rm -f "$log.tmp"
{
  echo "# Baselines on $dataset (paper protocol, MAP@All %, mean ± std over $trials seeds)"
  echo
  echo "Command: \`scripts/bench-baselines.sh --dataset $dataset --trials $trials\` (each cell:"
  echo "\`deepquan baseline --method M --bits B --dataset $dataset --trials $trials --seed 0\`)."
  echo "Machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%d). Raw output: \`$(basename "$log")\`."
  echo
  printf "| method |"; for b in $bits; do printf " %s bits |" "$b"; done; echo
  printf "| --- |"; for b in $bits; do printf " --- |"; done; echo
  for m in $methods; do
    printf "| %s |" "$m"
    for b in $bits; do
      v=${cell[$m,$b]:-}
      if [ "$m" = l2 ]; then v=${cell[$m,${bits%% *}]:-}; fi
      printf " %s |" "${v%; }"
    done
    echo
  done
  echo
  echo "PQ-family cells give SDC (the paper's Eq. 5) and ADC; hashing cells rank by Hamming distance (ties by"
  echo "gallery position); l2 is exact float L2 on the pixels, the same for every bit budget."
  echo
  echo "For comparison on mnist10k (MAP@All, 16 / 32 / 64 bits): an independent implementation measured"
  echo "PQ (SDC) 47.9 / 46.7 / 45.5, PCA to 16·M dims then PQ 50.2 / 49.9 / 49.9, ITQ 36.1 / 38.8 / 42.4,"
  echo "LSH 22.4 / 26.9 / 31.4, exact L2 41.9. The paper's Table 1 (MNIST, 69,000-image gallery) lists"
  echo "ITQ 41.18 / 43.82 / 45.37, PCAH 27.33 / 24.85 / 31.71, LSH 20.88 / 25.83 / 31.71."
  echo
  echo "Notes. ITQ runs the ITQ paper's 50 rotation iterations and lands on the paper's Table 1; the"
  echo "independent figures match ITQ stopped after about one iteration (measured here, seed 0, 16 / 32 bits:"
  echo "0 iterations 33.6 / 37.2, 1 iteration 35.3 / 39.0, 5 iterations 40.0 / 42.1, 50 iterations 42.4 / 44.4)."
  echo "OPQ lowers the quantization error (e.g. 21.5 -> 20.6 at 16 bits) yet ranks slightly worse than PQ by"
  echo "label: distortion and same-class retrieval are different targets on raw pixels."
} > "$out"
cat "$out"
