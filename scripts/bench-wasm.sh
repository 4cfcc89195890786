#!/usr/bin/env bash
# WebAssembly package benchmark (figures, not a test): encoder latency per query, search latency
# over 70,000 and 1,000,000 codes at 32 and 64 bits, for the SIMD128 and baseline modules, plus the
# module sizes raw and gzipped. Models have the paper's 784-500-500-2000-L shape with seeded random
# weights (latency does not depend on the values); databases hold random codes.
#
#   scripts/bench-wasm.sh            (needs wasm/dist and build/native/tests/tools/dq_golden)
#   DQ_GOLDEN_BIN=... DQ_PKG_DIR=... scripts/bench-wasm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
GOLDEN=${DQ_GOLDEN_BIN:-build/native/tests/tools/dq_golden}
PKG=${DQ_PKG_DIR:-wasm/dist}
[ -x "$GOLDEN" ] || { echo "bench-wasm: $GOLDEN not built (cmake --preset native && cmake --build --preset native --target dq_golden)" >&2; exit 1; }
[ -f "$PKG/index.mjs" ] || { echo "bench-wasm: $PKG/index.mjs not built (cmake --preset wasm && cmake --build --preset wasm)" >&2; exit 1; }
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
"$GOLDEN" "$DATA" --bench

echo "== module sizes"
for f in "$PKG"/deepquan-simd.wasm "$PKG"/deepquan-simd.mjs "$PKG"/deepquan.wasm "$PKG"/deepquan.mjs "$PKG"/index.mjs "$PKG"/pixels.mjs "$PKG"/sources.mjs; do
  printf '%-22s %8d bytes raw %8d gzip -9\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done

node --input-type=module - "$DATA" "$(realpath "$PKG")" <<'JS'
import fs from 'node:fs';
import path from 'node:path';
const [dir, pkgDir] = process.argv.slice(2);
const { loadIndex } = await import(path.join(pkgDir, 'index.mjs'));
const b = fs.readFileSync(path.join(dir, 'bench-queries.idx'));
const queries = Array.from({ length: 100 }, (_, i) => new Uint8Array(b.subarray(16 + i * 784, 16 + (i + 1) * 784)));
const flat = new Uint8Array(100 * 784);
queries.forEach((q, i) => flat.set(q, i * 784));

function timeEach(n, fn) {
  const t = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    t.push(performance.now() - t0);
  }
  t.sort((a, c) => a - c);
  return { median: t[t.length >> 1], p90: t[Math.floor(t.length * 0.9)] };
}
const ms = (x) => `${x.toFixed(3)} ms`;

for (const simd of [true, false]) {
  for (const bits of [32, 64]) {
    const model = path.join(dir, `bench-${bits}.dqm`);
    const empty = await loadIndex({ model, simd });
    const name = `${empty.backend} ${bits}-bit`;
    for (let i = 0; i < 50; i++) empty.encode(queries[i % 100]);
    const enc = timeEach(1000, (i) => empty.encode(queries[i % 100]));
    console.log(`== ${name}: encode (${empty.info.inputDim}-${empty.info.layers.join('-')}, one query) median ${ms(enc.median)}, p90 ${ms(enc.p90)}`);
    empty.dispose();
    for (const n of ['70k', '1m']) {
      const index = await loadIndex({ model, database: path.join(dir, `bench-${bits}-${n}.dqdb`), simd });
      for (const mode of ['sdc', 'adc']) {
        for (let i = 0; i < 5; i++) index.search(queries[i], { k: 10, mode });
        const s = timeEach(n === '1m' ? 50 : 200, (i) => index.search(queries[i % 100], { k: 10, mode }));
        console.log(`   search ${mode} k=10 over ${index.size.toLocaleString('en')} codes (incl. encode): median ${ms(s.median)}, p90 ${ms(s.p90)}`);
      }
      const z = timeEach(20, () => index.searchBatch(flat, { k: 10, mode: 'sdc' }));
      console.log(`   searchBatch of 100 queries sdc over ${index.size.toLocaleString('en')} codes: ${ms(z.median / 100)} per query`);
      index.dispose();
    }
  }
}
JS
