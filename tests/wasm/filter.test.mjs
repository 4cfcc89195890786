// Filtered search and removal in the package: a filter ({ labels }, { ids }, { excludeIds },
// { bitmap } or a predicate over positions) acts inside the scan, so a search returns the k nearest
// passing items (every one of them when fewer pass) with the distances of the unfiltered ranking;
// the pool gives the single index's results; native `deepquan search` the same hits; remove /
// removeAt are all or nothing, removed items never come back, and save() excludes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pkg, goldenData, file, readIdxImagesFile, tmpDir, ROOT, CLI, throws } from './_helpers.mjs';

const { loadIndex, loadSearchPool } = await pkg();
const G = goldenData().byName;
const NATIVE_CLI = path.join(ROOT, 'build/native/trainer/deepquan');

const queries = (c, n) => {
  const r = readIdxImagesFile(file(c.queries));
  return Array.from({ length: Math.min(n, r.n) }, (_, i) => r.image(i));
};
const open = (name) => loadIndex({ model: file(`${name}.dqm`), database: file(`${name}.dqdb`) });

// The reference: the unfiltered exact ranking of every item, restricted to the passing positions.
function reference(index, q, k, mode, passes) {
  const ids = index.ids();
  const pos = new Map();
  ids.forEach((id, p) => { if (!pos.has(id)) pos.set(id, p); });
  const all = index.search(q, { k: index.size, mode, exact: true });
  return all.filter((h) => passes(pos.get(h.id))).slice(0, k);
}

// The filters every test runs, each with the position test it means (over `index`).
function filters(index) {
  const ids = index.ids(), labels = index.labels();
  const n = index.size;
  const some = [ids[3], ids[17], ids[n - 1], ids[n >> 1], 4000000000];
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  for (let p = 0; p < n; p += 3) bitmap[p >> 3] |= 1 << (p & 7);
  const out = [
    { name: 'ids', filter: { ids: some }, passes: (p) => some.includes(ids[p]) },
    { name: 'excludeIds', filter: { excludeIds: some }, passes: (p) => !some.includes(ids[p]) },
    { name: 'predicate', filter: (p) => p % 7 === 2, passes: (p) => p % 7 === 2 },
    { name: 'bitmap', filter: { bitmap }, passes: (p) => p % 3 === 0 },
  ];
  if (labels) {
    out.push({ name: 'labels', filter: { labels: [1, 3] }, passes: (p) => labels[p] === 1 || labels[p] === 3 });
    out.push({ name: 'labels -1', filter: { labels: [-1] }, passes: (p) => labels[p] === -1 });
    out.push({
      name: 'labels and excludeIds', filter: { labels: [2], excludeIds: some },
      passes: (p) => labels[p] === 2 && !some.includes(ids[p]),
    });
  }
  return out;
}

for (const name of ['small', 'k16-f16']) {
  test(`${name}: every filter shape returns the k nearest passing items, in the exact ranking's order`, async () => {
    const c = G[name];
    const index = await open(name);
    const qs = queries(c, 3);
    // K = 16: a pool covering the passing items (here: the index) or the exact scan equal the reference.
    const paths = c.K === 16 ? [{ exact: true }, { pool: index.size }] : [{}];
    for (const f of filters(index)) {
      let passing = 0;
      for (let p = 0; p < index.size; p++) passing += f.passes(p);
      for (const mode of ['sdc', 'adc']) {
        for (const k of [1, 10, 40]) {
          for (const extra of paths) {
            const msg = `${f.name} (${passing} pass), ${mode}, k=${k}, ${JSON.stringify(extra)}`;
            for (const q of qs) {
              const got = index.search(q, { k, mode, filter: f.filter, ...extra });
              assert.deepEqual(got, reference(index, q, k, mode, f.passes), msg);
              assert.equal(got.length, Math.min(k, passing), msg);
            }
            assert.deepEqual(index.searchBatch(qs, { k, mode, filter: f.filter, ...extra }),
              qs.map((q) => reference(index, q, k, mode, f.passes)), msg);
          }
        }
      }
      // K = 16's default pool: every hit passes and has its exact distance.
      if (c.K === 16) {
        const exact = new Map(index.search(qs[0], { k: index.size, exact: true }).map((h) => [h.id, h.distance]));
        const pos = new Map(Array.from(index.ids(), (id, p) => [id, p]));
        const hits = index.search(qs[0], { k: 10, filter: f.filter });
        assert.equal(hits.length, Math.min(10, passing));
        for (const h of hits) {
          assert.ok(f.passes(pos.get(h.id)), `${f.name}: id ${h.id} does not pass`);
          assert.equal(h.distance, exact.get(h.id));
        }
      }
      // searchCode filters too.
      const code = index.code(0);
      const ranked = index.searchCode(code, { k: index.size, ...paths[0] });
      assert.deepEqual(index.searchCode(code, { k: 5, filter: f.filter, ...paths[0] }),
        ranked.filter((h) => f.passes(index.positionOf(h.id))).slice(0, 5), f.name);
    }
    index.dispose();
  });
}

test('a filter that leaves 3 items returns those 3 (k = 10), one leaving none returns []', async () => {
  for (const name of ['small', 'k16-f16']) {
    const index = await open(name);
    const q = queries(G[name], 1)[0];
    const ids = index.ids();
    const three = [ids[5], ids[250], ids[index.size - 1]];
    for (const filter of [{ ids: three }, (p) => p === 5 || p === 250 || p === index.size - 1]) {
      const hits = index.search(q, { k: 10, filter });
      assert.equal(hits.length, 3, name);
      assert.deepEqual(hits.map((h) => h.id).sort((a, b) => a - b), [...three].sort((a, b) => a - b), name);
      const full = index.search(q, { k: index.size, exact: G[name].K === 16 });
      assert.deepEqual(hits, full.filter((h) => three.includes(h.id)), name);
    }
    assert.deepEqual(index.search(q, { k: 10, filter: { ids: [] } }), []);
    assert.deepEqual(index.search(q, { k: 10, filter: () => false }), []);
    index.dispose();
  }
});

test('bad filters throw clear Errors', async () => {
  const index = await open('small');
  const k16 = await open('k16-f16');
  const q = queries(G.small, 1)[0];
  throws(() => index.search(q, { filter: { label: [1] } }), "search: unknown filter key 'label' (expected labels, ids, excludeIds, bitmap)");
  throws(() => index.search(q, { filter: {} }), 'search: filter must be a function (position) => boolean or an object with labels, ids, excludeIds and/or bitmap, got an empty object');
  throws(() => index.search(q, { filter: [1, 2] }), 'search: filter must be a function');
  throws(() => index.search(q, { filter: 3 }), 'got number 3');
  throws(() => index.search(q, { filter: { labels: [1, 2.5] } }), 'search: filter.labels[1] must be an integer in [-1, 2147483647], got number 2.5');
  throws(() => index.search(q, { filter: { labels: ['1'] } }), 'filter.labels[0] must be an integer');
  throws(() => index.search(q, { filter: { labels: 1 } }), 'search: filter.labels must be an array of integers, got number 1');
  throws(() => index.searchBatch([q], { filter: { ids: [-1] } }), 'searchBatch: filter.ids[0] must be an integer in [0, 4294967295], got number -1');
  throws(() => index.search(q, { filter: { excludeIds: [2 ** 32] } }), 'filter.excludeIds[0] must be an integer in [0, 4294967295]');
  throws(() => index.search(q, { filter: { bitmap: new Uint8Array(3) } }), 'search: filter.bitmap must be a Uint8Array of ceil(size / 8) = 63 bytes, got Uint8Array(3)');
  throws(() => index.search(q, { filter: () => { throw new Error('boom'); } }), 'search: the filter function threw at position 0: boom');
  throws(() => index.search(q, { filter: (p) => (p < 7 ? true : undefined) }), 'search: the filter function returned undefined for position 7 (expected true or false)');
  throws(() => index.search(q, { filter: () => 1 }), 'returned number 1 for position 0');
  throws(() => k16.search(queries(G['k16-f16'], 1)[0], { filter: { labels: [1] } }), 'search: filter.labels: this index has no labels');
  throws(() => index.searchCode(index.code(0), { filter: { nope: 1 } }), "searchCode: unknown filter key 'nope'");
  index.dispose();
  k16.dispose();
});

test('remove / removeAt: removed items never come back, positions compact in order', async () => {
  for (const name of ['small', 'k16-f16']) {
    const index = await open(name);
    const qs = queries(G[name], 4);
    const exact = G[name].K === 16 ? { exact: true } : {};
    const before = Array.from(index.ids());
    const labelsBefore = index.labels();
    // The nearest item of the first query goes, so a search would surely have returned it.
    const nearest = index.search(qs[0], { k: 1 })[0].id;
    const gone = new Set([nearest, before[0], before[before.length - 1]]);
    assert.equal(index.remove([...gone]), gone.size);
    assert.equal(index.size, before.length - gone.size);
    assert.equal(index.info.size, before.length - gone.size);
    // removeAt: positions of the current (compacted) index, one number or several.
    const at = [10, 2];
    for (const p of at) gone.add(index.ids()[p]);
    index.removeAt(at);
    gone.add(index.ids()[0]);
    index.removeAt(0);
    assert.equal(index.remove(index.ids()[4]), 1);
    assert.equal(index.size, before.length - gone.size - 1);
    const kept = before.filter((id) => !gone.has(id));
    kept.splice(4, 1);
    assert.deepEqual(Array.from(index.ids()), kept, `${name}: the rest, in order`);
    if (labelsBefore) {
      const label = new Map(before.map((id, p) => [id, labelsBefore[p]]));
      assert.deepEqual(Array.from(index.labels()), kept.map((id) => label.get(id)));
    }
    const removed = new Set(before.filter((id) => !kept.includes(id)));
    assert.equal(removed.size, gone.size + 1);
    for (const id of removed) assert.equal(index.positionOf(id), -1);
    for (const mode of ['sdc', 'adc']) {
      for (const opts of [{}, exact, ...(G[name].K === 16 ? [{ pool: index.size }] : [])]) {
        for (const row of index.searchBatch(qs, { k: index.size, mode, ...opts })) {
          assert.equal(row.length, index.size);
          for (const h of row) assert.ok(!removed.has(h.id), `${name} ${mode}: removed id ${h.id} returned`);
        }
      }
      // The fast-scan copy stayed in step: a pool covering the index is the exact scan.
      if (G[name].K === 16) assert.deepEqual(index.search(qs[1], { k: 20, mode, pool: index.size }), index.search(qs[1], { k: 20, mode, exact: true }));
    }
    // add after remove: a new item is found, its id lookups work.
    index.add(qs[2], 4000000001, labelsBefore ? 1 : undefined);
    assert.equal(index.search(qs[2], { k: 1, mode: 'sdc', ...exact })[0].distance, 0);
    assert.equal(index.positionOf(4000000001), index.size - 1);
    index.dispose();
  }
});

test('remove errors: unknown id, duplicates, out-of-range positions remove nothing', async () => {
  const index = await open('small');
  const q = queries(G.small, 1)[0];
  const ids = Array.from(index.ids());
  const hits = index.search(q, { k: 20 });
  throws(() => index.remove([ids[0], 123456789]), 'remove: no item has id 123456789 (nothing removed)');
  throws(() => index.remove([ids[3], ids[3]]), `remove: id ${ids[3]} is listed twice`);
  throws(() => index.remove(-1), 'remove: ids = number -1 is out of range (expected an integer in [0, 4294967295])');
  throws(() => index.remove([1, 'x']), 'remove: ids[1] = string "x" is out of range');
  throws(() => index.remove('3'), 'remove: expected an integer or an array of ids, got string "3"');
  throws(() => index.removeAt([1, 500]), 'removeAt: positions[1] = number 500 is out of range (expected an integer in [0, 499])');
  throws(() => index.removeAt([4, 4]), 'remove: position 4 is listed twice (nothing removed)');
  throws(() => index.removeAt(1.5), 'removeAt: positions = number 1.5 is out of range');
  assert.equal(index.size, 500);
  assert.deepEqual(Array.from(index.ids()), ids);
  assert.deepEqual(index.search(q, { k: 20 }), hits);
  assert.equal(index.remove([]), 0);
  index.removeAt([]);
  assert.equal(index.size, 500);
  index.dispose();
  throws(() => index.remove(1), 'this index has been disposed');
  throws(() => index.removeAt(1), 'this index has been disposed');
});

test('save() after remove excludes the removed items; the bytes reload (package and native CLI)', async () => {
  const index = await open('small');
  const qs = queries(G.small, 3);
  const gone = [index.search(qs[0], { k: 1 })[0].id, 7, 8, 499];
  index.remove(gone);
  const bytes = index.save();
  const again = await loadIndex({ model: file('small.dqm'), database: bytes });
  assert.equal(again.size, 496);
  assert.deepEqual(again.ids(), index.ids());
  assert.deepEqual(again.labels(), index.labels());
  assert.deepEqual(again.thumbnail(100), index.thumbnail(100));
  for (const mode of ['sdc', 'adc']) assert.deepEqual(again.searchBatch(qs, { k: 30, mode }), index.searchBatch(qs, { k: 30, mode }));
  const dir = tmpDir();
  const saved = path.join(dir, 'saved.dqdb');
  fs.writeFileSync(saved, bytes);
  const r = spawnSync(NATIVE_CLI, ['search', '--model', file('small.dqm'), '--db', saved, '--image', `${file(G.small.queries)}:0`, '-k', '496', '--mode', 'sdc'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${NATIVE_CLI}: ${r.stderr}`);
  assert.match(r.stdout, /, 496 items, kernel /);
  const nativeIds = r.stdout.trim().split('\n').slice(2).map((l) => Number(l.trim().split(/\s+/)[1]));
  assert.equal(nativeIds.length, 496);
  for (const id of gone) assert.ok(!nativeIds.includes(id));
  index.dispose();
  again.dispose();
});

test('native deepquan search and deepquan-query --labels / --ids / --exclude-ids give the package\'s filtered hits', async () => {
  assert.ok(fs.existsSync(NATIVE_CLI), `${NATIVE_CLI} is not built: cmake --preset native && cmake --build --preset native`);
  for (const name of ['small', 'k16-f16']) {
    const c = G[name];
    const index = await open(name);
    const q = queries(c, 3)[2];
    const ids = index.ids();
    const some = [ids[1], ids[20], ids[21], ids[300], ids[301], ids[302]];
    const cases = [
      { flags: ['--ids', some.join(',')], filter: { ids: some } },
      { flags: ['--exclude-ids', some.join(',')], filter: { excludeIds: some } },
      ...(c.hasLabels ? [{ flags: ['--labels', '0,2', '--exclude-ids', some.join(',')], filter: { labels: [0, 2], excludeIds: some } }] : []),
    ];
    for (const { flags, filter } of cases) {
      for (const mode of ['sdc', 'adc']) {
        const exact = c.K === 16 ? ['--exact'] : [];
        const r = spawnSync(NATIVE_CLI, ['search', '--model', file(`${name}.dqm`), '--db', file(`${name}.dqdb`), '--image', `${file(c.queries)}:2`,
          '-k', '12', '--mode', mode, ...exact, ...flags], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        const rows = r.stdout.trim().split('\n').slice(2).map((l) => l.trim().split(/\s+/));
        const hits = index.search(q, { k: 12, mode, filter, ...(c.K === 16 ? { exact: true } : {}) });
        const msg = `${name} ${mode} ${flags.join(' ')}`;
        assert.deepEqual(rows.map((row) => Number(row[1])), hits.map((h) => h.id), msg);
        assert.deepEqual(rows.map((row) => row[2]), hits.map((h) => h.distance.toFixed(4)), msg);
        // The Node CLI, same flags: the same hits, distances exact.
        const j = spawnSync(process.execPath, [CLI, '--model', file(`${name}.dqm`), '--db', file(`${name}.dqdb`), '--image', `${file(c.queries)}:2`,
          '--k', '12', '--mode', mode, ...exact, ...flags, '--json'], { encoding: 'utf8' });
        assert.equal(j.status, 0, j.stderr);
        const got = JSON.parse(j.stdout).results;
        assert.deepEqual(got.map((h) => [h.id, h.distance, h.position]), hits.map((h) => [h.id, h.distance, h.position]), `deepquan-query ${msg}`);
      }
    }
    index.dispose();
  }
});

for (const name of ['small', 'k16-f16']) {
  test(`${name}: the pool with filters returns the single index's hits (2 and 3 workers)`, async (t) => {
    const c = G[name];
    const index = await open(name);
    const qs = queries(c, 3);
    const x = c.K === 16 ? { exact: true } : {};
    for (const workers of [2, 3]) {
      const pool = await loadSearchPool({ model: file(`${name}.dqm`), database: file(`${name}.dqdb`), workers });
      // A failed assertion must not leave the workers running (they would keep node alive).
      t.after(() => pool.dispose());
      for (const f of filters(index)) {
        for (const mode of ['sdc', 'adc']) {
          for (const k of [3, 25]) {
            const msg = `${workers} workers, ${f.name}, ${mode}, k=${k}`;
            assert.deepEqual(await pool.search(qs[0], { k, mode, filter: f.filter, ...x }), index.search(qs[0], { k, mode, filter: f.filter, ...x }), msg);
            assert.deepEqual(await pool.searchBatch(qs, { k, mode, filter: f.filter, ...x }), index.searchBatch(qs, { k, mode, filter: f.filter, ...x }), msg);
          }
        }
      }
      // A predicate over global positions leaving 3 items, spread over the shards.
      const three = (p) => p === 0 || p === 201 || p === index.size - 1;
      const hits = await pool.search(qs[1], { k: 10, filter: three, ...x });
      assert.equal(hits.length, 3);
      assert.deepEqual(hits, index.search(qs[1], { k: 10, filter: three, ...x }));
      await assert.rejects(pool.search(qs[0], { filter: { nope: [] } }), /search: unknown filter key 'nope'/);
      await assert.rejects(pool.search(qs[0], { filter: () => 'yes' }), /search: the filter function returned string "yes" for position 0/);
      if (!c.hasLabels) await assert.rejects(pool.search(qs[0], { filter: { labels: [1] } }), /search: filter.labels: this index has no labels/);
      pool.dispose();
    }
    index.dispose();
  });
}

test('memory and JS handles stable over filtered searches, removals and failing filters', async () => {
  const index = await open('small');
  const qs = queries(G.small, 4);
  const bitmap = new Uint8Array(Math.ceil(index.size / 8)).fill(0x55);
  const shapes = [{ labels: [1, 2] }, { ids: [3, 4, 5] }, { excludeIds: [0] }, { labels: [0], ids: [10, 11] }, (p) => p % 5 === 0];
  const round = (i) => {
    const f = shapes[i % shapes.length];
    index.search(qs[i % qs.length], { k: 10, filter: f });
    // A filter the core refuses (the bitmap is one state behind after a removal below).
    try {
      index.search(qs[0], { k: 3, filter: { bitmap: bitmap.subarray(0, 2) } });
    } catch { /* expected */ }
  };
  for (let i = 0; i < 500; i++) round(i);
  index.remove([499]);
  try { index.remove([123456]); } catch { /* expected */ }
  const before = index.memoryUsage();
  for (let i = 0; i < 5000; i++) round(i);
  for (let i = 0; i < 200; i++) {
    try { index.remove([123456]); } catch { /* expected */ }
    try { index.removeAt([index.size]); } catch { /* expected */ }
  }
  assert.deepEqual(index.memoryUsage(), before);
  index.dispose();
});
