// readDatabase (a .dqdb without a model) and info.meta: the contents equal what the index itself
// serves, bad files fail with the core's messages, and reading leaves nothing allocated behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pkg, file, ROOT, rejects } from './_helpers.mjs';

const { loadIndex, readDatabase } = await pkg();
const golden = (f) => fs.readFileSync(path.join(ROOT, 'tests/data', f));

test('readDatabase: the golden database (ids, labels, thumbnails, strings), as fresh copies', async () => {
  const bytes = golden('golden-v1.0.dqdb');
  const db = await readDatabase(bytes);
  assert.deepEqual([db.size, db.M, db.K], [4, 2, 16]);
  assert.deepEqual(Array.from(db.ids), [7, 11, 13, 4000000000]);
  assert.deepEqual(Array.from(db.labels), [0, 1, -1, 2]);
  assert.deepEqual(db.thumbShape, [2, 2, 1]);
  assert.deepEqual(Array.from(db.thumbnails.subarray(0, 4)), [0x00, 0x11, 0x22, 0x33]); // id 7's 2x2 grays
  assert.equal(db.thumbnails.length, 16);
  assert.deepEqual(db.strings, ['zero.png', '', 'grüße', '€']);
  // Copies, not views of the WebAssembly heap (a view would be detached by the next memory growth)
  // nor of the input bytes.
  for (const a of [db.ids, db.labels, db.thumbnails]) {
    assert.notEqual(a.buffer, bytes.buffer);
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, a.byteLength);
  }
  assert.equal(db.thumbnails.constructor, Uint8Array);
});

test('readDatabase: a path, a URL string and bytes agree with what loadIndex serves', async () => {
  for (const name of ['small', 'k16-f16', 'int8-rgb']) {
    const index = await loadIndex({ model: file(`${name}.dqm`), database: file(`${name}.dqdb`) });
    const events = [];
    const fromPath = await readDatabase(file(`${name}.dqdb`), { onProgress: (p) => events.push(p), simd: false });
    const fromBytes = await readDatabase(new Uint8Array(fs.readFileSync(file(`${name}.dqdb`))));
    const fromUrl = await readDatabase(pathToFileURL(file(`${name}.dqdb`)).href);
    assert.deepEqual(fromBytes, fromPath);
    assert.deepEqual(fromUrl, fromPath);
    const size = fs.statSync(file(`${name}.dqdb`)).size;
    assert.deepEqual(events.at(-1), { phase: 'database', loaded: size, total: size });
    const info = index.info;
    assert.equal(fromPath.size, info.size);
    assert.deepEqual([fromPath.M, fromPath.K], [info.M, info.K]);
    assert.deepEqual(fromPath.ids, index.ids());
    assert.deepEqual(fromPath.labels, index.labels());
    assert.deepEqual(fromPath.thumbShape, info.thumbShape);
    if (info.hasThumbnails) {
      const t = info.thumbShape[0] * info.thumbShape[1] * info.thumbShape[2];
      for (const p of [0, info.size - 1]) assert.deepEqual(fromPath.thumbnails.slice(p * t, (p + 1) * t), index.thumbnail(p), `${name} item ${p}`);
    } else {
      assert.equal(fromPath.thumbnails, null);
    }
    index.dispose();
  }
});

test('readDatabase: truncated, foreign, HTML and corrupt files fail with the core\'s messages', async () => {
  const db = golden('golden-v1.0.dqdb');
  await rejects(readDatabase(db.subarray(0, db.length - 100)), new RegExp(`^database file: truncated: file is ${db.length - 100} bytes, header says ${db.length}$`));
  await rejects(readDatabase(db.subarray(0, 10)), /^database file: truncated: /);
  await rejects(readDatabase(golden('golden-v1.0.dqm')), /^database file: bad magic: this is a DeepQuan model file \(\.dqm\), not a database file/);
  const html = Buffer.alloc(100, 0x20);
  html.write('<!doctype html>');
  await rejects(readDatabase(html), /it looks like an HTML page/);
  // A section pointing past the end: patch the second table entry's offset.
  const bad = Buffer.from(db);
  bad.writeUInt32LE(bad.length, 64 + 64 + 8);
  await rejects(readDatabase(bad), /^database file: /);
  const flipped = Buffer.from(db);
  flipped[flipped.length - 40] ^= 0x10;
  await rejects(readDatabase(flipped), /^database file: /);
  await rejects(readDatabase(path.join(ROOT, 'nope.dqdb')), /^database: cannot open .*nope\.dqdb: no such file$/);
});

test('readDatabase: bad arguments are refused by name', async () => {
  const db = golden('golden-v1.0.dqdb');
  await rejects(readDatabase(), /^readDatabase: a source is required/);
  await rejects(readDatabase(db, { simd: 'yes' }), /^readDatabase: simd must be 'auto', true or false, got string "yes"$/);
  await rejects(readDatabase(db, { onProgress: 3 }), /^readDatabase: onProgress must be a function, got number 3$/);
  await rejects(readDatabase(db, { model: 'x' }), /^readDatabase: unknown option 'model'/);
  await rejects(readDatabase(db, null), /^readDatabase: expected an options object \{ onProgress\?, simd\?, wasm\? \}, got null$/);
  await rejects(readDatabase(42), /^database: expected a URL, a file path, an ArrayBuffer or a Uint8Array, got number 42$/);
});

test('readDatabase: good and bad reads leave the heap as they found it', async () => {
  const index = await loadIndex({ model: file('small.dqm'), simd: false }); // same module: its memoryUsage
  const good = fs.readFileSync(file('small.dqdb'));
  const bad = good.subarray(0, good.length - 1);
  for (let i = 0; i < 5; i++) {
    await readDatabase(good, { simd: false });
    await readDatabase(bad, { simd: false }).catch(() => {});
  }
  const before = index.memoryUsage();
  for (let i = 0; i < 200; i++) {
    await readDatabase(good, { simd: false });
    await readDatabase(bad, { simd: false }).catch(() => {});
  }
  assert.deepEqual(index.memoryUsage(), before);
  index.dispose();
});

test('info.meta: the model\'s provenance JSON, a fresh object each time; weights and layers from ARCH', async () => {
  const index = await loadIndex({ model: golden('golden-v1.0-int8.dqm') });
  const info = index.info;
  assert.deepEqual(info.meta, { format: 'golden-v1.0', seed: 0, note: 'readers must keep reading this file' });
  info.meta.seed = 5;
  assert.equal(index.info.meta.seed, 0);
  assert.deepEqual([info.height, info.width, info.channels, info.M, info.K, info.weightType], [4, 4, 1, 2, 16, 'int8']);
  assert.deepEqual(info.layers, [8, 4]);
  index.dispose();
  // dq_golden's models carry the trainer-style META the page reads its dataset from.
  const small = await loadIndex({ model: file('small.dqm') });
  assert.equal(typeof small.info.meta, 'object');
  assert.notEqual(small.info.meta, null);
  small.dispose();
});
