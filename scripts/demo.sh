#!/usr/bin/env bash
# The main job on a real dataset (default mnist10k: 10,000 real MNIST digits, a few minutes):
#   install dependencies -> build native + wasm -> train a 32-bit DeepQuan model -> export the model
#   and gallery database -> query it from Node.js through the WASM package -> serve the search page.
# Usage: scripts/demo.sh [--dataset mnist10k|fashion70k|clipart] [--bits 16|32|64] [--out DIR] [--no-serve] [--port N] [--skip-setup] [--dry-run]
#   --dataset clipart: Debian's openclipart-png (8,121 PNGs in 22 categories; installed if missing), RGB 32x32
#   --skip-setup: do not run scripts/setup.sh (a machine it already set up); the dataset is still prepared
#   --dry-run: print the dataset, the output directory and the training command, and stop
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

CLIPART=/usr/share/openclipart/png
dataset=mnist10k; bits=32; out=; serve=1; port=8080; dry=0; setup=1
need() { [ -n "$2" ] || { echo "demo.sh: $1 needs a value${3:+: $3}" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --dataset) need "$1" "${2-}" "mnist10k, fashion70k or clipart"; dataset=$2; shift 2 ;;
    --bits) need "$1" "${2-}"; bits=$2; shift 2 ;;
    --out) need "$1" "${2-}"; out=$2; shift 2 ;;
    --port) need "$1" "${2-}"; port=$2; shift 2 ;;
    --no-serve) serve=0; shift ;;
    --skip-setup) setup=0; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# int4 weights keep model.dqm small for the page. On the gray datasets, 8 gray levels in the gallery
# thumbnails keep the page's three downloads under 2 MB gzip (tests/web/search.test.mjs checks the same
# flags). Clip art keeps its colours (RGB 48x48 thumbnails, larger than the 32x32 the model reads, so a
# result is recognisable) and skips the 15 files its decoder refuses (sides above 16384), counting them;
# 2 queries per category because the smallest ones hold 3 and 7 images; 1,000 pretraining iterations
# instead of the recipe's 4,000, because its 3,072 inputs make each iteration ~8x mnist's and the demo
# should take minutes (train without --pretrain-iterations for the full recipe).
case "$dataset" in
  mnist10k|fashion70k)
    train=(--dataset "$dataset" --bits "$bits" --seed 0 --weights int4 --thumbnail-levels 8) ;;
  clipart)
    train=(--images "$CLIPART" --size 32x32 --channels 3 --thumbnail-size 48x48 --skip-bad --queries-per-class 2
           --pretrain-iterations 1000 --bits "$bits" --seed 0 --weights int4) ;;
  *) echo "demo.sh: unknown dataset '$dataset' (expected mnist10k, fashion70k or clipart)" >&2; exit 2 ;;
esac
[ -n "$out" ] || { [ "$dataset" = mnist10k ] && out=runs/demo || out=runs/demo-$dataset; }
train+=(--out "$out")

if [ "$dry" = 1 ]; then
  echo "dataset: $dataset"
  echo "out: $out"
  [ "$dataset" = clipart ] && [ ! -d "$CLIPART" ] && echo "install: openclipart-png (Debian; $CLIPART is missing)"
  echo "train: build/native/trainer/deepquan train ${train[*]}"
  exit 0
fi
export NODE_PATH=/usr/share/nodejs
say() { echo; echo "== $* =="; }

if [ "$setup" = 1 ]; then
  say "setup (idempotent)"
  bash scripts/setup.sh
fi
case "$dataset" in
  fashion70k) say "prepare fashion70k (data/fashion70k)"; node scripts/prepare-data.mjs fashion70k ;;
  clipart)
    # Not in setup.sh: 131 MB that only this demo needs (CI does not).
    if [ ! -d "$CLIPART" ]; then
      say "install Debian's openclipart-png ($CLIPART)"
      SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends openclipart-png
    fi
    [ -d "$CLIPART" ] || { echo "demo.sh: openclipart-png is installed but $CLIPART is missing" >&2; exit 1; } ;;
esac

say "build: native trainer and core"
cmake --preset native >/dev/null
cmake --build --preset native -j "$(nproc)" --target deepquan
say "build: wasm package (wasm/dist)"
cmake --preset wasm >/dev/null
cmake --build --preset wasm -j "$(nproc)"

case "$dataset" in
  mnist10k) what="mnist10k (paper protocol: 1,000 queries, 9,000 gallery)" ;;
  fashion70k) what="fashion70k (paper protocol: 1,000 queries, 69,000 gallery)" ;;
  clipart) what="Debian's clip art ($CLIPART, labels = its categories)" ;;
esac
say "train a ${bits}-bit DeepQuan model on $what"
mkdir -p "$out"
build/native/trainer/deepquan train "${train[@]}"

say "query the exported gallery from Node.js through the WASM package"
for q in 0 1 2; do
  if [ -f "$out/queries-idx3-ubyte.gz" ]; then
    node wasm/dist/bin/deepquan-query.mjs --model "$out/model.dqm" --db "$out/gallery.dqdb" \
      --image "$out/queries-idx3-ubyte.gz:$q" --k 10
  else
    # RGB models get no IDX query file: search with gallery item q's own code (it finds itself first).
    node wasm/dist/bin/deepquan-query.mjs --model "$out/model.dqm" --db "$out/gallery.dqdb" --query-index "$q" --k 10
  fi
done

say "artifacts"
ls -l "$out"
echo "report: $out/report.json (plots: $out/*.svg)"

if [ "$serve" = 1 ]; then
  say "serving the search page (Ctrl-C to stop)"
  exec node scripts/serve.mjs --data "$out" --port "$port"
fi
