// The message loop of a search worker (search-worker.mjs in browsers, node-search-worker.mjs under
// Node): it owns one index over one shard of the database and answers the pool's searches
// (pool.mjs). Kept free of any host API so both workers share it.
//
// Messages: { type: 'open', model, database, simd, wasm } -> { type: 'ready', info } | { type: 'error' }
//           { type: 'search', id, z, n, k, mode, pool, exact, filter } -> { type: 'hits', id, ids, distances, positions, labels, counts, k }
//             (z: n latent vectors, encoded once by the pool; k = the shard's own k, min(k, shard
//             size); rows of k, flat typed arrays, of which row q holds counts[q] hits: fewer than k
//             when the filter, this shard's part of it, passes fewer; positions within the shard)
//           { type: 'close' } -> the worker disposes its index and exits.

export function serveSearch(loadIndex, onMessage, post, exit) {
  let index = null;
  onMessage(async (msg) => {
    try {
      if (msg.type === 'open') {
        index = await loadIndex({ model: msg.model, database: msg.database, simd: msg.simd, wasm: msg.wasm });
        post({ type: 'ready', info: index.info });
      } else if (msg.type === 'search') {
        const k = Math.min(msg.k, index.size);
        const n = msg.n;
        const ids = new Uint32Array(n * k), distances = new Float32Array(n * k), labels = new Int32Array(n * k);
        const positions = new Uint32Array(n * k);
        const counts = new Uint32Array(n);
        if (k > 0) {
          // A shard smaller than the pool: the core would clip it; so does this.
          const pool = msg.pool > 0 ? Math.min(msg.pool, index.size) : 0;
          const rows = index.searchLatentBatch(msg.z, { k, mode: msg.mode, ...(pool > 0 ? { pool } : {}), exact: msg.exact, filter: msg.filter });
          for (let q = 0; q < n; q++) {
            counts[q] = rows[q].length;
            for (let j = 0; j < rows[q].length; j++) {
              const h = rows[q][j], t = q * k + j;
              ids[t] = h.id;
              distances[t] = h.distance;
              positions[t] = h.position;
              labels[t] = h.label ?? -1;
            }
          }
        }
        post({ type: 'hits', id: msg.id, k, ids, distances, positions, labels, counts },
          [ids.buffer, distances.buffer, positions.buffer, labels.buffer, counts.buffer]);
      } else if (msg.type === 'close') {
        if (index) index.dispose();
        index = null;
        exit();
      }
    } catch (e) {
      post({ type: 'error', id: msg.id, message: e && e.message ? e.message : String(e) });
    }
  });
}
