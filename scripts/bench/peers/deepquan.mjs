// DeepQuan: the package's index over the trained model's gallery codes (SDC and ADC from the query image, SDC
// from a query code already computed, i.e. the scan alone), the search pool with 2 workers, and (when
// bench-peers has a collection of the gallery, --trainer) the same codes as a streamed collection, the way a
// page serves a gallery it does not download whole. Its queries are images: the timed search includes the
// encoder's forward pass, which the peers (given z) do not pay.
export const engine = 'deepquan';
export const pkg = null;
export const browser = 'yes (WASM)';

export async function open({ dq }) { return dq; }

/// In a page: the package as a page imports it.
export const openPage = async ({ pkg }) => import(`${pkg}/index.mjs`);

export const COLLECTION = 'SDC (image query), streamed collection: codes first, thumbnails on demand';

/// ctx.collection: whether the data has the gallery as a collection (data.deepquanCollection).
export const settings = (ctx) => [
  { name: 'SDC (image query)', mode: 'sdc', quantization: 'PQ', buildKey: 'index' },
  { name: 'ADC (image query)', mode: 'adc', quantization: 'PQ', buildKey: 'index' },
  { name: 'SDC (query code given: scan only)', mode: 'sdc', code: true, quantization: 'PQ', buildKey: 'index' },
  { name: 'search pool, 2 workers, SDC', mode: 'sdc', pool: 2, quantization: 'PQ' },
  ...(ctx?.collection ? [{ name: COLLECTION, mode: 'sdc', collection: true, quantization: 'PQ' }] : []),
];

export async function build(dq, s, data) {
  if (s.collection) return collectionSearcher(await data.deepquanCollection.open(), data, s);
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

/// Built = opened and every codes file in (`loaded`): the build time is the page's wait for its whole gallery.
/// Its memory is the index's without thumbnails, which stay on the server until a hit's is asked for.
function collectionSearcher(col, data, s) {
  const pos = new Map();
  for (let i = 0; i < data.ids.length; i++) pos.set(data.ids[i], i);
  const toPos = (r) => Int32Array.from(r.hits, (h) => pos.get(h.id) ?? -1);
  const qImg = (qi) => data.queryImages[qi];
  return {
    memory: { bytes: col.index.memoryUsage().usedBytes, source: 'memoryUsage().usedBytes (model + codes + ids + labels; thumbnails fetched per hit)' },
    pageIndex: data.deepquanCollection.pageIndex,
    search: (qi, k) => toPos(col.search(qImg(qi), { k, mode: s.mode })),
    fullRanking: (qi) => toPos(col.search(qImg(qi), { k: data.ids.length, mode: s.mode })),
    dispose: () => col.dispose(),
  };
}
