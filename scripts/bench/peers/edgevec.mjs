// edgevec (WASM, Rust): HNSW over f32, its binary quantization (searchBQ, searchBQRescored), and its flat
// index, which in the JS API takes binary vectors only (insertBinary + Hamming), so it gets the sign bits of z.

export const engine = 'edgevec';
export const pkg = 'edgevec';
export const browser = 'yes (WASM)';
export const pageFiles = ['edgevec.js', 'edgevec_bg.wasm'];

// Node modules are imported inside open: page.mjs imports this file in Chromium, where it calls openPage.
export async function open({ root }) {
  const fs = await import('node:fs');
  const { createRequire } = await import('node:module');
  const entry = createRequire(`${root}/package.json`).resolve('edgevec/edgevec.js');
  const ev = await import(entry);
  ev.initSync({ module: fs.readFileSync(entry.replace(/edgevec\.js$/, 'edgevec_bg.wasm')) });
  return ev;
}

/// In a page: the package's web build and its own init, which fetches the .wasm beside it.
export async function openPage({ modules }) {
  const ev = await import(`${modules}/edgevec/edgevec.js`);
  await ev.default({ module_or_path: `${modules}/edgevec/edgevec_bg.wasm` });
  return ev;
}

export function settings({ quick }) {
  const efs = quick ? [64] : [32, 64, 128];
  return [
    ...efs.map((ef) => ({ name: `HNSW f32 ef ${ef}`, kind: 'hnsw', ef, quantization: 'f32', buildKey: 'hnsw' })),
    { name: 'HNSW + BQ (searchBQ)', kind: 'bq', quantization: 'b1', buildKey: 'bq' },
    { name: 'HNSW + BQ rescored ×10', kind: 'bqr', rescore: 10, quantization: 'b1 + f32 rescore', buildKey: 'bq' },
    { name: 'flat binary (Hamming)', kind: 'flatbin', quantization: 'b1' },
  ];
}

export async function build(ev, s, data) {
  const { d, n, gallery, queries } = data;
  const c = new ev.EdgeVecConfig(d);
  let db, pos;
  if (s.kind === 'flatbin') {
    c.indexType = ev.JsIndexType.Flat;
    c.vector_type = ev.VectorType.Binary;
    c.setMetricType(ev.MetricType.Hamming);
    db = new ev.EdgeVec(c);
    pos = new Map();
    const g = data.signBits(gallery, n);
    const bytes = g.length / n;
    for (let i = 0; i < n; i++) pos.set(db.insertBinary(g.subarray(i * bytes, (i + 1) * bytes)), i);
    const qb = data.signBits(queries, queries.length / d);
    return wrap(db, pos, (qi, k) => db.searchBinary(qb.subarray(qi * bytes, (qi + 1) * bytes), k));
  }
  c.metric = 'l2';
  if (s.ef) c.ef_search = s.ef;
  db = new ev.EdgeVec(c);
  if (s.kind !== 'hnsw') {
    if (d % 8) throw new Error(`binary quantization needs d % 8 == 0 (d = ${d})`);
    if (!db.hasBQ()) db.enableBQ();
  }
  const ids = db.insertBatchFlat(gallery, n);
  pos = new Map();
  for (let i = 0; i < n; i++) pos.set(ids[i], i);
  return searcher(db, pos, queries, d, s);
}

function searcher(db, pos, queries, d, s) {
  const q = (qi) => queries.subarray(qi * d, qi * d + d);
  const b = s.kind === 'hnsw' ? wrap(db, pos, (qi, k) => db.search(q(qi), k))
    : s.kind === 'bq' ? wrap(db, pos, (qi, k) => db.searchBQ(q(qi), k))
    : wrap(db, pos, (qi, k) => db.searchBQRescored(q(qi), k, s.rescore));
  return Object.assign(b, { db, pos, queries, d });
}

/// searchBQ and searchBQRescored search the same index; ef_search is fixed at construction (null: rebuild).
export const retune = (built, s) => (s.kind === 'hnsw' ? null : searcher(built.db, built.pos, built.queries, built.d, s));

function wrap(db, pos, raw) {
  return {
    search: (qi, k) => Int32Array.from(raw(qi, k), (r) => pos.get(r.id) ?? -1),
    memory: { bytes: db.memoryUsage(), source: 'EdgeVec.memoryUsage()' },
    pageIndex: { bytes: db.serializedSize(), what: 'EdgeVec.serializedSize() (not compressed)' },
    dispose() { db.free(); },
  };
}
