// usearch 2.x (native Node addon, prebuilt binaries in the npm package): HNSW with f32, i8 and b1 storage,
// and its exact search. No browser build in this package.
import { createRequire } from 'node:module';

export const engine = 'usearch';
export const pkg = 'usearch';
export const browser = 'no (native Node addon)';
export const pageFiles = null;

export async function open({ root }) {
  const require = createRequire(`${root}/package.json`);
  return require('usearch');
}

export function settings({ quick }) {
  const efs = quick ? [64] : [32, 64, 128];
  return [
    ...efs.map((ef) => ({ name: `HNSW f32 M 16 ef ${ef}`, quantization: 'f32', ef, buildKey: 'f32' })),
    { name: 'exactSearch f32 (brute force)', quantization: 'f32', exact: true },
    { name: 'HNSW i8 M 16 ef 64 (normalizes: ranks by angle)', quantization: 'i8', ef: 64 },
    { name: 'HNSW b1 (sign bits, Hamming) M 16 ef 64', quantization: 'b1', ef: 64 },
  ];
}

export async function build(u, s, data) {
  const { d, n, gallery, queries } = data;
  if (s.exact) {
    // exactSearch reads a query view from the start of its buffer (a subarray gives query 0's answers on
    // 2.25.3), so every query gets an array of its own, made before the timing.
    const qs = Array.from({ length: queries.length / d }, (_, i) => queries.slice(i * d, (i + 1) * d));
    return {
      search: (qi, k) => Int32Array.from(u.exactSearch(gallery, qs[qi], d, k, 'l2sq', 1).keys, Number),
      fullRanking: (qi) => Int32Array.from(u.exactSearch(gallery, qs[qi], d, n, 'l2sq', 1).keys, Number),
      memory: { bytes: gallery.byteLength, source: 'the f32 vectors (n × d × 4)' }, pageIndex: null, dispose() {},
    };
  }
  const b1 = s.quantization === 'b1';
  const index = new u.Index({ dimensions: d, metric: b1 ? 'hamming' : 'l2sq', quantization: s.quantization, connectivity: 16,
                              expansion_add: 128, expansion_search: s.ef, multi: false });
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) keys[i] = BigInt(i);
  // b1: usearch keeps the sign of each f32 component, so it gets z minus the gallery mean (the same bits as
  // the other b1 settings). i8: usearch maps [-1, 1] to [-127, 127], so z is scaled by 1 / max|z| (one factor
  // for all, which leaves the L2 ranking unchanged). Measured on 2.25.3: its i8 storage normalizes every
  // vector even under metric l2sq, so it ranks by angle (on 2,000 random 16-d vectors of varied norms, recall@10
  // 0.64 against the L2 top 10 and 0.96 against the cosine top 10; f32: 1.00 and 0.64).
  let g = gallery, qs = queries;
  if (b1) { g = data.centered(gallery); qs = data.centered(queries); }
  if (s.quantization === 'i8') {
    let m = 0;
    for (const x of gallery) m = Math.max(m, Math.abs(x));
    g = gallery.map((x) => x / m); qs = queries.map((x) => x / m);
  }
  index.add(keys, g, 1);
  return {
    search: (qi, k) => Int32Array.from(index.search(qs.subarray(qi * d, (qi + 1) * d), k, 1).keys, Number),
    memory: null,
    pageIndex: null,
    dispose() {},
  };
}
