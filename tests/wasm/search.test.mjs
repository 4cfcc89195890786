// Searching an index: results, modes, options; encode / embed / searchLatent; info; dispose; native errors
// as Errors with the core's message; hits by position when an id occurs twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenSetup, file, f32, throws } from './_helpers.mjs';

const { loadIndex, G, small, open, queryImage } = await goldenSetup();

test('search: results, modes, options and argument errors', async () => {
  const index = await open();
  const x = queryImage(small, 0);
  const hits = index.search(x);
  assert.equal(hits.length, 10, 'k defaults to 10');
  assert.deepEqual(Object.keys(hits[0]), ['id', 'distance', 'label', 'position']);
  const ids = index.ids(), labels = index.labels();
  for (let i = 0; i < hits.length; i++) {
    const h = hits[i];
    assert.equal(ids[h.position], h.id, 'a hit\'s position holds its id');
    assert.equal(labels[h.position], h.label ?? -1, 'and its label');
    if (i === 0) continue;
    const a = hits[i - 1];
    assert.ok(a.distance < h.distance || (a.distance === h.distance && (a.id < h.id || (a.id === h.id && a.position < h.position))),
      'sorted by (distance, id, position)');
  }
  assert.equal(index.search(x, { k: small.size }).length, small.size, 'k = size is allowed');
  const D = 784;
  throws(() => index.search(new Float32Array(10)), 'search: pixels: expected a Float32Array of 784 values in [0, 1], a Uint8Array or Uint8ClampedArray of 784 bytes, or an ImageData-like {data, width, height}; got Float32Array(10) (wrong length)');
  throws(() => index.search(new Uint8Array(D + 1)), 'got Uint8Array(785) (wrong length)');
  const nan = new Float32Array(D);
  nan[5] = NaN;
  throws(() => index.search(nan), 'search: pixels: value at index 5 is NaN (expected a finite value in [0, 1])');
  const big = new Float32Array(D);
  big[2] = 1.5;
  throws(() => index.search(big), 'search: pixels: value at index 2 is 1.5, outside [0, 1]');
  const inf = new Float32Array(D);
  inf[3] = -Infinity;
  throws(() => index.search(inf), 'value at index 3 is -Infinity');
  throws(() => index.search(new Array(D).fill(0)), 'got Array(784)');
  throws(() => index.search(null), 'got null');
  throws(() => index.search(new Float64Array(D)), 'got Float64Array(784)');
  throws(() => index.search(x, { k: 0 }), 'search: k must be a positive integer, got number 0');
  throws(() => index.search(x, { k: 2.5 }), 'search: k must be a positive integer, got number 2.5');
  throws(() => index.search(x, { k: '3' }), 'search: k must be a positive integer, got string "3"');
  throws(() => index.search(x, { k: small.size + 1 }), `search: k = ${small.size + 1} is larger than the index (${small.size} items)`);
  throws(() => index.search(x, { mode: 'l2' }), "search: unknown mode string \"l2\" (expected 'sdc' or 'adc')");
  throws(() => index.search(x, { K: 3 }), "search: unknown option 'K' (expected k, mode, pool, exact, filter)");
  throws(() => index.search(x, null), 'search: options must be an object { k, mode, pool, exact, filter }, got null');

  // searchBatch
  assert.deepEqual(index.searchBatch([], { k: 2 }), []);
  assert.deepEqual(index.searchBatch(new Float32Array(0), { k: 2 }), []);
  throws(() => index.searchBatch(new Float32Array(D + 3)), 'searchBatch: a flat Float32Array must hold n × 784 values, got 787 (not a multiple of 784)');
  throws(() => index.searchBatch([x, new Uint8Array(3)]), 'searchBatch: image 1: expected a Float32Array');
  const nanFlat = new Float32Array(2 * D);
  nanFlat[D + 7] = NaN;
  throws(() => index.searchBatch(nanFlat), 'searchBatch: value at index 791 is NaN');
  throws(() => index.searchBatch('x'), 'searchBatch: expected an array of images or a flat Float32Array of n × 784 values, got string "x"');
  assert.deepEqual(index.searchBatch(Uint8Array.from([...x, ...queryImage(small, 1)]), { k: 4 }),
    [index.search(x, { k: 4 }), index.search(queryImage(small, 1), { k: 4 })]);

  // searchCode
  throws(() => index.searchCode(new Uint8Array(3)), 'searchCode: expected a Uint8Array of M = 4 bytes, got Uint8Array(3)');
  throws(() => index.searchCode(index.code(0), { mode: 'adc' }), "searchCode: a code has no float latent vector, so only mode 'sdc' applies");
  index.dispose();
});

test('native errors surface as Errors with the core message', async () => {
  const index = await open('k16-f16');
  // Code bytes >= K pass the JS checks (right type and length) and are refused by the core.
  throws(() => index.searchCode(Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 16]), { k: 1 }), 'sdc_lut_from_code: subspace 7 has code 16, must be < K = 16');
  // The index still works afterwards.
  assert.equal(index.searchCode(index.code(0), { k: 1 })[0].distance, 0);
  index.dispose();
});

test('encode / embed shapes; labels, ids, thumbnails, positions', async () => {
  const index = await open();
  const x = queryImage(small, 2);
  const code = index.encode(x), z = index.embed(x);
  assert.ok(code instanceof Uint8Array && code.length === small.M);
  assert.ok(z instanceof Float32Array && z.length === small.L);
  const labels = index.labels(), ids = index.ids();
  assert.ok(labels instanceof Int32Array && labels.length === small.size);
  assert.equal(labels[1], -1);
  assert.ok(ids instanceof Uint32Array && ids.length === small.size);
  assert.deepEqual(Array.from(ids.slice(0, 3)), [0, 1, 2]);
  // Full-size thumbnails are the gallery images: item 0 found first, at SDC distance 0.
  const t = index.thumbnail(0);
  assert.ok(t instanceof Uint8Array && t.length === 784);
  assert.deepEqual(index.thumbnail({ id: 0 }), t);
  const self = index.search(t, { k: 1 });
  assert.deepEqual(self, [{ id: 0, distance: 0, label: index.labels()[0], position: 0 }]);
  assert.deepEqual(index.code(0), index.encode(t));
  assert.equal(index.positionOf(499), 499);
  assert.equal(index.positionOf(500), -1);
  assert.equal(index.positionOf(-3), -1);
  throws(() => index.thumbnail(500), 'thumbnail: position must be an integer in [0, 499], got number 500');
  throws(() => index.thumbnail({ id: 99999 }), 'thumbnail: no item with id number 99999');
  throws(() => index.thumbnail('0'), 'thumbnail: expected a position (integer) or { id }, got string "0"');
  throws(() => index.code(-1), 'code: position must be an integer in [0, 499], got number -1');
  index.dispose();

  const k16 = await open('k16-f16');
  assert.equal(k16.labels(), null);
  assert.deepEqual(Array.from(k16.ids().slice(0, 3)), [1000, 1003, 1006]);
  assert.equal(k16.positionOf(1006), 2);
  assert.equal(k16.positionOf(1007), -1);
  throws(() => k16.thumbnail(0), 'thumbnail: the database has no thumbnails');
  assert.deepEqual(k16.search(queryImage(G['k16-f16'], 0), { k: 2 }).map((h) => h.label), [null, null]);
  assert.deepEqual(k16.code({ id: 1003 }), k16.code(1));
  k16.dispose();
});

test('info', async () => {
  const index = await open('int8-rgb');
  const c = G['int8-rgb'];
  const info = index.info;
  assert.deepEqual(info, {
    inputDim: 144, height: 8, width: 6, channels: 3, scale: f32(c.scale), standardized: false, inputKind: 'pixels', latentDim: 16, M: 2, K: 256, bits: 16,
    layers: [40, 16], size: c.size, weightType: 'int8', hasLabels: true, hasThumbnails: true, thumbShape: [4, 4, 3],
    scanKernel: 'dq_scan_lut8_u8__wasmsimd', exactScanKernel: 'dq_scan_lut8_u8__wasmsimd', batchScanKernel: 'dq_scan_lut8_q16__wasmsimd',
    fromImageFiles: false, background: '#000000', // an IDX-style model: ImageData goes over black
    backend: index.backend,
    meta: { generator: 'dq_golden', seed: 13 }, // dq_golden's int8-rgb entry is made with seed 13
  });
  assert.equal(index.backend, 'wasm-simd128');
  info.layers.push(7);
  assert.deepEqual(index.info.layers, [40, 16], 'info is a copy');
  index.dispose();
});

test('dispose: idempotent, then every call refuses', async () => {
  const index = await open();
  assert.equal(index.disposed, false);
  index.dispose();
  index.dispose();
  assert.equal(index.disposed, true);
  const x = queryImage(small, 0);
  for (const fn of [() => index.search(x), () => index.encode(x), () => index.embed(x), () => index.info, () => index.size,
    () => index.add(x, 1), () => index.labels(), () => index.thumbnail(0), () => index.searchBatch([x])]) {
    throws(fn, 'this index has been disposed');
  }
});

test('searchLatent / embedBatch: search is embed then searchLatent, bit for bit; bad vectors refused', async () => {
  for (const name of ['small', 'k16-f16']) {
    const index = await open(name);
    const { latentDim: L } = index.info;
    const qs = [0, 1, 2, 3].map((q) => queryImage(G[name], q));
    const z = index.embedBatch(qs);
    assert.equal(z.length, 4 * L);
    assert.deepEqual(z.subarray(L, 2 * L), index.embed(qs[1]), 'embedBatch row = embed');
    for (const mode of ['sdc', 'adc']) {
      assert.deepEqual(index.searchLatentBatch(z, { k: 7, mode }), index.searchBatch(qs, { k: 7, mode }), `${name} ${mode}`);
      assert.deepEqual(index.searchLatent(z.slice(2 * L, 3 * L), { k: 7, mode }), index.search(qs[2], { k: 7, mode }));
    }
    throws(() => index.searchLatent(new Float32Array(L + 1)), `searchLatent: expected a Float32Array of latentDim = ${L} values, got Float32Array(${L + 1})`);
    throws(() => index.searchLatent(Array.from(z.slice(0, L))), 'searchLatent: expected a Float32Array');
    throws(() => index.searchLatentBatch(new Float32Array(2 * L - 1)), `n × latentDim = n × ${L}`);
    assert.deepEqual(index.searchLatentBatch(new Float32Array(0)), []);
    const bad = z.slice(0, 2 * L);
    bad[L + 3] = NaN;
    throws(() => index.searchLatentBatch(bad), 'latent vector 1, dimension 3 is not finite');
    throws(() => index.searchLatent(z.slice(0, L), { k: 0 }), 'k');
    index.dispose();
  }
});

test('one id twice: two hits, each with its own position and label', async () => {
  const index = await loadIndex({ model: file('small.dqm') });
  const x = queryImage(small, 0), y = queryImage(small, 1);
  index.addBatch([x, y, x], [5, 9, 5], [1, 2, 3]);
  const hits = index.search(x, { k: 3, mode: 'sdc' });
  assert.deepEqual(hits.slice(0, 2), [
    { id: 5, distance: 0, label: 1, position: 0 },
    { id: 5, distance: 0, label: 3, position: 2 },
  ]);
  assert.deepEqual(index.code(hits[1].position), index.code(2));
  index.dispose();
});
