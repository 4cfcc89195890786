// End-to-end query latency in Node (figures, not a test): one query image in, ten results out.
//   deepquan (wasm package loadIndex): encode + PQ scan + top-10, SDC and ADC, SIMD128 and baseline
//   brute force: exact float L2 over the gallery's raw pixels (784-D, scaled to [0, 1]) in plain JS
//   hnswlib-wasm: HNSW graph over the same float vectors (M 16, efConstruction 200, ef 64 and 128)
// All on the same gallery (the run's gallery.dqdb, whose stored thumbnails are the original images)
// and the same queries (the run's held-out queries), with P@10 and MAP@10 of each by label, and the
// recall@10 of hnswlib against the exact L2 top-10.
//
//   node scripts/bench-e2e.mjs --run DIR [--pkg wasm/dist] [--out e2e.json] [--queries N]
// DIR is a `deepquan train --out DIR` directory (model.dqm, gallery.dqdb, queries-idx3/idx1-ubyte.gz).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readIdxFile, readIdxImagesFile } from '../wasm/js/idx-file.mjs';
import { passStats } from './bench/stats.mjs';

// Every timing is PASSES passes over all queries (issue 22: the median and spread of at least 3 runs); a
// method's figures are the medians over the passes, with the range of the pass medians.
const PASSES = 3;
const timedPasses = (nq, one) => Array.from({ length: PASSES }, () => Array.from({ length: nq }, (_, i) => {
  const a = performance.now();
  one(i);
  return performance.now() - a;
}));
const stats = passStats;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = { pkg: path.join(root, 'wasm/dist'), out: null, run: null, queries: Infinity };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--run') opt.run = args[++i];
  else if (a === '--pkg') opt.pkg = args[++i];
  else if (a === '--out') opt.out = args[++i];
  else if (a === '--queries') opt.queries = Number(args[++i]);
  else {
    console.error(`bench-e2e: unknown argument '${a}' (expected --run DIR, --pkg DIR, --out FILE, --queries N)`);
    process.exit(2);
  }
}
if (!opt.run) {
  console.error('bench-e2e: --run DIR is required (a `deepquan train --out DIR` directory)');
  process.exit(2);
}
const log = (s) => console.error(`[bench-e2e] ${s}`);

// P@10 and AP@10 (precision summed at each relevant rank / relevant retrieved, the MAP@k convention
// of the hashing papers), by label.
function quality(resultLabels, queryLabels) {
  let p = 0, ap = 0;
  resultLabels.forEach((labels, q) => {
    let hits = 0, sum = 0;
    labels.forEach((l, r) => {
      if (l === queryLabels[q]) { hits++; sum += hits / (r + 1); }
    });
    p += hits / labels.length;
    ap += hits > 0 ? sum / hits : 0;
  });
  return { p_at_10: p / resultLabels.length, map_at_10: ap / resultLabels.length };
}

const { loadIndex } = await import(path.join(path.resolve(opt.pkg), 'node.mjs'));
const dir = path.resolve(opt.run);
const qi = readIdxImagesFile(path.join(dir, 'queries-idx3-ubyte.gz'));
const ql = readIdxFile(path.join(dir, 'queries-idx1-ubyte.gz')).data;
const D = qi.shape[0] * qi.shape[1] * qi.shape[2];
const nq = Math.min(qi.n, opt.queries);
const queries = Array.from({ length: nq }, (_, i) => qi.data.subarray(i * D, (i + 1) * D));
const queryLabels = Array.from(ql.subarray(0, nq));

const result = { run: dir, queries: nq, k: 10, methods: [] };
let galleryF32 = null, galleryLabels = null, N = 0;

for (const simd of [true, false]) {
  const t0 = performance.now();
  const index = await loadIndex({ model: path.join(dir, 'model.dqm'), database: path.join(dir, 'gallery.dqdb'), simd });
  const loadMs = performance.now() - t0;
  const info = index.info;
  if (!galleryF32) {
    if (!info.hasThumbnails || info.thumbShape[0] * info.thumbShape[1] * info.thumbShape[2] !== D)
      throw new Error(`gallery.dqdb: expected full-size thumbnails (${D} bytes per item) to rebuild the raw vectors, got ${JSON.stringify(info.thumbShape)}`);
    N = index.size;
    galleryF32 = new Float32Array(N * D);
    for (let i = 0; i < N; i++) {
      const t = index.thumbnail(i);
      for (let j = 0; j < D; j++) galleryF32[i * D + j] = t[j] / 255;
    }
    galleryLabels = index.labels();
    result.gallery = N;
    result.dim = D;
    result.model = { bits: info.bits, M: info.M, K: info.K, layers: info.layers, weightType: info.weightType };
  }
  log(`${index.backend}: ${N} items, ${info.bits} bits, scan kernel ${info.scanKernel}`);
  for (let i = 0; i < 20; i++) index.encode(queries[i % nq]);
  const enc = timedPasses(nq, (i) => index.encode(queries[i]));
  result.methods.push({ name: `deepquan encode only (${index.backend})`, backend: index.backend, what: 'encode', latency: stats(enc) });
  for (const mode of ['sdc', 'adc']) {
    for (let i = 0; i < 20; i++) index.search(queries[i % nq], { k: 10, mode });
    const labels = queries.slice(0, nq).map((q) => index.search(q, { k: 10, mode }).map((h) => h.label));
    const times = timedPasses(nq, (i) => index.search(queries[i], { k: 10, mode }));
    result.methods.push({ name: `deepquan ${mode.toUpperCase()} (${index.backend})`, backend: index.backend, what: 'search', mode,
                          load_ms: loadMs, latency: stats(times), ...quality(labels, queryLabels) });
    log(`  ${mode}: median ${stats(times).median_ms.toFixed(3)} ms`);
  }
  index.dispose();
}

// Exact float L2 in plain JS: what a page would do without an index.
function exactTop10(q) {
  const x = new Float32Array(D);
  for (let j = 0; j < D; j++) x[j] = q[j] / 255;
  const best = new Float64Array(10).fill(Infinity), ids = new Int32Array(10).fill(-1);
  for (let i = 0; i < N; i++) {
    let s = 0;
    const o = i * D;
    for (let j = 0; j < D; j++) {
      const d = galleryF32[o + j] - x[j];
      s += d * d;
    }
    if (s < best[9]) {
      let p = 9;
      while (p > 0 && best[p - 1] > s) { best[p] = best[p - 1]; ids[p] = ids[p - 1]; p--; }
      best[p] = s; ids[p] = i;
    }
  }
  return Array.from(ids);
}
{
  for (let i = 0; i < 3; i++) exactTop10(queries[i]);
  const exact = queries.slice(0, nq).map((q) => exactTop10(q));
  const labels = exact.map((ids) => ids.map((p) => galleryLabels[p]));
  const times = timedPasses(nq, (i) => exactTop10(queries[i]));
  result.methods.push({ name: 'brute-force float L2 (JS)', what: 'search', latency: stats(times), ...quality(labels, queryLabels) });
  result.exact = exact;
  log(`brute force: median ${stats(times).median_ms.toFixed(3)} ms`);
}

// hnswlib-wasm ships a web-only Emscripten build (wasm inlined as base64): it refuses to start unless
// it sees a `window`, and then complains (harmlessly) that IndexedDB is missing for its file system.
try {
  globalThis.window ??= globalThis;
  const { loadHnswlib } = await import('hnswlib-wasm/dist/hnswlib.js');
  const lib = await loadHnswlib();
  const hnsw = new lib.HierarchicalNSW('l2', D, '');
  const Mh = 16, efC = 200;
  let t = performance.now();
  hnsw.initIndex(N, Mh, efC, 100);
  const v = new Float32Array(D);
  for (let i = 0; i < N; i++) {
    v.set(galleryF32.subarray(i * D, (i + 1) * D));
    hnsw.addPoint(v, i, false);
  }
  const buildS = (performance.now() - t) / 1000;
  log(`hnswlib: built over ${N} items in ${buildS.toFixed(1)} s`);
  for (const ef of [64, 128]) {
    hnsw.setEfSearch(ef);
    const x = new Float32Array(D);
    const knn = (i) => {
      for (let j = 0; j < D; j++) x[j] = queries[i][j] / 255;
      return hnsw.searchKnn(x, 10, undefined).neighbors;
    };
    const labels = [];
    let recall = 0;
    for (let i = 0; i < nq; i++) {
      const r = knn(i);
      labels.push(r.map((p) => galleryLabels[p]));
      const ex = new Set(result.exact[i]);
      recall += r.filter((p) => ex.has(p)).length / 10;
    }
    const times = timedPasses(nq, knn);
    result.methods.push({ name: `hnswlib-wasm (M ${Mh}, efConstruction ${efC}, ef ${ef})`, what: 'search', build_seconds: buildS,
                          latency: stats(times), recall_at_10_vs_exact: recall / nq, ...quality(labels, queryLabels) });
    log(`hnswlib ef ${ef}: median ${stats(times).median_ms.toFixed(3)} ms`);
  }
  result.hnswlib_version = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/hnswlib-wasm/package.json'), 'utf8')).version;
} catch (e) {
  result.hnswlib_error = String(e && e.message || e);
  log(`hnswlib-wasm failed: ${result.hnswlib_error}`);
}
delete result.exact;
result.node = process.version;
const json = JSON.stringify(result, null, 1);
if (opt.out) fs.writeFileSync(opt.out, json + '\n');
else console.log(json);
