// PNG / JPEG files, native vs WebAssembly: a folder of PNGs written with pngjs (RGBA with varied
// alpha, RGB, gray, gray + alpha; 8 and 16 bits; smaller and larger than the model) is trained on and encoded by
// the native trainer (libpng, dq/image.h), then decoded by the package's Node decoder (pngjs) and
// preprocessed by the package (the core's preprocess_rgba in WASM). The thumbnails are stored at the
// model's input size, so they are the model's input bytes: the package must give the same bytes, the
// same codes and find each image first at distance 0, for a 3-channel and a 1-channel model; so must
// palette (1-8 bits, tRNS), low-bit gray, colour-key and Adam7 PNGs written chunk by chunk.
// JPEG: libjpeg-turbo and jpeg-js decode with different IDCT / upsampling, so only a clean decode
// is required (the byte difference is reported). deepquan-query --image on a PNG and a JPEG, equal
// to native deepquan search, and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import jpeg from 'jpeg-js';
import { pkg, tmpDir, goldenData, file, ROOT, DIST, CLI } from './_helpers.mjs';
import { CLASSES, SIZES, drawRgba, rng, runNative, trainFolder, writeImageFolder, writeOddPngs } from './_image-folder.mjs';

const DEEPQUAN = process.env.DQ_DEEPQUAN_BIN || path.join(ROOT, 'build/native/trainer/deepquan');
const { loadIndex, loadSearchPool, readDatabase } = await pkg();
const { readImageFile, decodeImage } = await import(pathToFileURL(path.join(DIST, 'image-file.mjs')).href);

const native = (args) => runNative(DEEPQUAN, args);

function query(args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let folder = null;
/// { root, files (relative paths), jpegs (dir of JPEGs), odd (palette / low-bit / tRNS PNGs), oddFiles,
///   models: { rgb, gray } (dirs with model.dqm, all.dqdb, jpegs.dqdb, odd.dqdb) }
function fixture() {
  if (folder) return folder;
  if (!fs.existsSync(DEEPQUAN)) throw new Error(`${DEEPQUAN} not found: build it with cmake --build --preset native --target deepquan (or set DQ_DEEPQUAN_BIN)`);
  const dir = tmpDir('dq-images-');
  const root = path.join(dir, 'imgs');
  const rand = rng(19);
  const files = writeImageFolder(root, rand);
  const jpegs = path.join(dir, 'jpegs');
  fs.mkdirSync(jpegs);
  for (let i = 0; i < 4; i++) {
    const [w, h] = SIZES[i];
    const rgba = drawRgba(i % 3, w, h, rand);
    for (let p = 3; p < rgba.length; p += 4) rgba[p] = 255;
    fs.writeFileSync(path.join(jpegs, `${i}.jpg`), jpeg.encode({ data: rgba, width: w, height: h }, 90).data);
  }
  const odd = path.join(dir, 'odd');
  const oddFiles = writeOddPngs(odd);
  const models = {};
  for (const [name, channels, background] of [['rgb', 3, '#203040'], ['gray', 1, 'white']]) {
    const out = path.join(dir, name);
    trainFolder(DEEPQUAN, root, out, { channels, background });
    for (const [src, db] of [[root, 'all.dqdb'], [jpegs, 'jpegs.dqdb'], [odd, 'odd.dqdb']]) {
      native(['encode', '--images', src, '--model', path.join(out, 'model.dqm'), '--out', path.join(out, db), '--threads', '1']);
    }
    models[name] = out;
  }
  folder = { root, files, jpegs, odd, oddFiles, models };
  return folder;
}

/// The thumbnail of item p as the model's input bytes (thumbnails are RGB; a gray model's input is
/// not stored, so only the RGB model compares bytes with them).
const thumbOf = (db, p) => {
  const n = db.thumbShape[0] * db.thumbShape[1] * db.thumbShape[2];
  return db.thumbnails.subarray(p * n, (p + 1) * n);
};

for (const name of ['rgb', 'gray']) {
  test(`PNG folder, ${name} model: the package's bytes and codes equal the native trainer's, each image first at distance 0`, async (t) => {
    const { root, files, models } = fixture();
    const model = path.join(models[name], 'model.dqm'), dbFile = path.join(models[name], 'all.dqdb');
    const db = await readDatabase(dbFile);
    assert.deepEqual(db.strings, files, 'the database lists the folder sorted by relative path');
    assert.deepEqual(db.labelNames, [...CLASSES].sort());
    for (const simd of [true, false]) {
      const index = await loadIndex({ model, database: dbFile, simd });
      const info = index.info;
      assert.equal(info.fromImageFiles, true);
      assert.equal(info.background, name === 'rgb' ? '#203040' : '#ffffff');
      assert.equal(info.channels, name === 'rgb' ? 3 : 1);
      let moved = 0;
      for (let p = 0; p < db.size; p++) {
        const img = readImageFile(path.join(root, db.strings[p]));
        const bytes = index.preprocess(img);
        if (name === 'rgb') assert.deepEqual(bytes, thumbOf(db, p), `${db.strings[p]}: the model's input bytes`);
        assert.deepEqual(index.encode(img), index.code(p), `${db.strings[p]} (${index.backend}): the native code`);
        const hit = index.search(img, { k: 1, mode: 'sdc' })[0];
        assert.equal(hit.distance, 0, `${db.strings[p]}: its own code`);
        // Several images may share a code; the lowest position of that code comes first.
        assert.ok(hit.id <= p);
        assert.deepEqual(index.code(hit.id), index.code(p));
        if (hit.id !== p) moved++;
        assert.equal(hit.label, db.labels[hit.id]);
        // Alpha mattered: the same RGB over another background gives other bytes for some pixel.
        if (img.data.some((v, i) => i % 4 === 3 && v < 255)) {
          const opaque = { ...img, data: img.data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
          assert.notDeepEqual(index.preprocess(opaque), bytes, `${db.strings[p]}: alpha is composited`);
        }
      }
      t.diagnostic(`${name} (${index.backend}): ${db.size - moved} of ${db.size} images have a code no earlier image has`);
      assert.ok(moved < db.size / 2, 'codes mostly distinct');
      index.dispose();
    }
  });
}

test('palette (1, 2, 4, 8 bits, tRNS), low-bit gray, colour-key and interlaced PNGs: pngjs gives libpng\'s pixels', async () => {
  const { odd, oddFiles, models } = fixture();
  for (const name of ['rgb', 'gray']) {
    const dbFile = path.join(models[name], 'odd.dqdb');
    const db = await readDatabase(dbFile);
    assert.deepEqual(db.strings, oddFiles);
    const index = await loadIndex({ model: path.join(models[name], 'model.dqm'), database: dbFile });
    let transparent = 0;
    for (let p = 0; p < db.size; p++) {
      const img = readImageFile(path.join(odd, db.strings[p]));
      if (img.data.some((v, i) => i % 4 === 3 && v < 255)) transparent++;
      if (name === 'rgb') assert.deepEqual(index.preprocess(img), thumbOf(db, p), `${db.strings[p]}: the model's input bytes`);
      assert.deepEqual(index.encode(img), index.code(p), `${db.strings[p]} (${name}): the native code`);
    }
    // The palettes' tRNS, both colour keys and the two interlaced ones with alpha.
    assert.equal(transparent, 8);
    index.dispose();
  }
});

// Real files: Debian's openclipart-png (every PNG colour type and bit depth, gamma and text chunks,
// sizes up to the decoders' limits). The first 8 of each category, sorted.
const CLIPART = '/usr/share/openclipart/png';
test('real clip art (openclipart-png, 8 files of each category): pngjs + the package give the native bytes and codes',
  { skip: fs.existsSync(CLIPART) ? false : `${CLIPART} is not installed (apt-get install openclipart-png)` }, async (t) => {
    const { models } = fixture();
    const dir = tmpDir('dq-clipart-');
    for (const cat of fs.readdirSync(CLIPART).sort()) {
      const files = fs.readdirSync(path.join(CLIPART, cat)).filter((f) => f.endsWith('.png')).sort().slice(0, 8);
      if (!files.length) continue;
      fs.mkdirSync(path.join(dir, cat));
      for (const f of files) fs.copyFileSync(path.join(CLIPART, cat, f), path.join(dir, cat, f));
    }
    const dbFile = path.join(dir, 'clip.dqdb');
    // --skip-bad: a few clip-art files are beyond the size limit (16000 × 10534); both sides refuse them.
    native(['encode', '--images', dir, '--model', path.join(models.rgb, 'model.dqm'), '--out', dbFile, '--skip-bad', '--threads', '1']);
    const db = await readDatabase(dbFile);
    assert.ok(db.size >= 100, `${db.size} files`);
    const index = await loadIndex({ model: path.join(models.rgb, 'model.dqm'), database: dbFile });
    for (let p = 0; p < db.size; p++) {
      const img = readImageFile(path.join(dir, db.strings[p]));
      assert.deepEqual(index.preprocess(img), thumbOf(db, p), `${db.strings[p]}: the model's input bytes`);
      assert.deepEqual(index.encode(img), index.code(p), `${db.strings[p]}: the native code`);
    }
    t.diagnostic(`${db.size} clip-art PNGs in ${db.labelNames.length} categories: the same bytes and codes`);
    index.dispose();
  });

test('search pool: an ImageData query is preprocessed by the pool\'s own core, as by the index', async () => {
  const { root, models } = fixture();
  const model = path.join(models.rgb, 'model.dqm'), database = path.join(models.rgb, 'all.dqdb');
  const index = await loadIndex({ model, database });
  const pool = await loadSearchPool({ model, database, workers: 2 });
  try {
    assert.equal(pool.info.background, '#203040');
    const imgs = ['discs/00.png', 'bands/05.png', 'checkers/02.png'].map((f) => readImageFile(path.join(root, f)));
    for (const img of imgs) assert.deepEqual(await pool.search(img, { k: 6 }), index.search(img, { k: 6 }));
    assert.deepEqual(await pool.searchBatch(imgs, { k: 3, mode: 'adc' }), index.searchBatch(imgs, { k: 3, mode: 'adc' }));
  } finally {
    pool.dispose();
    index.dispose();
  }
});

test('JPEG: jpeg-js decodes what libjpeg-turbo decodes (same size; pixels may differ slightly)', async (t) => {
  const { jpegs, models } = fixture();
  const dbFile = path.join(models.rgb, 'jpegs.dqdb');
  const db = await readDatabase(dbFile);
  const index = await loadIndex({ model: path.join(models.rgb, 'model.dqm'), database: dbFile });
  let maxDiff = 0, sameCodes = 0;
  for (let p = 0; p < db.size; p++) {
    const img = readImageFile(path.join(jpegs, db.strings[p]));
    assert.equal(img.format, 'jpeg');
    const [w, h] = SIZES[Number(db.strings[p].split('.')[0])];
    assert.deepEqual([img.width, img.height], [w, h]);
    const bytes = index.preprocess(img), want = thumbOf(db, p);
    for (let i = 0; i < bytes.length; i++) maxDiff = Math.max(maxDiff, Math.abs(bytes[i] - want[i]));
    if (index.encode(img).every((c, m) => c === index.code(p)[m])) sameCodes++;
  }
  t.diagnostic(`JPEG, jpeg-js vs libjpeg-turbo after preprocessing: max byte difference ${maxDiff}, ${sameCodes} of ${db.size} codes equal`);
  index.dispose();
});

/// Rows of a deepquan-query or deepquan search table: [id, distance, names...].
const rows = (out, idCol, distCol) => out.trim().split('\n').slice(2).map((l) => {
  const f = l.trim().split(/\s+/);
  return { id: Number(f[idCol]), distance: Number(f[distCol]), names: f.slice(4) };
});

test('deepquan-query --image PNG / JPEG: the native search results, with label and file names', async () => {
  const { root, jpegs, models } = fixture();
  const base = ['--model', path.join(models.rgb, 'model.dqm'), '--db', path.join(models.rgb, 'all.dqdb')];
  for (const file of [path.join(root, 'bands/03.png'), path.join(jpegs, '1.jpg')]) {
    for (const mode of ['sdc', 'adc']) {
      const r = query([...base, '--image', file, '--k', '5', '--mode', mode]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out.split('\n')[0], new RegExp(`^query ${file.replace(/[.]/g, '\\.')}, ${mode}, 36 items, wasm-`));
      const got = rows(r.out, 1, 3);
      const want = rows(native(['search', ...base, '--image', file, '-k', '5', '--mode', mode]), 1, 2);
      if (file.endsWith('.png')) {
        // Native prints 4 decimals, the package 7 significant digits.
        assert.deepEqual(got.map((h) => h.id), want.map((h) => h.id), `${file} ${mode}: native ids`);
        got.forEach((h, i) => assert.ok(Math.abs(h.distance - want[i].distance) < 6e-5, `${file} ${mode}: distance ${h.distance} vs ${want[i].distance}`));
        assert.deepEqual(got.map((h) => h.names), want.map((h) => h.names), 'label and file names as native prints them');
      }
      got.forEach((h) => assert.equal(h.names.length, 2, 'a label name and a file name'));
    }
  }
  // JSON: the first hit is bands/03.png's own code (position 3: bands sort first), or an earlier
  // item with the same code; named by its label's folder and its path.
  const db = await readDatabase(path.join(models.rgb, 'all.dqdb'));
  assert.equal(db.strings[3], 'bands/03.png');
  const j = JSON.parse(query([...base, '--image', path.join(root, 'bands/03.png'), '--k', '1', '--json']).out);
  const id = j.results[0].id;
  assert.ok(id <= 3);
  assert.deepEqual(db.ids.slice(0, 4), Uint32Array.of(0, 1, 2, 3));
  assert.deepEqual(j.results[0], { rank: 1, id, position: id, label: db.labels[id], distance: 0, labelName: db.labelNames[db.labels[id]], string: db.strings[id] });
});

test('deepquan-query --image: bad files are named, exit 1; an index after a PNG is a usage error', () => {
  const { root, models } = fixture();
  const base = ['--model', path.join(models.rgb, 'model.dqm'), '--db', path.join(models.rgb, 'all.dqdb')];
  const dir = tmpDir();
  const good = fs.readFileSync(path.join(root, 'discs/00.png'));
  const cases = [
    ['text.png', Buffer.from('hello, I am not a picture\n'), 'text.png: not a PNG or JPEG file (first bytes: 68 65 6c 6c 6f 2c 20 49)'],
    ['empty.jpg', Buffer.alloc(0), 'empty.jpg: not a PNG or JPEG file (first bytes: none, the file is empty)'],
    ['cut.png', good.subarray(0, Math.floor(good.length / 2)), 'cut.png: cannot decode PNG: truncated (no IEND chunk at the end): '],
    ['header.png', good.subarray(0, 20), 'header.png: cannot decode PNG: truncated (no IEND chunk at the end): no IHDR chunk where a PNG starts'],
    ['cut.jpg', fs.readFileSync(path.join(fixture().jpegs, '0.jpg')).subarray(0, 200), 'cut.jpg: cannot decode JPEG: truncated (no end-of-image marker): '],
  ];
  // A 60000 × 60000 claim in a valid PNG's IHDR: refused from the header, before decoding.
  const huge = Buffer.from(good);
  huge.writeUInt32BE(60000, 16);
  huge.writeUInt32BE(60000, 20);
  cases.push(['huge.png', huge, 'huge.png: cannot decode PNG: PNG is 60000x60000 (width x height): each side must be in [1, 16384]']);
  // The same claim in a JPEG's frame header (SOF0: FF C0, length, precision, height, width).
  const bigJpeg = Buffer.from(fs.readFileSync(path.join(fixture().jpegs, '0.jpg')));
  const sof = bigJpeg.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(sof > 0);
  bigJpeg.writeUInt16BE(60000, sof + 5);
  bigJpeg.writeUInt16BE(60000, sof + 7);
  cases.push(['huge.jpg', bigJpeg, 'huge.jpg: cannot decode JPEG: JPEG is 60000x60000 (width x height): each side must be in [1, 16384]']);
  // A photo named .idx is still read as what its bytes say.
  cases.push(['photo.idx', good, null]);
  for (const [name, bytes, message] of cases) {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    const r = query([...base, '--image', f]);
    if (message === null) {
      assert.equal(r.code, 0, `${name}: ${r.err}`);
      continue;
    }
    assert.equal(r.code, 1, `${name}: ${r.out}`);
    assert.ok(r.err.startsWith(`deepquan-query: ${dir}/`), r.err);
    assert.ok(r.err.includes(message), `${name}: "${r.err}" should contain "${message}"`);
    assert.equal(r.err.trim().split('\n').length, 1, 'one line, no stack');
  }
  let r = query([...base, '--image', path.join(dir, 'missing.png')]);
  assert.equal(r.code, 1);
  assert.equal(r.err, `deepquan-query: ${path.join(dir, 'missing.png')}: cannot read: no such file\n`);
  r = query([...base, '--image', `${path.join(root, 'discs/00.png')}:1`]);
  assert.equal(r.code, 2);
  assert.ok(r.err.includes('a PNG or JPEG file holds one image (index 0)'), r.err);
  // The package's decoder directly: the same messages, naming what it was given.
  assert.throws(() => decodeImage(new Uint8Array([1, 2, 3]), 'x.png'), /^Error: x\.png: not a PNG or JPEG file/);
});

test('deepquan-query --image PNG on a model of a pixel dataset (no image section): composited over black, as the package does', async () => {
  const { root } = fixture();
  const g = goldenData().byName.small; // 28×28×1, trained on IDX-style pixels
  const model = file('small.dqm'), database = file('small.dqdb');
  const index = await loadIndex({ model, database });
  assert.equal(index.info.fromImageFiles, false);
  assert.equal(index.info.background, '#000000');
  const png = path.join(root, 'discs/00.png'); // RGBA with transparent pixels
  const img = readImageFile(png);
  const black = { ...img, data: img.data.map((v, i) => (i % 4 === 3 ? 255 : (v * img.data[i - (i % 4) + 3] + 127) / 255)) };
  const r = query(['--model', model, '--db', database, '--image', png, '--k', '4', '--json']);
  assert.equal(r.code, 0, r.err);
  const hits = JSON.parse(r.out).results.map(({ id, distance }) => ({ id, distance }));
  assert.deepEqual(hits, index.search(img, { k: 4 }).map(({ id, distance }) => ({ id, distance })));
  assert.equal(g.size, index.size);
  // Over black: alpha-premultiplied RGB, made opaque, gives the same bytes up to the one rounding.
  const a = index.preprocess(img), b = index.preprocess(black);
  assert.ok(a.every((v, i) => Math.abs(v - b[i]) <= 1));
  index.dispose();
});
