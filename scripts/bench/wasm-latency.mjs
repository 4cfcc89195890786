// The wasm package's encode and search latency (figures, not a test), run by scripts/bench-wasm.sh over the
// models and databases `dq_golden DIR --bench` writes: for the SIMD128 and baseline modules, 32 and 64 bits,
// encode one query; search SDC / ADC with k = 10 over 70,000 and 1,000,000 codes; searchBatch of 100 queries.
// Prints the lines the report parses (scripts/bench/report/speed.mjs).
//
//   node scripts/bench/wasm-latency.mjs DIR PKG_DIR
import path from 'node:path';
import { readIdxImagesFile } from '../../wasm/js/idx-file.mjs';
import { quantile } from './stats.mjs';

const [dir, pkgDir] = process.argv.slice(2);
if (!dir || !pkgDir) {
  console.error('wasm-latency: usage: node scripts/bench/wasm-latency.mjs DIR PKG_DIR');
  process.exit(2);
}
const { loadIndex } = await import(path.join(path.resolve(pkgDir), 'node.mjs'));
const idx = readIdxImagesFile(path.join(dir, 'bench-queries.idx'));
const queries = Array.from({ length: 100 }, (_, i) => idx.image(i));
const flat = new Uint8Array(100 * 784);
queries.forEach((q, i) => flat.set(q, i * 784));

/// Median and 90th percentile of n timed calls of fn(i), in ms.
function timeEach(n, fn) {
  const t = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    t.push(performance.now() - t0);
  }
  t.sort((a, c) => a - c);
  return { median: quantile(t, 0.5), p90: quantile(t, 0.9) };
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
