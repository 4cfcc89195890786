// K = 16 in the package: the index searches with the 4-bit fast-scan by itself and names it in
// info.scanKernel; a pool covering the index returns exactly the exact scan's top-k (ids and
// distances, ties by id), before and after add(); with the default pool every distance is still the
// exact one; pool / exact options are checked. Both builds (SIMD128 and baseline).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pkg, goldenData, file, readIdxImagesFile, throws } from './_helpers.mjs';

const { loadIndex } = await pkg();
const G = goldenData().byName;
const c = G['k16-f16'];

// Seeded pixels (xorshift32), so a failure reproduces.
function randomImages(n, dim, seed) {
  let s = seed >>> 0 || 1;
  const out = [];
  for (let i = 0; i < n; i++) {
    const px = new Uint8Array(dim);
    for (let j = 0; j < dim; j++) {
      s ^= s << 13; s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5; s >>>= 0;
      px[j] = s & 255;
    }
    out.push(px);
  }
  return out;
}

for (const simd of [true, false]) {
  const isa = simd ? 'wasmsimd' : 'scalar';
  test(`${isa}: K = 16 fast-scan named in info, equal to the exact scan when the pool covers the index`, async () => {
    const index = await loadIndex({ model: file(`${c.name}.dqm`), database: file(`${c.name}.dqdb`), simd });
    try {
      const info = index.info;
      assert.equal(info.K, 16);
      assert.equal(info.scanKernel, `dq_scan_lut4_blk32__${isa}`);
      assert.equal(info.exactScanKernel, `dq_scan_lut8_u8__${isa}`);
      assert.equal(info.batchScanKernel, info.scanKernel);
      const idx = readIdxImagesFile(file(c.queries));
      const queries = Array.from({ length: idx.n }, (_, q) => idx.image(q));
      const check = (what) => {
        const size = index.size;
        for (const mode of ['sdc', 'adc']) {
          for (const k of [1, 12, size]) {
            for (const [q, x] of queries.entries()) {
              const exact = index.search(x, { k, mode, exact: true });
              const full = index.search(x, { k, mode, pool: size });
              assert.deepEqual(full, exact, `${what} ${mode} k=${k} query ${q}`);
              assert.deepEqual(index.search(x, { k, mode, pool: 10 * size }), exact, `${what} pool > size`);
              // Default pool: every distance is that item's exact one.
              const all = new Map(index.search(x, { k: size, mode, exact: true }).map((h) => [h.id, h.distance]));
              for (const h of index.search(x, { k, mode })) assert.equal(h.distance, all.get(h.id), `${what} ${mode} k=${k} id ${h.id}`);
            }
          }
        }
        const code = index.code(5);
        assert.deepEqual(index.searchCode(code, { k: 20, pool: size }), index.searchCode(code, { k: 20, exact: true }), `${what} searchCode`);
      };
      check('as loaded');
      // Added one by one up to a 32-code block boundary (400 + 16 = 13 blocks), then in two batches
      // ending inside blocks: the blocked copy follows.
      assert.equal(c.size, 400);
      const extra = randomImages(2 * 32 + 7, info.inputDim, 99);
      extra.slice(0, 16).forEach((x, i) => index.add(x, 50000 + i));
      index.addBatch(extra.slice(16, 56), Array.from({ length: 40 }, (_, i) => 50016 + i));
      index.addBatch(extra.slice(56), Array.from({ length: extra.length - 56 }, (_, i) => 50056 + i));
      assert.equal(index.size, c.size + extra.length);
      check('after add');
      // An added item is found by its own image (SDC: its own code is at distance 0).
      const self = index.search(extra[3], { k: 5, mode: 'sdc' });
      assert.equal(self[0].distance, 0);
      // (unless five items of smaller id share its code)
      assert.ok(self.some((h) => h.id === 50003 && h.distance === 0) || self.every((h) => h.distance === 0), 'the added item among the distance-0 hits');
    } finally {
      index.dispose();
    }
  });
}

test('pool / exact options: checked, with the reason', async () => {
  const k16 = await loadIndex({ model: file(`${c.name}.dqm`), database: file(`${c.name}.dqdb`) });
  const k256 = await loadIndex({ model: file('small.dqm'), database: file('small.dqdb') });
  try {
    const x = readIdxImagesFile(file(c.queries)).image(0);
    throws(() => k16.search(x, { pool: -1 }), 'search: pool must be a non-negative integer, got number -1');
    throws(() => k16.search(x, { pool: 2.5 }), 'search: pool must be a non-negative integer, got number 2.5');
    throws(() => k16.search(x, { pool: '9' }), 'search: pool must be a non-negative integer, got string "9"');
    throws(() => k16.search(x, { exact: 1 }), 'search: exact must be true or false, got number 1');
    throws(() => k16.search(x, { pool: 5, exact: true }), 'search: pool applies to the K = 16 fast-scan only; exact: true scans every code');
    throws(() => k16.searchCode(k16.code(0), { pool: 5, exact: true }), 'searchCode: pool applies');
    const y = readIdxImagesFile(file(G.small.queries)).image(0);
    throws(() => k256.search(y, { pool: 5 }), 'search: pool applies to the K = 16 fast-scan only; this index (K = 256) is scanned exactly');
    // pool 0 means the default, exact on K = 256 is what it always does.
    assert.deepEqual(k256.search(y, { pool: 0, exact: true }), k256.search(y));
    assert.deepEqual(k16.search(x, { pool: 0 }), k16.search(x));
    // A pool below k is raised to k (the core clips it): still k exact results.
    const few = k16.search(x, { k: 12, pool: 1 });
    assert.equal(few.length, 12);
  } finally {
    k16.dispose();
    k256.dispose();
  }
});
