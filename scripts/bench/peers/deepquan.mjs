// DeepQuan: the package's index over the trained model's gallery codes (SDC and ADC from the query image, SDC
// from a query code already computed, i.e. the scan alone) and the search pool with 2 workers. Its queries are
// images: the timed search includes the encoder's forward pass, which the peers (given z) do not pay.
export const engine = 'deepquan';
export const pkg = null;
export const browser = 'yes (WASM)';

export async function open({ dq }) { return dq; }

/// In a page: the package as a page imports it.
export const openPage = async ({ pkg }) => import(`${pkg}/index.mjs`);

export const settings = () => [
  { name: 'SDC (image query)', mode: 'sdc', quantization: 'PQ', buildKey: 'index' },
  { name: 'ADC (image query)', mode: 'adc', quantization: 'PQ', buildKey: 'index' },
  { name: 'SDC (query code given: scan only)', mode: 'sdc', code: true, quantization: 'PQ', buildKey: 'index' },
  { name: 'search pool, 2 workers, SDC', mode: 'sdc', pool: 2, quantization: 'PQ' },
];

export async function build(dq, s, data) {
  const { index, ids } = await data.deepquanIndex(s.pool ? { pool: s.pool } : {});
  const pos = new Map();
  for (let i = 0; i < ids.length; i++) pos.set(ids[i], i);
  return searcher({ index, ids, pos, data }, s);
}

/// SDC, ADC and code-given searches run on one index; the pool is an index of its own.
export const retune = (built, s) => (s.pool || built.pool ? null : searcher(built.state, s));

function searcher(state, s) {
  const { index, ids, pos, data } = state;
  const toPos = (hits) => Int32Array.from(hits, (h) => pos.get(h.id) ?? -1);
  const qImg = (qi) => data.queryImages[qi];
  const codes = s.code ? data.queryImages.map((im) => index.encode(im)) : null;
  const base = {
    state, pool: !!s.pool,
    memory: s.pool ? null : { bytes: index.memoryUsage().usedBytes, source: 'memoryUsage().usedBytes (model + codes + ids + labels + thumbnails)' },
    pageIndex: data.deepquanPageIndex,
    dispose: () => index.dispose(),
  };
  if (s.pool) return { ...base, async: true, search: async (qi, k) => toPos(await index.search(qImg(qi), { k, mode: s.mode })) };
  if (s.code) return { ...base, search: (qi, k) => toPos(index.searchCode(codes[qi], { k })),
                       fullRanking: (qi) => toPos(index.searchCode(codes[qi], { k: ids.length })) };
  return { ...base, search: (qi, k) => toPos(index.search(qImg(qi), { k, mode: s.mode })),
           fullRanking: (qi) => toPos(index.search(qImg(qi), { k: ids.length, mode: s.mode })) };
}
