#!/usr/bin/env bash
# The main job on the bundled default dataset (mnist10k: 10,000 real MNIST digits):
#   install dependencies -> build native + wasm -> train a 32-bit DeepQuan model -> export the model
#   and gallery database -> query it from Node.js through the WASM package -> serve the search page.
# Usage: scripts/demo.sh [--bits 16|32|64] [--out DIR] [--no-serve] [--port N]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bits=32; out=runs/demo; serve=1; port=8080
while [ $# -gt 0 ]; do
  case "$1" in
    --bits) bits=${2:?--bits needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    --port) port=${2:?--port needs a value}; shift 2 ;;
    --no-serve) serve=0; shift ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
export NODE_PATH=/usr/share/nodejs
say() { echo; echo "== $* =="; }

say "setup (idempotent)"
bash scripts/setup.sh

say "build: native trainer and core"
cmake --preset native >/dev/null
cmake --build --preset native -j "$(nproc)" --target deepquan
say "build: wasm package (wasm/dist)"
cmake --preset wasm >/dev/null
cmake --build --preset wasm -j "$(nproc)"

say "train a ${bits}-bit DeepQuan model on mnist10k (paper protocol: 1,000 queries, 9,000 gallery)"
mkdir -p "$out"
# int4 weights and 8 gray levels in the gallery thumbnails keep what the page downloads (model.dqm +
# gallery.dqdb + queries.dqdb) under 2 MB gzip (tests/web/search.test.mjs checks the same flags).
build/native/trainer/deepquan train --dataset mnist10k --bits "$bits" --seed 0 --weights int4 --thumbnail-levels 8 --out "$out"

say "query the exported gallery from Node.js through the WASM package"
for q in 0 1 2; do
  node wasm/dist/bin/deepquan-query.mjs --model "$out/model.dqm" --db "$out/gallery.dqdb" \
    --image "$out/queries-idx3-ubyte.gz:$q" --k 10
done

say "artifacts"
ls -l "$out"
echo "report: $out/report.json (plots: $out/*.svg)"

if [ "$serve" = 1 ]; then
  say "serving the search page (Ctrl-C to stop)"
  exec node scripts/serve.mjs --data "$out" --port "$port"
fi
