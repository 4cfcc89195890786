// The JavaScript API: every source kind (path, file: URL, bytes, HTTP with progress, gzip), every
// pixel kind (Float32Array, bytes, ImageData-like with resizing), add / thumbnails / labels, and
// each bad argument or file with the exact message it must produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { pkg, goldenData, file, readIdxImagesFile, f32, tmpDir, DIST } from './_helpers.mjs';

const deepquan = await pkg();
const { loadIndex } = deepquan;
const G = goldenData().byName;
const small = G.small;

const open = (name = 'small', extra = {}) => loadIndex({ model: file(`${name}.dqm`), database: file(`${name}.dqdb`), ...extra });
const queryImage = (c, q) => readIdxImagesFile(file(c.queries)).image(q);

async function rejects(promise, substring) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Error, `an Error, got ${e}`);
    assert.ok(e.message.includes(substring), `message "${e.message}" should contain "${substring}"`);
    return true;
  });
}

function throws(fn, substring) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, `an Error, got ${e}`);
    assert.ok(e.message.includes(substring), `message "${e.message}" should contain "${substring}"`);
    return true;
  });
}

test('package metadata: version from CMake, exports, bin', async () => {
  const p = JSON.parse(fs.readFileSync(path.join(DIST, 'package.json'), 'utf8'));
  assert.equal(p.name, 'deepquan');
  assert.match(p.version, /^\d+\.\d+\.\d+$/);
  assert.equal(deepquan.version, p.version);
  assert.equal(p.type, 'module');
  // Node gets the entry with the file system, everything else (bundlers for the browser) the one without.
  assert.deepEqual(Object.keys(p.exports['.']), ['types', 'node', 'default']);
  assert.equal(p.exports['.'].node, './node.mjs');
  assert.equal(p.exports['.'].default, './index.mjs');
  assert.equal(p.browser, './index.mjs');
  assert.equal(p.bin['deepquan-query'], './bin/deepquan-query.mjs');
  for (const f of p.files) assert.ok(fs.existsSync(path.join(DIST, f)), `${f} is in the package`);
  // And the other way: every module the entry or the bin imports is listed, so `npm pack` ships it.
  for (const f of fs.readdirSync(DIST).filter((f) => /\.(mjs|wasm|d\.ts)$/.test(f))) assert.ok(p.files.includes(f), `${f} is listed in package.json files`);
  assert.equal(typeof deepquan.default, 'function');
});

test('sources: file path, file: URL, URL string, ArrayBuffer, Uint8Array, Buffer, DataView', async () => {
  const mBytes = fs.readFileSync(file('small.dqm')), dBytes = fs.readFileSync(file('small.dqdb'));
  const ab = (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
  const variants = [
    { model: file('small.dqm'), database: file('small.dqdb') },
    { model: pathToFileURL(file('small.dqm')), database: pathToFileURL(file('small.dqdb')) },
    { model: pathToFileURL(file('small.dqm')).href, database: pathToFileURL(file('small.dqdb')).href },
    { model: ab(mBytes), database: ab(dBytes) },
    { model: new Uint8Array(mBytes), database: new Uint8Array(dBytes) },
    { model: mBytes, database: dBytes },
    { model: new DataView(ab(mBytes)), database: new DataView(ab(dBytes)) },
  ];
  const x = queryImage(small, 0);
  for (const v of variants) {
    const index = await loadIndex(v);
    assert.equal(index.size, small.size);
    assert.deepEqual(index.search(x, { k: 3 }).map((h) => h.id), small.sdc[0].ids.slice(0, 3));
    index.dispose();
  }
});

test('sources: HTTP streaming with progress, gzip-encoded responses, HTTP errors', async () => {
  const server = http.createServer((req, res) => {
    const name = path.basename(req.url.split('?')[0]);
    const p = file(name);
    if (!fs.existsSync(p)) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html>not here</html>');
      return;
    }
    const body = fs.readFileSync(p);
    if (req.url.includes('gzip')) {
      const z = zlib.gzipSync(body);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': z.length });
      res.end(z);
    } else if (req.url.includes('chunked')) {
      res.writeHead(200); // no length: the block grows by doubling
      for (let i = 0; i < body.length; i += 4096) res.write(body.subarray(i, i + 4096));
      res.end();
    } else {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const events = [];
    const index = await loadIndex({ model: `${base}/small.dqm`, database: new URL(`${base}/small.dqdb`), onProgress: (p) => events.push(p) });
    const modelSize = fs.statSync(file('small.dqm')).size, dbSize = fs.statSync(file('small.dqdb')).size;
    const phase = (ph) => events.filter((e) => e.phase === ph);
    assert.ok(phase('model').length >= 1);
    assert.deepEqual(phase('model').at(-1), { phase: 'model', loaded: modelSize, total: modelSize });
    assert.deepEqual(phase('database').at(-1), { phase: 'database', loaded: dbSize, total: dbSize });
    for (const ph of ['model', 'database']) {
      const l = phase(ph).map((e) => e.loaded);
      assert.deepEqual(l, [...l].sort((a, b) => a - b), `${ph} progress is monotonic`);
    }
    assert.deepEqual(phase('init').map((e) => e.loaded), [0, 1]);
    assert.ok(events.findIndex((e) => e.phase === 'database') > events.findIndex((e) => e.phase === 'model'));
    const want = index.search(queryImage(small, 1), { k: 5, mode: 'adc' });
    index.dispose();

    for (const q of ['gzip', 'chunked']) {
      const ev = [];
      const ix = await loadIndex({ model: `${base}/small.dqm?${q}`, database: `${base}/small.dqdb?${q}`, onProgress: (p) => ev.push(p) });
      assert.deepEqual(ix.search(queryImage(small, 1), { k: 5, mode: 'adc' }), want, q);
      const last = ev.filter((e) => e.phase === 'database').at(-1);
      assert.equal(last.loaded, dbSize);
      assert.equal(last.total, undefined, `${q}: the decoded size is not known up front`);
      ix.dispose();
    }
    await rejects(loadIndex({ model: `${base}/missing.dqm` }), `model: HTTP 404 Not Found for ${base}/missing.dqm`);
    await rejects(loadIndex({ model: `${base}/small.dqm`, database: `${base}/nope.dqdb` }), 'database: HTTP 404');
    await rejects(loadIndex({ model: 'http://127.0.0.1:1/x.dqm' }), 'model: cannot fetch http://127.0.0.1:1/x.dqm');
  } finally {
    server.close();
  }
});

test('loadIndex: bad options and bad files', async () => {
  const m = fs.readFileSync(file('small.dqm')), d = fs.readFileSync(file('small.dqdb'));
  await rejects(loadIndex(), 'loadIndex: expected an options object { model, database?, onProgress?, simd?, wasm? }, got undefined');
  await rejects(loadIndex({}), 'loadIndex: options.model is required');
  await rejects(loadIndex({ model: m, modle: 1 }), "loadIndex: unknown option 'modle'");
  await rejects(loadIndex({ model: m, simd: 'yes' }), "loadIndex: simd must be 'auto', true or false, got string \"yes\"");
  await rejects(loadIndex({ model: m, onProgress: 3 }), 'loadIndex: onProgress must be a function, got number 3');
  await rejects(loadIndex({ model: 42 }), 'model: expected a URL, a file path, an ArrayBuffer or a Uint8Array, got number 42');
  await rejects(loadIndex({ model: '' }), 'model: empty string');
  await rejects(loadIndex({ model: '/nonexistent/x.dqm' }), 'model: cannot open /nonexistent/x.dqm: no such file');
  await rejects(loadIndex({ model: m, database: '/nonexistent/g.dqdb' }), 'database: cannot open /nonexistent/g.dqdb: no such file');
  await rejects(loadIndex({ model: m.subarray(0, 1000) }), `model file: truncated: file is 1000 bytes, header says ${m.length}`);
  await rejects(loadIndex({ model: new TextEncoder().encode('<!DOCTYPE html><html></html>') }), 'model file: bad magic');
  await rejects(loadIndex({ model: d }), 'model file: bad magic: this is a DeepQuan database file (.dqdb), not a model file (.dqm)');
  await rejects(loadIndex({ model: m, database: new Uint8Array(0) }), 'database file: truncated: file is 0 bytes');
  await rejects(loadIndex({ model: m, database: fs.readFileSync(file('paper.dqdb')) }), 'database file: model/database mismatch');
  const flipped = Buffer.from(d);
  flipped[flipped.length - 3] ^= 0x10;
  await rejects(loadIndex({ model: m, database: flipped }), 'crc32 mismatch');
});

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
    scanKernel: 'dq_scan_lut8_u8__wasmsimd', exactScanKernel: 'dq_scan_lut8_u8__wasmsimd',
    fromImageFiles: false, background: '#000000', // an IDX-style model: ImageData goes over black
    backend: index.backend,
    meta: { generator: 'dq_golden', seed: 13 }, // dq_golden's int8-rgb entry is made with seed 13
  });
  assert.equal(index.backend, 'wasm-simd128');
  info.layers.push(7);
  assert.deepEqual(index.info.layers, [40, 16], 'info is a copy');
  index.dispose();
});

test('add then search finds the added item first; labels and thumbnails stay consistent', async () => {
  const index = await open();
  // The golden float image is unlike the gallery: its code is in no gallery item.
  const x = Float32Array.from(small.floatQuery);
  const code = Array.from(index.encode(x)).join();
  for (let p = 0; p < index.size; p++) assert.notEqual(Array.from(index.code(p)).join(), code, `precondition: item ${p} has another code`);
  index.add(x, 9999, 3);
  assert.equal(index.size, small.size + 1);
  assert.equal(index.info.size, small.size + 1);
  for (const mode of ['sdc', 'adc']) {
    const hit = index.search(x, { k: 3, mode })[0];
    assert.equal(hit.id, 9999, mode);
    assert.equal(hit.label, 3);
    if (mode === 'sdc') assert.equal(hit.distance, 0);
  }
  assert.equal(index.positionOf(9999), small.size);
  assert.equal(index.labels()[small.size], 3);
  assert.deepEqual(index.thumbnail({ id: 9999 }), new Uint8Array(784), 'added items get a blank thumbnail');
  // Without a label: null in results, -1 in labels().
  index.add(queryImage(small, 3), 10000);
  assert.equal(index.labels()[small.size + 1], -1);
  assert.equal(index.search(queryImage(small, 3), { k: small.size + 2 }).find((h) => h.id === 10000).label, null);
  throws(() => index.add(x, -1), 'add: id must be an integer in [0, 4294967295], got number -1');
  throws(() => index.add(x, 2 ** 32), 'add: id must be an integer in [0, 4294967295], got number 4294967296');
  throws(() => index.add(x, 1.5), 'got number 1.5');
  throws(() => index.add(x, '7'), 'got string "7"');
  throws(() => index.add(x, 7, 'cat'), 'add: label must be an integer in [-1, 2147483647] (-1 = unknown), null or undefined, got string "cat"');
  throws(() => index.add(new Float32Array(3), 7), 'add: pixels: expected a Float32Array');
  assert.equal(index.size, small.size + 2, 'refused adds change nothing');
  index.dispose();
});

test('empty index: add, then search; k beyond size refused', async () => {
  const index = await loadIndex({ model: file('k16-f16.dqm') });
  assert.equal(index.size, 0);
  assert.equal(index.info.hasLabels, false);
  const x = queryImage(G['k16-f16'], 0);
  throws(() => index.search(x, { k: 1 }), 'search: k = 1 is larger than the index (0 items)');
  index.add(x, 5);
  index.add(queryImage(G['k16-f16'], 1), 6, 1);
  assert.deepEqual(index.search(x, { k: 2 }).map((h) => [h.id, h.label]), [[5, null], [6, 1]]);
  assert.deepEqual(Array.from(index.labels()), [-1, 1]);
  throws(() => index.search(x, { k: 3 }), 'search: k = 3 is larger than the index (2 items)');
  index.dispose();
});

test('pixels: bytes, floats and ImageData-like inputs agree; ImageData is resized and composited', async () => {
  const index = await open();
  const u8 = queryImage(small, 4);
  const want = index.embed(u8);
  const f = Float32Array.from(u8, (v) => v * index.info.scale);
  assert.deepEqual(index.embed(f), want, 'byte × scale in float32 = the byte path');
  assert.deepEqual(index.embed(new Uint8ClampedArray(u8)), want);
  const rgba = (src, w, h, alpha = 255) => {
    const data = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set([src[i], src[i], src[i], alpha], 4 * i);
    return { data, width: w, height: h };
  };
  assert.deepEqual(index.preprocess(rgba(u8, 28, 28)), u8, 'gray RGBA at the model size: the bytes unchanged');
  assert.deepEqual(index.embed(rgba(u8, 28, 28)), want, 'gray RGBA at the model size');
  const up = new Uint8Array(56 * 56);
  for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) up[y * 56 + x] = u8[(y >> 1) * 28 + (x >> 1)];
  assert.deepEqual(index.embed(rgba(up, 56, 56)), want, '2× image area-averaged back to 28×28');
  assert.deepEqual(index.embed(rgba(u8, 28, 28, 0)), index.embed(new Uint8Array(784)), 'transparent = black background');
  const odd = rgba(new Uint8Array(30 * 17).fill(200), 30, 17);
  assert.deepEqual(index.embed(odd), index.embed(new Uint8Array(784).fill(200)), 'uniform image stays uniform when resized');
  throws(() => index.embed({ data: new Uint8ClampedArray(10), width: 2, height: 2 }), 'embed: pixels: ImageData-like data has 10 bytes, expected width × height × 4 = 2 × 2 × 4 = 16');
  throws(() => index.embed({ data: [1, 2, 3, 4], width: 1, height: 1 }), 'needs data as a Uint8ClampedArray or Uint8Array of RGBA bytes, got Array(4)');
  throws(() => index.embed({ data: new Uint8ClampedArray(4), width: 0, height: 1 }), 'needs positive integer width and height');
  index.dispose();

  // RGB model: RGBA -> RGB.
  const rgb = await open('int8-rgb');
  const img = queryImage(G['int8-rgb'], 0);
  const data = new Uint8ClampedArray(8 * 6 * 4);
  for (let p = 0; p < 48; p++) data.set([img[3 * p], img[3 * p + 1], img[3 * p + 2], 255], 4 * p);
  assert.deepEqual(rgb.embed({ data, width: 6, height: 8 }), rgb.embed(img));
  rgb.dispose();
});

// Exact bytes of dq/image.h's rule (integer composite, BT.601 per mille, exact box filter, one
// round-half-up), worked out by hand below; the package used float arithmetic before, which gave
// none of these as bytes (e.g. 127.5 / 255 instead of 128 / 255 for a 0 / 255 pair).
test('pixels: ImageData goes through the core\'s preprocess_rgba: exact bytes', async () => {
  const index = await open(); // 28×28×1, no image section: background black
  const solid = (w, h, px) => {
    const data = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set(px(i % w, Math.floor(i / w)), 4 * i);
    return { data, width: w, height: h };
  };
  const all = (v) => new Uint8Array(784).fill(v);
  // BT.601: 299·10 + 587·200 + 114·30 = 123810 per mille -> 123.81 -> 124.
  assert.deepEqual(index.preprocess(solid(28, 28, () => [10, 200, 30, 255])), all(124));
  // Alpha over black: 255 · 128 / 255 = 128 exactly; 255 · 1 / 255 = 1.
  assert.deepEqual(index.preprocess(solid(28, 28, () => [255, 255, 255, 128])), all(128));
  assert.deepEqual(index.preprocess(solid(28, 28, () => [255, 255, 255, 1])), all(1));
  // Alpha 77 on red 200 over black, gray: 299 · 200 · 77 / (255 · 1000) = 18.0565... -> 18.
  assert.deepEqual(index.preprocess(solid(28, 28, () => [200, 0, 0, 77])), all(18));
  // 56 columns of 0, 255, 0, 255, ...: each output averages one pair, 127.5 -> 128 (half up).
  assert.deepEqual(index.preprocess(solid(56, 28, (x) => (x % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255]))), all(128));
  // 42 columns of 0, 100, 200 repeating -> 28: output 2j covers source 3j (weight 1) and half of
  // 3j + 1: (0 + 100 / 2) / 1.5 = 33.3 -> 33; output 2j + 1: (100 / 2 + 200) / 1.5 = 166.7 -> 167.
  const thirds = index.preprocess(solid(42, 28, (x) => { const v = [0, 100, 200][x % 3]; return [v, v, v, 255]; }));
  assert.deepEqual(thirds, Uint8Array.from({ length: 784 }, (_, i) => (i % 2 ? 167 : 33)));
  // Enlarging 1×1 repeats the pixel; a 2×1 source puts 14 columns of each.
  assert.deepEqual(index.preprocess(solid(1, 1, () => [90, 90, 90, 255])), all(90));
  assert.deepEqual(index.preprocess(solid(2, 1, (x) => (x ? [250, 250, 250, 255] : [6, 6, 6, 255]))), Uint8Array.from({ length: 784 }, (_, i) => (i % 28 < 14 ? 6 : 250)));
  // What search / encode feed the encoder is exactly these bytes.
  const img = solid(42, 28, (x) => { const v = [0, 100, 200][x % 3]; return [v, 50, 255 - v, 200]; });
  assert.deepEqual(index.embed(img), index.embed(index.preprocess(img)));
  assert.deepEqual(index.encode(img), index.encode(index.preprocess(img)));
  // Sizes beyond the core's limits are refused before any pixel is copied in.
  throws(() => index.preprocess({ data: new Uint8Array(20000 * 4), width: 20000, height: 1 }), 'preprocess: image: image size 1x20000: each side must be in [1, 16384]');
  throws(() => index.preprocess(new Uint8Array(784)), 'preprocess: expected an ImageData-like {data, width, height} of RGBA bytes, got Uint8Array(784)');
  index.dispose();

  // 3 channels: RGB kept, alpha composited per channel; 2 rows -> 8 and 3 columns -> 6 by box.
  const rgb = await open('int8-rgb'); // 8×6×3
  assert.deepEqual(rgb.preprocess(solid(6, 8, () => [255, 100, 0, 51])), Uint8Array.from({ length: 144 }, (_, i) => [51, 20, 0][i % 3]));
  const pairs = rgb.preprocess(solid(3, 2, (x, y) => [x * 100, y * 200, 7, 255]));
  // Row y of 8 comes from source row y >> 2; columns 2j, 2j + 1 from source column j.
  assert.deepEqual(pairs, Uint8Array.from({ length: 144 }, (_, i) => {
    const p = Math.floor(i / 3), c = i % 3, y = Math.floor(p / 6), x = p % 6;
    return [Math.floor(x / 2) * 100, (y >> 2) * 200, 7][c];
  }));
  rgb.dispose();
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

test('simd: false loads the baseline module; both can be open at once', async () => {
  const a = await open('small', { simd: false }), b = await open('small', { simd: true });
  assert.equal(a.backend, 'wasm-baseline');
  assert.equal(b.backend, 'wasm-simd128');
  const x = queryImage(small, 5);
  assert.deepEqual(a.search(x, { mode: 'adc' }), b.search(x, { mode: 'adc' }));
  a.dispose();
  b.dispose();
});

test('index.d.ts declares what index.mjs exports', async () => {
  const dts = fs.readFileSync(path.join(DIST, 'index.d.ts'), 'utf8');
  for (const name of Object.keys(deepquan)) {
    if (name === 'default') assert.match(dts, /export default loadIndex;/);
    else if (!['DeepQuanIndex', 'SearchPool', 'Collection'].includes(name)) assert.match(dts, new RegExp(`export declare (function|const) ${name}\\b`), name);
  }
  const proto = Object.getOwnPropertyNames(deepquan.DeepQuanIndex.prototype).filter((n) => n !== 'constructor');
  for (const name of proto) assert.match(dts, new RegExp(`\\n  (readonly )?${name}[(:]`), `DeepQuanIndex.${name} in index.d.ts`);
  void tmpDir;
});

test('entries: node.mjs and index.mjs export the same API; the browser entry reads no files under Node', async () => {
  const browser = await import(pathToFileURL(path.join(DIST, 'index.mjs')).href);
  assert.deepEqual(Object.keys(browser).sort(), Object.keys(deepquan).sort());
  assert.equal(browser.loadIndex, deepquan.loadIndex, 'one module graph: the Node entry re-exports the browser one');
  // Not one node: import is reachable from the browser entry (what a bundler for the browser follows).
  const seen = new Set();
  const walk = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    const src = fs.readFileSync(path.join(DIST, f), 'utf8');
    assert.doesNotMatch(src, /from ['"]node:|import\(['"]node:/, `${f}, reachable from index.mjs, imports a node: module`);
    for (const m of src.matchAll(/(?:from |import\()['"]\.\/([^'"]+)['"]/g)) walk(m[1]);
  };
  walk('index.mjs');
  assert.ok(seen.has('module.mjs') && seen.has('deepquan-simd.mjs') && !seen.has('node-files.mjs'), [...seen].join(' '));
});

test('options.wasm: the .wasm from given bytes or a given URL; bad values refused', async () => {
  const simdBytes = fs.readFileSync(path.join(DIST, 'deepquan-simd.wasm'));
  const baseBytes = new Uint8Array(fs.readFileSync(path.join(DIST, 'deepquan.wasm'))).buffer; // an ArrayBuffer
  const x = queryImage(small, 3);
  const ref = await open('small');
  const want = ref.search(x, { mode: 'adc' });
  for (const [extra, backend] of [
    [{ wasm: { simd: simdBytes } }, 'wasm-simd128'],
    [{ simd: false, wasm: { baseline: baseBytes } }, 'wasm-baseline'],
    [{ simd: false, wasm: { baseline: pathToFileURL(path.join(DIST, 'deepquan.wasm')) } }, 'wasm-baseline'],
    [{ wasm: { simd: path.join(DIST, 'deepquan-simd.wasm') } }, 'wasm-simd128'],
  ]) {
    const index = await open('small', extra);
    assert.equal(index.backend, backend);
    assert.deepEqual(index.search(x, { mode: 'adc' }), want);
    index.dispose();
  }
  ref.dispose();
  // The wrong build's bytes: the SIMD glue cannot run the baseline module's imports, or vice versa;
  // either way an Error, not a hang.
  await rejects(open('small', { simd: true, wasm: { simd: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5]) } }), '');
  const m = file('small.dqm');
  await rejects(loadIndex({ model: m, wasm: 'deepquan.wasm' }), "loadIndex: wasm must be an object { simd?, baseline? }");
  await rejects(loadIndex({ model: m, wasm: null }), 'loadIndex: wasm must be an object');
  await rejects(loadIndex({ model: m, wasm: { simd128: simdBytes } }), "loadIndex: unknown key 'simd128' in options.wasm (expected simd, baseline)");
  await rejects(loadIndex({ model: m, wasm: { simd: 42 } }), 'loadIndex: wasm.simd must be a URL, a non-empty string or the bytes of a .wasm file, got');
  await rejects(loadIndex({ model: m, wasm: { baseline: new Uint8Array(0) } }), 'loadIndex: wasm.baseline is empty (0 bytes)');
  await rejects(deepquan.readDatabase(file('small.dqdb'), { wasm: { simd: '' } }), 'readDatabase: wasm.simd must be a URL, a non-empty string');
});

test('save(): the bytes of a .dqdb with the added items, which the package and the native CLI reopen', async (t) => {
  const index = await open('small');
  const n0 = index.size;
  const q0 = queryImage(small, 0), q1 = queryImage(small, 1);
  index.add(q0, 9001, 2);
  index.add(q1, 9002);
  const bytes = index.save();
  assert.ok(bytes instanceof Uint8Array);
  const again = await loadIndex({ model: file('small.dqm'), database: bytes });
  assert.equal(again.size, n0 + 2);
  assert.deepEqual(Array.from(again.ids().slice(n0)), [9001, 9002]);
  for (const mode of ['sdc', 'adc']) assert.deepEqual(again.search(q1, { k: 5, mode }), index.search(q1, { k: 5, mode }));
  assert.deepEqual(again.code(n0), index.code(n0));
  const top = index.search(q0, { k: 3, mode: 'adc' });
  index.dispose();
  again.dispose();
  const DEEPQUAN = path.join(path.dirname(path.dirname(DIST)), 'build/native/trainer/deepquan');
  if (!fs.existsSync(DEEPQUAN)) return t.skip(`no native CLI at ${DEEPQUAN}`);
  const saved = path.join(tmpDir(), 'saved.dqdb');
  fs.writeFileSync(saved, bytes);
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(DEEPQUAN, ['search', '--model', file('small.dqm'), '--db', saved, '--image', `${file(small.queries)}:0`, '--k', '3', '--mode', 'adc'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').slice(2).map((l) => l.trim().split(/\s+/));
  assert.deepEqual(rows.map((c) => Number(c[1])), top.map((h) => h.id), 'the native CLI ranks the saved database the same');
  // Item 9001 is q0's own code: at the smallest ADC distance any code can have.
  const own = rows.find((c) => c[1] === '9001');
  assert.ok(own && Number(own[2]) === Number(rows[0][2]), `9001 at the top distance: ${r.stdout}`);
  assert.equal(own[3], '2', 'with the added label');
});

test('addBatch: many items in one call, equal to one add each; all or nothing on bad input', async () => {
  const a = await open('small'), b = await open('small');
  const n0 = a.size;
  const imgs = [0, 1, 2, 3].map((q) => queryImage(small, q));
  a.addBatch(imgs, [70, 71, 72, 73], [1, -1, 2, 3]);
  imgs.forEach((x, i) => b.add(x, 70 + i, [1, -1, 2, 3][i]));
  assert.equal(a.size, n0 + 4);
  assert.deepEqual(a.save(), b.save(), 'the same database bytes');
  // A flat byte batch, no labels.
  const flat = new Uint8Array(2 * imgs[0].length);
  flat.set(imgs[0], 0);
  flat.set(imgs[1], imgs[0].length);
  a.addBatch(flat, Uint32Array.of(80, 81));
  assert.deepEqual(Array.from(a.ids().slice(-2)), [80, 81]);
  const before = a.save();
  const bad = Float32Array.from(imgs[0], (v) => v / 255);
  const nan = new Float32Array(2 * bad.length);
  nan.set(bad);
  nan.set(bad, bad.length);
  nan[bad.length + 7] = NaN;
  throws(() => a.addBatch(nan, [1, 2]), 'addBatch');
  throws(() => a.addBatch(imgs, [1, 2, 3]), 'addBatch: 4 images but 3 ids');
  throws(() => a.addBatch(imgs, [1, 2, 3, -4]), 'addBatch: ids[3] must be an integer in [0, 4294967295], got number -4');
  throws(() => a.addBatch(imgs, [1, 2, 3, 4], [0, 0, 0, 1.5]), 'addBatch: labels[3] must be an integer in [-1, 2147483647]');
  throws(() => a.addBatch(imgs, [1, 2, 3, 4], [0]), 'addBatch: 4 images but 1 labels');
  throws(() => a.addBatch(imgs, 'ids'), 'addBatch: ids must be a Uint32Array or an array of integers, got string "ids"');
  assert.deepEqual(a.save(), before, 'nothing was added by a refused batch');
  a.dispose();
  b.dispose();
  throws(() => a.save(), 'disposed');
  throws(() => a.addBatch(imgs, [1, 2, 3, 4]), 'disposed');
});

test('add with labels to an empty index keeps them (the first labelled add creates the labels column)', async () => {
  const index = await loadIndex({ model: file('small.dqm') });
  assert.equal(index.labels(), null);
  const q = [0, 1, 2].map((i) => queryImage(small, i));
  index.addBatch(q.slice(0, 2), [10, 11], [4, 5]);
  index.add(q[2], 12); // unlabelled after labelled: -1
  assert.deepEqual(Array.from(index.labels()), [4, 5, -1]);
  assert.equal(index.info.hasLabels, true);
  assert.deepEqual(index.search(q[0], { k: 1, mode: 'adc' })[0].label, 4);
  const again = await loadIndex({ model: file('small.dqm'), database: index.save() });
  assert.deepEqual(Array.from(again.labels()), [4, 5, -1]);
  index.dispose();
  again.dispose();
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
