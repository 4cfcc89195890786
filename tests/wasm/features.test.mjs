// Feature vectors as input: a model trained natively on an .fvecs file of floats far from [0, 1]
// (offset 1000, scale 50) stores its input standardization; the package then takes any finite
// Float32Array for it, gives the codes `deepquan encode` wrote for the same vectors bit for bit
// (SIMD128 and baseline), refuses NaN / Infinity by index and refuses bytes and ImageData (a feature
// model has no pixels); info says which kind of input a model takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, pkg, tmpDir, goldenData, file } from './_helpers.mjs';

const NATIVE = process.env.DQ_NATIVE_BIN || path.join(ROOT, 'build/native/trainer/deepquan');
const { loadIndex } = await pkg();

const D = 16, CLASSES = 4, PER_CLASS = 100;

// Deterministic normal draws (mulberry32 + Box-Muller), rounded to float32 by the Float32Array.
function rng(seed) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

function npy(descr, shape, payload) {
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  h += ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(head);
  head[6] = 1;
  head.writeUInt16LE(h.length, 8);
  return Buffer.concat([head, Buffer.from(h, 'latin1'), Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)]);
}

// { kind: Uint8Array payload } of a DeepQuan file.
function sections(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = {};
  for (let i = 0; i < v.getUint32(28, true); i++) {
    const e = 64 + 64 * i;
    const kind = String.fromCharCode(...bytes.subarray(e, e + 4));
    const off = Number(v.getBigUint64(e + 8, true)), size = Number(v.getBigUint64(e + 16, true));
    out[kind] = bytes.subarray(off, off + size);
  }
  return out;
}

function run(args) {
  const r = spawnSync(NATIVE, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `deepquan ${args.join(' ')}: ${r.stderr}`);
  return r;
}

let fixture = null;
function trained() {
  if (fixture) return fixture;
  if (!fs.existsSync(NATIVE)) throw new Error(`${NATIVE} not built: cmake --build --preset native (or set DQ_NATIVE_BIN)`);
  const dir = tmpDir('dq-feats-');
  const g = rng(7);
  const centers = Array.from({ length: CLASSES }, () => Array.from({ length: D }, g));
  const n = CLASSES * PER_CLASS;
  const x = new Float32Array(n * D), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % CLASSES;
    for (let j = 0; j < D; j++) x[i * D + j] = 1000 + 50 * (centers[i % CLASSES][j] + 0.3 * g());
  }
  const fvecs = Buffer.alloc(n * (4 + 4 * D));
  for (let i = 0; i < n; i++) {
    fvecs.writeInt32LE(D, i * (4 + 4 * D));
    for (let j = 0; j < D; j++) fvecs.writeFloatLE(x[i * D + j], i * (4 + 4 * D) + 4 + 4 * j);
  }
  fs.writeFileSync(path.join(dir, 'feats.fvecs'), fvecs);
  fs.writeFileSync(path.join(dir, 'labels.npy'), npy('<i4', [n], labels));
  const out = path.join(dir, 'run');
  run(['train', '--dataset', path.join(dir, 'feats.fvecs'), '--labels', path.join(dir, 'labels.npy'), '--bits', '16',
    '--codeword-bits', '4', '--pretrain-iterations', '100', '--iterations', '20', '--batch', '64',
    '--queries-per-class', '10', '--threads', '2', '--out', out]);
  run(['encode', '--model', path.join(out, 'model.dqm'), '--images', path.join(dir, 'feats.fvecs'), '--out', path.join(dir, 'all.dqdb')]);
  const codes = sections(fs.readFileSync(path.join(dir, 'all.dqdb'))).CODE;
  fixture = { dir, out, x, n, codes, model: path.join(out, 'model.dqm'), gallery: path.join(out, 'gallery.dqdb') };
  return fixture;
}

for (const simd of [true, false]) {
  const backend = simd ? 'wasm-simd128' : 'wasm-baseline';
  test(`${backend}: a feature model encodes raw feature vectors to the native codes, bit for bit`, async () => {
    const f = trained();
    assert.ok(sections(fs.readFileSync(f.model)).STDZ, 'model.dqm has its STDZ section');
    const index = await loadIndex({ model: f.model, database: f.gallery, simd });
    try {
      assert.equal(index.backend, backend);
      const info = index.info;
      assert.equal(info.standardized, true);
      assert.equal(info.inputKind, 'features');
      assert.equal(info.inputDim, D);
      const M = info.M;
      for (let i = 0; i < f.n; i++) {
        const row = f.x.subarray(i * D, (i + 1) * D);
        assert.deepEqual(Array.from(index.encode(row)), Array.from(f.codes.subarray(i * M, (i + 1) * M)), `row ${i}`);
      }
      // A batch, and a search, take the raw values too (far outside [0, 255]).
      const hits = index.search(f.x.subarray(0, D), { k: 5 });
      assert.equal(hits.length, 5);
      assert.ok(index.searchBatch(f.x.subarray(0, 3 * D), { k: 2 }).length === 3);
      // Negative and huge-but-finite values are inputs like any other.
      assert.equal(index.encode(new Float32Array(D).fill(-12345.5)).length, M);
    } finally {
      index.dispose();
    }
  });
}

test('a feature model refuses NaN / Infinity by index, and bytes or ImageData by name', async () => {
  const f = trained();
  const index = await loadIndex({ model: f.model, database: f.gallery });
  try {
    const x = f.x.slice(0, D);
    x[3] = NaN;
    assert.throws(() => index.encode(x), { message: 'encode: pixels: value at index 3 is NaN (feature vectors must be finite)' });
    x[3] = 1000;
    x[15] = -Infinity;
    assert.throws(() => index.search(x), { message: 'search: pixels: value at index 15 is -Infinity (feature vectors must be finite)' });
    const flat = f.x.slice(0, 2 * D);
    flat[D + 1] = Infinity;
    assert.throws(() => index.searchBatch(flat), /searchBatch: value at index 17 is Infinity \(feature vectors must be finite\)/);
    assert.throws(() => index.encode(new Uint8Array(D)),
      { message: `encode: pixels: this model takes feature vectors, not pixels (it standardizes its inputs): expected a Float32Array of ${D} finite values (this model takes feature vectors), got Uint8Array(${D})` });
    assert.throws(() => index.search({ data: new Uint8ClampedArray(4 * 4 * 4), width: 4, height: 4 }),
      /search: pixels: this model takes feature vectors, not pixels .* got an ImageData-like image/);
    assert.throws(() => index.searchBatch(new Uint8Array(2 * D)), /searchBatch: this model takes feature vectors, not pixels/);
    assert.throws(() => index.searchBatch([f.x.slice(0, D), new Uint8ClampedArray(D)]), /searchBatch: image 1: this model takes feature vectors/);
    assert.throws(() => index.encode(new Float32Array(D - 1)), /expected a Float32Array of 16 finite values .*wrong length/);
  } finally {
    index.dispose();
  }
});

test('a pixel model says so and keeps its [0, 1] check', async () => {
  const c = goldenData().configs.find((k) => k.weightType === 'f32');
  const index = await loadIndex({ model: file(c.model) });
  try {
    assert.equal(index.info.standardized, false);
    assert.equal(index.info.inputKind, 'pixels');
    assert.throws(() => index.encode(new Float32Array(index.info.inputDim).fill(2)), /outside \[0, 1\]/);
  } finally {
    index.dispose();
  }
});
