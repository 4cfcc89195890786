// Collections (wasm/js/collection.mjs, written by `deepquan export-collection`): a 1,000,000-code
// database served over HTTP with its codes files held back by the test, so the collection must answer
// over what has arrived (and say so) before it is complete, then exactly like the whole database once
// it is; thumbnails and strings fetched per media file on demand; and the Errors of bad collections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pkg, goldenData, file, readIdxImagesFile, tmpDir, ROOT, GOLDEN_BIN } from './_helpers.mjs';

const deepquan = await pkg();
const { loadIndex, openCollection, readDatabase } = deepquan;
const DEEPQUAN = path.join(ROOT, 'build/native/trainer/deepquan');
const G = goldenData().byName;

let bench, big, media, server, base;
const held = new Set(); // codes files the server does not answer yet
const waiting = new Map(); // file -> [release callbacks]
const requests = [];

function exportCollection(model, db, out, extra = []) {
  const r = spawnSync(DEEPQUAN, ['export-collection', '--model', model, '--db', db, '--out', out, ...extra], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(fs.readFileSync(path.join(out, 'collection.json'), 'utf8'));
}

function release(name) {
  held.delete(name);
  for (const go of waiting.get(name) ?? []) go();
  waiting.delete(name);
}

before(async () => {
  bench = tmpDir('dq-collection-bench-');
  const r = spawnSync(GOLDEN_BIN, [bench, '--bench'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  big = path.join(tmpDir('dq-collection-'), 'big');
  exportCollection(path.join(bench, 'bench-32.dqm'), path.join(bench, 'bench-32-1m.dqdb'), big, ['--codes-per-file', '100000']);
  media = path.join(path.dirname(big), 'media'); // served from the same root
  exportCollection(file('small.dqm'), file('small.dqdb'), media, ['--codes-per-file', '200', '--media-per-file', '64']);
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    requests.push(url.pathname);
    const p = path.join(path.dirname(big), decodeURIComponent(url.pathname));
    const send = () => {
      if (!fs.existsSync(p) || !fs.statSync(p).isFile()) {
        res.writeHead(404);
        return res.end();
      }
      const b = fs.readFileSync(p);
      res.writeHead(200, { 'Content-Length': b.length, 'Content-Type': 'application/octet-stream' });
      res.end(b);
    };
    const name = path.basename(p);
    if (held.has(name)) {
      if (!waiting.has(name)) waiting.set(name, []);
      waiting.get(name).push(send);
    } else send();
  });
  await new Promise((r2) => server.listen(0, '127.0.0.1', r2));
  base = `http://127.0.0.1:${server.address().port}/`;
});

after(async () => {
  for (const name of [...held]) release(name);
  if (server) await new Promise((r) => server.close(r));
});

const benchQueries = () => {
  const r = readIdxImagesFile(path.join(bench, 'bench-queries.idx'));
  return Array.from({ length: 5 }, (_, i) => r.image(i));
};

test('a 1,000,000-code collection answers over what has arrived, then like the whole database', async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(big, 'collection.json'), 'utf8'));
  assert.equal(manifest.items, 1000000);
  assert.equal(manifest.codes.length, 10);
  assert.equal(manifest.media, null, 'no thumbnails, no strings: no media files');
  for (const f of manifest.codes.slice(1)) held.add(f.file);
  const seen = [];
  const col = await openCollection({ model: path.join(bench, 'bench-32.dqm'), collection: `${base}big/collection.json`, onProgress: (p) => seen.push(p.items) });
  assert.equal(col.total, 1000000);
  // The first file arrives; the rest are held: the collection answers over 100,000 items.
  const deadline = Date.now() + 30000;
  while (col.covered < 100000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(col.covered, 100000);
  const qs = benchQueries();
  const first = await loadIndex({ model: path.join(bench, 'bench-32.dqm'), database: path.join(big, manifest.codes[0].file) });
  for (const q of qs) {
    const r = col.search(q, { k: 10, mode: 'adc' });
    assert.equal(r.covered, 100000);
    assert.equal(r.total, 1000000);
    assert.deepEqual(r.hits.map(({ id, distance }) => ({ id, distance })), first.search(q, { k: 10, mode: 'adc' }).map(({ id, distance }) => ({ id, distance })));
    for (const h of r.hits) assert.ok(h.position >= 0 && h.position < 100000);
  }
  first.dispose();
  assert.equal(col.covered, 100000, 'nothing more arrived while the files were held');
  for (const f of manifest.codes) release(f.file);
  await col.loaded;
  assert.equal(col.covered, 1000000);
  assert.equal(seen.at(-1), 1000000);
  const whole = await loadIndex({ model: path.join(bench, 'bench-32.dqm'), database: path.join(bench, 'bench-32-1m.dqdb') });
  for (const q of qs) {
    for (const mode of ['sdc', 'adc']) {
      const got = col.search(q, { k: 10, mode });
      const want = whole.search(q, { k: 10, mode });
      // The collection's positions are the whole database's: the hits are equal, positions included.
      assert.deepEqual(got.hits, want);
      assert.deepEqual(got.hits.map((h) => h.position), want.map((h) => whole.positionOf(h.id)));
    }
  }
  whole.dispose();
  col.dispose();
});

test('thumbnails and strings: fetched per media file, only for the items asked about', async () => {
  const all = await readDatabase(file('small.dqdb'));
  const manifest = JSON.parse(fs.readFileSync(path.join(media, 'collection.json'), 'utf8'));
  assert.equal(manifest.media.itemsPerFile, 64);
  assert.deepEqual(manifest.media.thumbShape, all.thumbShape);
  const col = await openCollection({ model: file('small.dqm'), collection: `${base}media/collection.json` });
  await col.loaded;
  const before = requests.filter((r) => r.includes('/media/media-')).length;
  const n = all.thumbShape.reduce((a, b) => a * b, 1);
  assert.equal(all.strings, null, 'this database has no strings (the golden v1.0 one below has)');
  for (const p of [0, 5, 63, 64, 130]) assert.deepEqual(await col.thumbnail(p), all.thumbnails.slice(p * n, (p + 1) * n), `thumbnail ${p}`);
  await assert.rejects(col.string(0), /string: the collection has no metadata strings/);
  const fetched = requests.filter((r) => r.includes('/media/media-')).length - before;
  assert.equal(fetched, 3, 'positions 0-63, 64-127 and 128-191: three media files, each once');
  const q = readIdxImagesFile(file(G.small.queries)).image(0);
  const { hits } = col.search(q, { k: 3 });
  const thumb = await col.thumbnail(hits[0].position);
  const pos = all.ids.indexOf(hits[0].id);
  assert.deepEqual(thumb, all.thumbnails.slice(pos * n, (pos + 1) * n), 'a hit\'s thumbnail by its position');
  await assert.rejects(col.thumbnail(all.size), /thumbnail: position must be an integer in \[0, \d+\], got number \d+/);
  await assert.rejects(col.thumbnail(1.5), /thumbnail: position must be an integer/);
  col.dispose();
  assert.throws(() => col.search(q), /search: the collection has been disposed/);

  // Strings: the golden v1.0 files (4 items with thumbnails and UTF-8 strings), 2 items per media file.
  const g = path.join(path.dirname(big), 'golden');
  exportCollection(path.join(ROOT, 'tests/data/golden-v1.0.dqm'), path.join(ROOT, 'tests/data/golden-v1.0.dqdb'), g, ['--media-per-file', '2']);
  const gdb = await readDatabase(path.join(ROOT, 'tests/data/golden-v1.0.dqdb'));
  const gc = await openCollection({ model: path.join(ROOT, 'tests/data/golden-v1.0.dqm'), collection: `${base}golden/collection.json` });
  await gc.loaded;
  for (let p = 0; p < 4; p++) assert.equal(await gc.string(p), gdb.strings[p]);
  gc.dispose();
});

test('bad collections: Errors that name the file and the problem', async () => {
  const dir = tmpDir('dq-collection-bad-');
  const m = JSON.parse(fs.readFileSync(path.join(media, 'collection.json'), 'utf8'));
  const write = (name, obj) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
    return p;
  };
  for (const f of [...m.codes, ...m.media.files]) fs.copyFileSync(path.join(media, f.file), path.join(dir, f.file));
  const open = (p, model = file('small.dqm')) => openCollection({ model, collection: p });
  await assert.rejects(open(write('a.json', '{"format": ')), /openCollection: .*a\.json is not JSON/);
  await assert.rejects(open(write('b.json', { format: 'other' })), /is not a deepquan collection manifest/);
  await assert.rejects(open(write('c.json', { ...m, version: 2 })), /collection version number 2 is not supported \(this reader: 1\)/);
  await assert.rejects(open(write('d.json', { ...m, items: m.items + 1 })), /codes hold \d+ items, the collection says \d+/);
  await assert.rejects(open(write('e.json', { ...m, codes: [{ file: '../etc/passwd', items: m.items }] })), /codes\[0\]\.file must be a plain file name/);
  await assert.rejects(open(write('f.json', { ...m, items: 200000000, codes: [{ file: m.codes[0].file, items: 200000000 }], media: null })), /200,000,000 items, about \d+ MiB of index memory; one tab's WebAssembly heap is limited to 1 GiB/);
  await assert.rejects(open(path.join(media, 'collection.json'), file('k16-f16.dqm')), /holds codes of M = 4, K = 256; the model has M = 8, K = 16/);
  await assert.rejects(openCollection({ model: file('small.dqm') }), /openCollection: options.collection is required/);
  await assert.rejects(openCollection({ model: file('small.dqm'), collection: 'x', chunk: 1 }), /openCollection: unknown option 'chunk'/);
  // A corrupt codes file: streaming stops there with the core's message; what came before stays.
  const two = exportCollection(file('small.dqm'), file('small.dqdb'), path.join(dir, 'two'), ['--codes-per-file', '100']);
  const bad = path.join(dir, 'two', two.codes[1].file);
  const b = fs.readFileSync(bad);
  b[b.length - 1] ^= 0xff;
  fs.writeFileSync(bad, b);
  const col = await open(path.join(dir, 'two', 'collection.json'));
  await assert.rejects(col.loaded, /collection: database file: .*\(the items before it stay searchable\)/);
  assert.equal(col.covered, 100);
  assert.equal(col.error.message.startsWith('collection: database file:'), true);
  col.dispose();
});

test('export-collection rewrites a collection atomically: the previous files go, the new ones are complete', () => {
  const dir = path.join(tmpDir('dq-collection-rw-'), 'c');
  const first = exportCollection(file('small.dqm'), file('small.dqdb'), dir, ['--codes-per-file', '100', '--media-per-file', '50']);
  const second = exportCollection(file('small.dqm'), file('small.dqdb'), dir, ['--codes-per-file', '300', '--media-per-file', '0']);
  assert.equal(second.media, null);
  const files = fs.readdirSync(dir).sort();
  assert.deepEqual(files, ['collection.json', ...second.codes.map((f) => f.file)].sort(), 'only the new manifest\'s files are left');
  assert.notDeepEqual(first.codes.map((f) => f.file), second.codes.map((f) => f.file));
  const r = spawnSync(DEEPQUAN, ['export-collection', '--model', file('small.dqm'), '--db', file('small.dqdb'), '--out', dir, '--codes-per-file', '0'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /codes-per-file/);
});
