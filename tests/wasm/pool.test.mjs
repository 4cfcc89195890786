// The search pool (wasm/js/pool.mjs) under Node: worker_threads over shards, whose merged results
// must equal the single-thread index's exactly, ties included (same distance and id, or same
// distance and ids in order), for every worker count, both modes, K = 256 and K = 16, and k up to
// the database size; and the Errors for bad options, bad files, a disposed pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pkg, goldenData, file, readIdxImagesFile, tmpDir, rejects } from './_helpers.mjs';

const deepquan = await pkg();
const { loadIndex, loadSearchPool } = deepquan;
const G = goldenData().byName;

const queries = (c, n) => {
  const r = readIdxImagesFile(file(c.queries));
  return Array.from({ length: Math.min(n, r.n) }, (_, i) => r.image(i));
};

for (const name of ['small', 'k16-f16']) {
  test(`${name}: 1, 2 and 3 workers return the single-thread hits, both modes, k from 1 to the size`, async () => {
    const c = G[name];
    const index = await loadIndex({ model: file(`${name}.dqm`), database: file(`${name}.dqdb`) });
    const qs = queries(c, 6);
    for (const workers of [1, 2, 3]) {
      const pool = await loadSearchPool({ model: file(`${name}.dqm`), database: file(`${name}.dqdb`), workers });
      assert.equal(pool.size, index.size);
      assert.equal(pool.info.workers, workers);
      assert.equal(pool.info.shardSizes.reduce((a, b) => a + b, 0), index.size);
      assert.ok(Math.max(...pool.info.shardSizes) - Math.min(...pool.info.shardSizes) <= 1, 'near-equal shards');
      // K = 16 scans with the fast-scan and a candidate pool by default, whose shard pools are a
      // superset of the single-thread one: equal results are promised for the exact scan, or a
      // pool covering every shard.
      const x = c.K === 16 ? { exact: true } : {};
      for (const mode of ['sdc', 'adc']) {
        for (const k of [1, 10, index.size]) {
          for (const q of qs.slice(0, 3)) assert.deepEqual(await pool.search(q, { k, mode, ...x }), index.search(q, { k, mode, ...x }), `${workers} workers, ${mode}, k=${k}`);
        }
        assert.deepEqual(await pool.searchBatch(qs, { k: 7, mode, ...x }), index.searchBatch(qs, { k: 7, mode, ...x }));
        if (c.K === 16) {
          const all = { k: 10, mode, pool: index.size };
          assert.deepEqual(await pool.search(qs[0], all), index.search(qs[0], all));
          // The default pool: never a distance that is not the item's exact one.
          const exact = new Map(index.search(qs[1], { k: index.size, mode, exact: true }).map((h) => [h.id, h.distance]));
          for (const h of await pool.search(qs[1], { k: 10, mode })) assert.equal(h.distance, exact.get(h.id));
        }
      }
      // Searches in flight together come back to their own callers: more than one batch of 16, with
      // runs of other options (k, mode, a filter) and a bad one in between, which fails alone.
      const asks = [];
      for (let i = 0; i < 40; i++) {
        const o = { k: i % 13 === 5 ? 3 : 5, mode: i % 9 === 4 ? 'adc' : 'sdc', ...x };
        if (i === 21) o.filter = { ids: [...index.ids().slice(0, 4)] };
        asks.push({ q: qs[i % qs.length], o });
      }
      const many = await Promise.all(asks.map(({ q, o }) => pool.search(q, o)));
      assert.deepEqual(many, asks.map(({ q, o }) => index.search(q, o)));
      assert.equal(many[21].length, 4, 'the filtered search, batched alone, returns its 4 items');
      const mixed = await Promise.allSettled([pool.search(qs[0], { k: 5, ...x }), pool.search(new Float32Array(3)), pool.search(qs[1], { k: 5, ...x })]);
      assert.deepEqual(mixed.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.deepEqual(mixed[2].value, index.search(qs[1], { k: 5, ...x }));
      pool.dispose();
    }
    index.dispose();
  });
}

test('ties: duplicate codes and duplicate ids across shards merge in the single-thread order', async () => {
  const c = G.small;
  const qs = queries(c, 4);
  // A database of many copies of a few images: every distance is shared by many items, across the
  // shard boundaries, and some ids repeat.
  const index = await loadIndex({ model: file('small.dqm') });
  const ids = [], imgs = [];
  for (let i = 0; i < 60; i++) {
    imgs.push(qs[i % 3]);
    ids.push(i % 7 === 0 ? 5 : 1000 - i);
  }
  // A hit's label is its id's (the first item carrying it): items that share an id share a label
  // here, since with different ones the label of such a hit is not defined (wasm/README.md).
  index.addBatch(imgs, ids, ids.map((id) => id % 4));
  const dbFile = path.join(tmpDir(), 'ties.dqdb');
  fs.writeFileSync(dbFile, index.save());
  for (const workers of [2, 3, 4]) {
    const pool = await loadSearchPool({ model: file('small.dqm'), database: dbFile, workers });
    for (const mode of ['sdc', 'adc']) {
      for (const k of [1, 9, 25, 60]) {
        const want = index.search(qs[3], { k, mode });
        assert.deepEqual(await pool.search(qs[3], { k, mode }), want, `${workers} workers, ${mode}, k=${k}`);
      }
    }
    pool.dispose();
  }
  index.dispose();
});

test('more workers than items: empty shards answer nothing, the result is still exact', async () => {
  const index = await loadIndex({ model: file('small.dqm') });
  const qs = queries(G.small, 3);
  index.addBatch(qs, [3, 1, 2]);
  const bytes = index.save();
  const pool = await loadSearchPool({ model: file('small.dqm'), database: bytes, workers: 5 });
  assert.deepEqual(pool.info.shardSizes.sort(), [0, 0, 1, 1, 1]);
  assert.deepEqual(await pool.search(qs[0], { k: 3, mode: 'adc' }), index.search(qs[0], { k: 3, mode: 'adc' }));
  pool.dispose();
  index.dispose();
});

test('bad options, bad files and a disposed pool: Errors that say so', async () => {
  const m = file('small.dqm'), d = file('small.dqdb');
  await rejects(loadSearchPool({ model: m }), 'loadSearchPool: options.database is required');
  await rejects(loadSearchPool({ database: d }), 'loadSearchPool: options.model is required');
  await rejects(loadSearchPool({ model: m, database: d, workers: 0 }), 'loadSearchPool: workers must be an integer in [1, 64], got number 0');
  await rejects(loadSearchPool({ model: m, database: d, workers: 2.5 }), 'loadSearchPool: workers must be an integer in [1, 64]');
  await rejects(loadSearchPool({ model: m, database: d, threads: 2 }), "loadSearchPool: unknown option 'threads'");
  await rejects(loadSearchPool({ model: m, database: d, workerUrl: 3 }), 'loadSearchPool: workerUrl must be a URL or a non-empty string');
  const truncated = fs.readFileSync(d).subarray(0, 200);
  await rejects(loadSearchPool({ model: m, database: truncated }), 'database file:');
  // A database of another model: the worker's index refuses it, and the pool says which worker.
  await rejects(loadSearchPool({ model: file('k16-f16.dqm'), database: d, workers: 2 }), 'loadSearchPool: worker 0: database file: model/database mismatch');
  const pool = await loadSearchPool({ model: m, database: d, workers: 2 });
  const q = queries(G.small, 1)[0];
  await rejects(pool.search(q, { k: 0 }), 'search: k must be a positive integer, got number 0');
  await rejects(pool.search(q, { k: pool.size + 1 }), `search: k = ${pool.size + 1} is larger than the index`);
  await rejects(pool.search(q, { mode: 'l2' }), "search: unknown mode string \"l2\"");
  await rejects(pool.search(q, { K: 3 }), "search: unknown option 'K' (expected k, mode, pool, exact, filter)");
  await rejects(pool.search(q, { pool: 50 }), 'search: pool applies to the K = 16 fast-scan only; this index (K = 256) is scanned exactly');
  await rejects(pool.search(q, { exact: 1 }), 'search: exact must be true or false, got number 1');
  await rejects(pool.search(new Uint8Array(5)), 'search: pixels');
  await rejects(pool.searchBatch(new Uint8Array(785)), 'searchBatch: a flat Uint8Array must hold n × 784 bytes');
  const inFlight = pool.search(q, { k: 3 });
  pool.dispose();
  pool.dispose();
  assert.equal(pool.disposed, true);
  await rejects(inFlight, 'the search pool has been disposed');
  await rejects(pool.search(q), 'search: the search pool has been disposed');
});
