// Feature vectors as input: a model trained natively on an .fvecs file of floats far from [0, 1]
// (offset 1000, scale 50) stores its input standardization; the package then takes any finite
// Float32Array for it, gives the codes `deepquan encode` wrote for the same vectors bit for bit
// (SIMD128 and baseline), refuses NaN / Infinity by index and refuses bytes and ImageData (a feature
// model has no pixels); info says which kind of input a model takes. deepquan-query --vector takes a
// row of a float32 .npy or .fvecs file as the query and gives deepquan search's hits for that row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, CLI, pkg, tmpDir, goldenData, file } from './_helpers.mjs';

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
  fs.writeFileSync(path.join(dir, 'feats.npy'), npy('<f4', [n, D], x));
  fs.writeFileSync(path.join(dir, 'labels.npy'), npy('<i4', [n], labels));
  const out = path.join(dir, 'run');
  run(['train', '--dataset', path.join(dir, 'feats.fvecs'), '--labels', path.join(dir, 'labels.npy'), '--bits', '16',
    '--codeword-bits', '4', '--pretrain-iterations', '100', '--iterations', '20', '--batch', '64',
    '--queries-per-class', '10', '--threads', '2', '--out', out]);
  run(['encode', '--model', path.join(out, 'model.dqm'), '--images', path.join(dir, 'feats.fvecs'), '--out', path.join(dir, 'all.dqdb')]);
  const codes = sections(fs.readFileSync(path.join(dir, 'all.dqdb'))).CODE;
  fixture = { dir, out, x, n, codes, fvecs: path.join(dir, 'feats.fvecs'), npy: path.join(dir, 'feats.npy'), model: path.join(out, 'model.dqm'), gallery: path.join(out, 'gallery.dqdb') };
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

// deepquan-query --vector FILE[:ROW] (wasm/bin/deepquan-query.mjs) against deepquan search --image
// FILE:ROW, which reads the same row of the same file through the trainer's .npy / .fvecs readers.
function query(args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/// deepquan search's table rows: [{ id, distance (its %.4f text), label }].
function nativeHits(args) {
  const lines = run(['search', ...args]).stdout.trim().split('\n');
  assert.deepEqual(lines[1].trim().split(/\s+/), ['rank', 'id', 'distance', 'label']);
  return lines.slice(2).map((line) => {
    const [, id, distance, label] = line.trim().split(/\s+/);
    return { id: Number(id), distance, label: label === '-' ? null : Number(label) };
  });
}

test('deepquan-query --vector equals deepquan search on the same row (.npy and .fvecs, SDC and ADC, both builds)', () => {
  const f = trained();
  const k = 20;
  for (const vecs of [f.npy, f.fvecs]) {
    for (const row of [5, f.n - 1]) {
      for (const mode of ['sdc', 'adc']) {
        const want = nativeHits(['--model', f.model, '--db', f.gallery, '--image', `${vecs}:${row}`, '--k', String(k), '--mode', mode]);
        assert.equal(want.length, k);
        assert.ok(want.some((h) => Number(h.distance) > 0), 'distances are not all 0');
        for (const simd of ['on', 'off']) {
          const what = `${path.basename(vecs)}:${row} ${mode} simd ${simd}`;
          const r = query(['--model', f.model, '--db', f.gallery, '--vector', `${vecs}:${row}`, '--k', String(k), '--mode', mode, '--simd', simd, '--json']);
          assert.equal(r.code, 0, `${what}: ${r.err}`);
          assert.equal(r.err, '');
          const j = JSON.parse(r.out);
          assert.equal(j.query, `${vecs}:${row}`);
          assert.equal(j.mode, mode);
          assert.deepEqual(j.results.map((h) => h.id), want.map((h) => h.id), `${what}: ids`);
          assert.deepEqual(j.results.map((h) => h.label), want.map((h) => h.label), `${what}: labels`);
          // The native table prints 4 decimals: the float32 distance rounds to that text.
          j.results.forEach((h, i) => {
            assert.ok(Math.abs(h.distance - Number(want[i].distance)) <= 5e-5 + 1e-9, `${what}: rank ${i + 1}: ${h.distance} vs ${want[i].distance}`);
          });
        }
      }
    }
  }
  // Row 0 by default, and the table names the query and the kernel.
  const r = query(['--model', f.model, '--db', f.gallery, '--vector', f.fvecs, '--k', '3']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines[0], `query ${f.fvecs}:0, sdc, ${f.n - 40} items, wasm-simd128, kernel dq_scan_lut4_blk32__wasmsimd`);
  const want = nativeHits(['--model', f.model, '--db', f.gallery, '--image', f.fvecs, '--k', '3', '--mode', 'sdc']);
  assert.deepEqual(lines.slice(2).map((l) => Number(l.trim().split(/\s+/)[1])), want.map((h) => h.id));
});

test('deepquan-query --vector: the wrong kind of model, dimension, values, row or file exits 1 with a message', () => {
  const f = trained();
  const dir = tmpDir('dq-feats-bad-');
  const put = (name, bytes) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, bytes);
    return p;
  };
  const rows = f.x.slice(0, 3 * D);
  rows[2 * D + 7] = NaN;
  const nan = put('nan.npy', npy('<f4', [3, D], rows));
  const inf = rows.slice();
  inf[2 * D + 7] = 1;
  inf[D + 15] = -Infinity;
  const infVecs = Buffer.alloc(3 * (4 + 4 * D));
  for (let i = 0; i < 3; i++) {
    infVecs.writeInt32LE(D, i * (4 + 4 * D));
    for (let j = 0; j < D; j++) infVecs.writeFloatLE(inf[i * D + j], i * (4 + 4 * D) + 4 + 4 * j);
  }
  const infFile = put('inf.fvecs', infVecs);
  const wide = put('wide.npy', npy('<f4', [2, D + 1], new Float32Array(2 * (D + 1))));
  const good = fs.readFileSync(f.npy);
  const cut = put('cut.npy', good.subarray(0, good.length - 1));
  const extra = put('extra.npy', Buffer.concat([good, Buffer.alloc(4)]));
  const f8 = put('f8.npy', npy('<f8', [2, D], new Float64Array(2 * D)));
  const cube = put('cube.npy', npy('<f4', [2, 4, 4], new Float32Array(2 * D)));
  const fortran = put('fortran.npy', Buffer.from(npy('<f4', [2, D], new Float32Array(2 * D)).toString('latin1').replace("'fortran_order': False", "'fortran_order': True "), 'latin1'));
  const fv = fs.readFileSync(f.fvecs);
  const cutVecs = put('cut.fvecs', fv.subarray(0, fv.length - 2));
  const badDim = Buffer.from(fv);
  badDim.writeInt32LE(D + 1, 3 * (4 + 4 * D));
  const badDimVecs = put('baddim.fvecs', badDim);
  const notNpy = put('not.npy', Buffer.from('hello, world'));
  const other = put('feats.bin', fv);
  const feats = ['--model', f.model, '--db', f.gallery];
  const c = goldenData().byName.small;
  const cases = [
    [['--model', file('small.dqm'), '--db', file('small.dqdb'), '--vector', f.npy],
      '--vector: this model takes 28x28x1 images, not feature vectors (it was not trained on a float .npy / .fvecs dataset); query it with --image or --query-index'],
    [[...feats, '--image', `${file(c.queries)}:0`],
      '--image: this model takes feature vectors of 16 values (it was trained on a float .npy / .fvecs dataset), not images; query it with --vector FILE.npy|.fvecs[:ROW] or --query-index'],
    [[...feats, '--vector', `${wide}:1`], `${wide}: vectors have 17 values, the model expects 16`],
    [[...feats, '--vector', `${nan}:2`], `${nan}: row 2, column 7 is NaN (feature vectors must be finite)`],
    [[...feats, '--vector', `${infFile}:1`], `${infFile}: row 1, column 15 is -Infinity (feature vectors must be finite)`],
    [[...feats, '--vector', `${nan}:3`], `${nan}: row 3 out of range (the file has 3 rows)`],
    [[...feats, '--vector', `${f.fvecs}:${f.n}`], `${f.fvecs}: row ${f.n} out of range (the file has ${f.n} rows)`],
    [[...feats, '--vector', cut], `${cut}: truncated: shape (${f.n}, ${D}) needs ${good.length} bytes, the file has ${good.length - 1}`],
    [[...feats, '--vector', extra], `${extra}: 4 unexpected bytes after the (${f.n}, ${D}) float32 values`],
    [[...feats, '--vector', f8], `${f8}: .npy dtype '<f8' is not float32: --vector takes little-endian float32 ('<f4') vectors`],
    [[...feats, '--vector', cube], `${cube}: .npy array has 3 dimensions (2, 4, 4), expected 2 (n vectors, d values)`],
    [[...feats, '--vector', fortran], `${fortran}: Fortran-order .npy arrays are not supported (save with C order)`],
    [[...feats, '--vector', cutVecs], `${cutVecs}: truncated: the file's ${fv.length - 2} bytes are not a whole number of ${4 + 4 * D}-byte records of 16-dimensional vectors`],
    [[...feats, '--vector', `${badDimVecs}:3`], `${badDimVecs}: corrupt .fvecs file: vector 3 has dimension 17, expected 16`],
    [[...feats, '--vector', notNpy], `${notNpy}: not a .npy file (bad magic)`],
    [[...feats, '--vector', other], `${other}: neither a .npy file (no \\x93NUMPY magic) nor named .fvecs`],
    [[...feats, '--vector', path.join(dir, 'none.npy')], `${path.join(dir, 'none.npy')}: cannot read: no such file`],
  ];
  for (const [args, msg] of cases) {
    const r = query(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.out, '');
    assert.equal(r.err, `deepquan-query: ${msg}\n`);
  }
  // Only the row asked for is checked: row 0 of the file with a NaN in row 2 is a query.
  const ok = query([...feats, '--vector', `${nan}:0`, '--k', '1', '--json']);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(JSON.parse(ok.out).results.length, 1);
});
