// Native vs WebAssembly parity: the package (SIMD128 and baseline builds) must reproduce the native
// core's codes, embeddings and top-k ids / distances / labels bit for bit on the dq_golden data
// (f32, f16, int8 and int4 weights; K = 256 and 16; gray and RGB; odd widths; the paper's
// 784-500-500-2000-64 shape).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pkg, goldenData, file, readIdxImagesFile, f32 } from './_helpers.mjs';

const { loadIndex, simdSupported } = await pkg();
const { configs } = goldenData();

function assertHits(hits, want, what) {
  assert.deepEqual(hits.map((h) => h.id), want.ids, `${what}: ids`);
  assert.deepEqual(hits.map((h) => h.distance), want.distances.map(f32), `${what}: distances (exact)`);
  if (want.labels) assert.deepEqual(hits.map((h) => h.label), want.labels.map((l) => (l >= 0 ? l : null)), `${what}: labels`);
}

test('this Node validates the SIMD probe (so both builds are exercised)', () => {
  assert.equal(simdSupported(), true);
});

test('the golden data covers every weight type of the format', () => {
  assert.deepEqual([...new Set(configs.map((c) => c.weightType))].sort(), ['f16', 'f32', 'int4', 'int8']);
  const i4 = configs.find((c) => c.weightType === 'int4');
  assert.ok((i4.input[0] * i4.input[1] * i4.input[2]) % 2 === 1, 'an odd input width, so rows end in a padding nibble');
});

const embeddings = {}; // backend -> config -> Float32Array of the float query's embedding

for (const simd of [true, false]) {
  const backend = simd ? 'wasm-simd128' : 'wasm-baseline';
  for (const c of configs) {
    test(`${backend}: ${c.name} (${c.input.join('x')}, M=${c.M}, K=${c.K}, ${c.weightType}) matches native`, async () => {
      const index = await loadIndex({ model: file(c.model), database: file(c.db), simd });
      try {
        assert.equal(index.backend, backend);
        const info = index.info;
        // K = 16 searches by the 4-bit fast-scan (default pool), whose rankings must match native's too.
        const isa = simd ? 'wasmsimd' : 'scalar';
        assert.equal(info.scanKernel, c.K === 16 ? `dq_scan_lut4_blk32__${isa}` : `dq_scan_lut8_u8__${isa}`);
        assert.equal(info.exactScanKernel, `dq_scan_lut8_u8__${isa}`);
        // K = 256 batches run the 16-query scan (SIMD module only); K = 16 batches the fast-scan.
        assert.equal(info.batchScanKernel, c.K === 16 ? info.scanKernel : simd ? 'dq_scan_lut8_q16__wasmsimd' : 'dq_scan_lut8_u8__scalar');
        assert.deepEqual([info.height, info.width, info.channels], c.input);
        assert.deepEqual([info.M, info.K, info.latentDim, info.size, info.weightType, info.hasLabels],
          [c.M, c.K, c.L, c.size, c.weightType, c.hasLabels]);
        assert.deepEqual(info.thumbShape, c.thumbShape);
        assert.equal(info.scale, f32(c.scale));

        const idx = readIdxImagesFile(file(c.queries));
        assert.equal(idx.n, c.nq);
        const inputs = [];
        for (let q = 0; q < c.nq; q++) inputs.push(idx.image(q));
        inputs.push(Float32Array.from(c.floatQuery));
        for (let q = 0; q < inputs.length; q++) {
          const what = `${c.name} query ${q}${q === c.nq ? ' (float)' : ''}`;
          assert.deepEqual(Array.from(index.encode(inputs[q])), c.codes[q], `${what}: code`);
          assert.deepEqual(Array.from(index.embed(inputs[q])), c.embeddings[q].map(f32), `${what}: embedding (exact)`);
          assertHits(index.search(inputs[q], { k: c.k, mode: 'sdc' }), c.sdc[q], `${what} sdc`);
          assertHits(index.search(inputs[q], { k: c.k, mode: 'adc' }), c.adc[q], `${what} adc`);
        }
        // Default mode is SDC; a batch gives the same as one query at a time.
        assertHits(index.search(inputs[0], { k: c.k }), c.sdc[0], `${c.name} default mode`);
        const batch = index.searchBatch(inputs, { k: c.k, mode: 'adc' });
        assert.equal(batch.length, inputs.length);
        batch.forEach((hits, q) => assertHits(hits, c.adc[q], `${c.name} batch query ${q}`));
        const flat = new Float32Array(c.nq * info.inputDim);
        for (let q = 0; q < c.nq; q++) flat.set(Float32Array.from(inputs[q], (v) => v * info.scale), q * info.inputDim);
        index.searchBatch(flat, { k: c.k }).forEach((hits, q) => assertHits(hits, c.sdc[q], `${c.name} flat batch ${q}`));
        // Item 0's stored code searched by SDC.
        assertHits(index.searchCode(index.code(0), { k: c.k }), c.item0, `${c.name} item 0 code`);
        (embeddings[backend] ??= {})[c.name] = index.embed(inputs[c.nq]);
      } finally {
        index.dispose();
      }
    });
  }
}

test('SIMD128 and baseline builds give identical bits', () => {
  for (const c of configs) {
    const a = embeddings['wasm-simd128'][c.name], b = embeddings['wasm-baseline'][c.name];
    assert.ok(a && b, `both backends ran ${c.name}`);
    assert.deepEqual(new Uint8Array(a.buffer), new Uint8Array(b.buffer), `${c.name}: embedding bytes`);
  }
});
