// Adding to an index: add, addBatch (all or nothing), labels on an empty index, and save() whose bytes the
// package and the native CLI reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { goldenSetup, file, tmpDir, DIST, throws } from './_helpers.mjs';

const { deepquan, loadIndex, G, small, open, queryImage } = await goldenSetup();

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
