// hnswlib-wasm (Emscripten build of hnswlib): HNSW over f32, M 16, efConstruction 200, several ef.
// It ships a web-only build that refuses to start without a `window` (and warns that IndexedDB is missing).

export const engine = 'hnswlib-wasm';
export const pkg = 'hnswlib-wasm';
export const browser = 'yes (WASM)';
export const pageFiles = ['dist/hnswlib.js', 'dist/hnswlib-317962d7.js']; // the entry and the chunk it imports (wasm inlined)

export async function open({ root }) {
  globalThis.window ??= globalThis;
  const { createRequire } = await import('node:module');
  const { loadHnswlib } = await import(createRequire(`${root}/package.json`).resolve('hnswlib-wasm/dist/hnswlib.js'));
  return await loadHnswlib();
}

/// In a page: its web build as it is (the wasm is inlined in the chunk).
export async function openPage({ modules }) {
  const { loadHnswlib } = await import(`${modules}/hnswlib-wasm/dist/hnswlib.js`);
  return await loadHnswlib();
}

export const settings = ({ quick }) => (quick ? [64] : [32, 64, 128]).map((ef) => ({ name: `HNSW f32 M 16 efC 200 ef ${ef}`, ef, quantization: 'f32', buildKey: 'hnsw' }));

/// ef is a search-time parameter here: the same graph serves every setting.
export function retune(built, s) { built.setEf(s.ef); return built; }

export async function build(lib, s, data) {
  const { d, n, gallery, queries } = data;
  const h = new lib.HierarchicalNSW('l2', d, '');
  h.initIndex(n, 16, 200, 100);
  const v = new Float32Array(d);
  for (let i = 0; i < n; i++) { v.set(gallery.subarray(i * d, (i + 1) * d)); h.addPoint(v, i, false); }
  h.setEfSearch(s.ef);
  const q = new Float32Array(d);
  return {
    search: (qi, k) => { q.set(queries.subarray(qi * d, qi * d + d)); return Int32Array.from(h.searchKnn(q, k, undefined).neighbors); },
    setEf: (ef) => h.setEfSearch(ef),
    memory: null,
    pageIndex: { bytes: data.vectorsGzipBytes, what: 'f32 vectors, gzip (built in the page; no byte serialization in JS)' },
    dispose() {},
  };
}
