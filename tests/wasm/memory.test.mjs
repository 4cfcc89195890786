// Memory stability: 100,000 searches after a warm-up leave the WebAssembly memory size, the bytes
// allocated and the JS handles held by the native side exactly where they were; so do 30,000 calls
// that fail inside the core (a leak of the ~48 bytes of shadow stack a thrown-through frame loses
// would overflow the 1 MiB stack long before that).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pkg, goldenData, file, readIdxImagesFile } from './_helpers.mjs';

const { loadIndex } = await pkg();
const G = goldenData().byName;

for (const simd of [true, false]) {
  test(`${simd ? 'wasm-simd128' : 'wasm-baseline'}: memory stable over 100,000 searches`, async () => {
    const index = await loadIndex({ model: file('small.dqm'), database: file('small.dqdb'), simd });
    const idx = readIdxImagesFile(file(G.small.queries));
    const queries = Array.from({ length: idx.n }, (_, i) => idx.image(i));
    const floatQ = Float32Array.from(G.small.floatQuery);
    const round = (i) => {
      const q = queries[i % queries.length];
      if (i % 3 === 0) return index.search(q, { k: 10, mode: 'adc' });
      if (i % 3 === 1) return index.search(floatQ, { k: 5, mode: 'sdc' });
      return index.search(q, { k: 1 });
    };
    for (let i = 0; i < 2000; i++) round(i);
    index.searchBatch(queries, { k: 10 });
    index.encode(queries[0]);
    index.embed(queries[0]);
    const before = index.memoryUsage();
    let checksum = 0;
    for (let i = 0; i < 100000; i++) checksum += round(i)[0].id;
    for (let i = 0; i < 100; i++) {
      index.searchBatch(queries, { k: 10 });
      index.encode(queries[i % queries.length]);
      index.embed(queries[i % queries.length]);
    }
    const after = index.memoryUsage();
    assert.ok(checksum > 0);
    assert.deepEqual(after, before, `memory before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
    index.dispose();
  });
}

test('memory and stack stable over 30,000 failing native calls', async () => {
  const index = await loadIndex({ model: file('k16-f16.dqm'), database: file('k16-f16.dqdb') });
  const bad = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 200]);
  const fail = () => assert.throws(() => index.searchCode(bad, { k: 1 }), /code 200, must be < K = 16/);
  for (let i = 0; i < 100; i++) fail();
  const before = index.memoryUsage();
  for (let i = 0; i < 30000; i++) {
    try {
      index.searchCode(bad, { k: 1 });
    } catch { /* expected */ }
  }
  fail();
  assert.deepEqual(index.memoryUsage(), before);
  // Deep work still runs fine afterwards.
  const q = readIdxImagesFile(file(G['k16-f16'].queries)).image(0);
  assert.deepEqual(index.search(q, { k: 3 }).map((h) => h.id), G['k16-f16'].sdc[0].ids.slice(0, 3));
  index.dispose();
});

test('dispose returns the index memory to the allocator', async () => {
  const a = await loadIndex({ model: file('paper.dqm'), database: file('paper.dqdb') });
  const base = a.memoryUsage().usedBytes;
  const b = await loadIndex({ model: file('paper.dqm'), database: file('paper.dqdb') });
  const loaded = a.memoryUsage().usedBytes;
  assert.ok(loaded - base > 7e6, `a second paper-sized index holds its ~7 MB of weights (${loaded - base} bytes)`);
  b.dispose();
  assert.equal(a.memoryUsage().usedBytes, base);
  a.dispose();
});
