// Saving an index in the browser (wasm/js/storage.mjs) in real Chromium: index.save() with added
// items, IndexedDB and OPFS round trips into a fresh page, and the failures a saved database must
// survive: a quota too small for the new save (set through the DevTools protocol, so it is the
// browser's own QuotaExceededError), a write that fails half-way, and the tab closed during a save.
// After each, the previous save must still load whole, or (closed tab) exactly one of old and new.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from '../../scripts/serve.mjs';
import { PKG_DIR, browserMissing, goldenData, launchBrowser, packageMissing, watch } from './harness.mjs';

const missing = browserMissing() ?? packageMissing() ?? false;
let data, web, server, base, browser;

before(async () => {
  if (missing) return;
  data = goldenData();
  web = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-storage-web-'));
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>storage</title>\n');
  server = createServer({ web, pkg: PKG_DIR, data: data.dir });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((r) => server.close(r));
  if (data) data.cleanup();
  if (web) fs.rmSync(web, { recursive: true, force: true });
});

async function open({ into = browser, beforeStorage = null } = {}) {
  const page = await into.newPage();
  const log = watch(page);
  await page.goto(base);
  if (beforeStorage) await beforeStorage(page);
  // Helpers every test uses inside the page: the package, and an index with `extra` items added.
  await page.evaluate(async () => {
    window.dq = await import('/pkg/index.mjs');
    window.withAdded = async (extra, seed = 1) => {
      const index = await window.dq.loadIndex({ model: '/data/model.dqm', database: '/data/gallery.dqdb' });
      let s = seed;
      const px = new Uint8Array(index.info.inputDim);
      for (let i = 0; i < extra; i++) {
        for (let j = 0; j < px.length; j++) px[j] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
        index.add(px, 1000 + i, i % 3);
      }
      return index;
    };
    window.summary = async (bytes) => {
      const index = await window.dq.loadIndex({ model: '/data/model.dqm', database: bytes });
      const q = new Uint8Array(index.info.inputDim).fill(100);
      const out = { size: index.size, ids: Array.from(index.ids()), hits: index.search(q, { k: Math.min(5, index.size) }) };
      index.dispose();
      return out;
    };
  });
  return { page, log };
}

test('index.save() keeps added items; IndexedDB and OPFS round trips reopen it in a new page', { skip: missing }, async () => {
  const a = await open();
  const want = await a.page.evaluate(async () => {
    const index = await window.withAdded(3);
    const bytes = index.save();
    const stored = [await window.dq.saveToIndexedDB('gallery', index), await window.dq.saveToOPFS('gallery.dqdb', index)];
    const s = await window.summary(bytes);
    const live = index.search(new Uint8Array(index.info.inputDim).fill(100), { k: 5 });
    index.dispose();
    return { s, live, n: bytes.length, stored, opfs: window.dq.opfsSupported() };
  });
  await a.page.close();
  assert.equal(want.opfs, true, 'Chromium has OPFS writable streams');
  assert.equal(want.s.size, 7, '4 stored items + 3 added');
  assert.deepEqual(want.s.ids.slice(4), [1000, 1001, 1002]);
  assert.deepEqual(want.s.hits, want.live, 'the saved database searches like the live index');
  assert.deepEqual(want.stored, [want.n, want.n]);

  const b = await open();
  const got = await b.page.evaluate(async () => ({
    idb: await window.summary(await window.dq.loadFromIndexedDB('gallery')),
    opfs: await window.summary(await window.dq.loadFromOPFS('gallery.dqdb')),
    none: [await window.dq.loadFromIndexedDB('no such key'), await window.dq.loadFromOPFS('nothing.dqdb')],
  }));
  assert.deepEqual(got.idb, want.s);
  assert.deepEqual(got.opfs, want.s);
  assert.deepEqual(got.none, [null, null]);
  assert.deepEqual(b.log.errors, []);
  await b.page.close();
});

test('a save over the quota fails with the browser\'s error and leaves the previous save', { skip: missing }, async () => {
  // The origin's quota, enforced by the browser itself: 64 KB, room for the small database and not
  // for the big one. Chromium's IndexedDB reads the quota once, when the origin first uses it, so
  // this test has a browser profile of its own and sets the quota before anything is stored.
  const own = await launchBrowser();
  let cdp;
  const { page } = await open({
    into: own,
    beforeStorage: async (p) => {
      cdp = await p.context().newCDPSession(p);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: base.replace(/\/$/, ''), quotaSize: 64 * 1024 });
    },
  });
  const before = await page.evaluate(async () => {
    const small = await window.withAdded(1);
    await window.dq.saveToIndexedDB('q', small);
    await window.dq.saveToOPFS('q.dqdb', small);
    const s = await window.summary(small.save());
    small.dispose();
    return s;
  });
  const result = await page.evaluate(async () => {
    const big = await window.withAdded(60000, 7); // about a MB of codes, ids, labels and thumbnails
    const size = big.save().length;
    const errors = [];
    for (const f of [() => window.dq.saveToIndexedDB('q', big), () => window.dq.saveToOPFS('q.dqdb', big)]) {
      try {
        await f();
        errors.push(null);
      } catch (e) {
        errors.push(e.message);
      }
    }
    big.dispose();
    return { size, errors, idb: await window.summary(await window.dq.loadFromIndexedDB('q')), opfs: await window.summary(await window.dq.loadFromOPFS('q.dqdb')) };
  });
  await cdp.detach();
  await own.close();
  assert.ok(result.size > 1e6, `the big database is ${result.size} bytes`);
  assert.match(result.errors[0] ?? 'saved', /^saveToIndexedDB: QuotaExceededError.* \(the previously saved database is unchanged\)$/);
  assert.match(result.errors[1] ?? 'saved', /^saveToOPFS: cannot write 'q\.dqdb': QuotaExceededError: .*\(the previously saved database is unchanged\)$/);
  assert.deepEqual(result.idb, before);
  assert.deepEqual(result.opfs, before);
});

test('a write that fails half-way (OPFS) or a put that throws (IndexedDB) leaves the previous save', { skip: missing }, async () => {
  const { page } = await open();
  const r = await page.evaluate(async () => {
    const old = await window.withAdded(2);
    await window.dq.saveToIndexedDB('h', old);
    await window.dq.saveToOPFS('h.dqdb', old);
    const before = await window.summary(old.save());
    old.dispose();
    const next = await window.withAdded(500, 3);
    // The stream takes the first half of the file, then the disk "fails".
    const proto = FileSystemWritableFileStream.prototype;
    const write = proto.write;
    proto.write = async function (bytes) {
      await write.call(this, bytes.subarray(0, bytes.length >> 1));
      throw new DOMException('simulated disk failure', 'InvalidStateError');
    };
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function () {
      throw new DOMException('simulated failure', 'UnknownError');
    };
    const errors = [];
    for (const f of [() => window.dq.saveToOPFS('h.dqdb', next), () => window.dq.saveToIndexedDB('h', next)]) {
      try {
        await f();
        errors.push(null);
      } catch (e) {
        errors.push(e.message);
      }
    }
    proto.write = write;
    IDBObjectStore.prototype.put = put;
    next.dispose();
    return { before, errors, opfs: await window.summary(await window.dq.loadFromOPFS('h.dqdb')), idb: await window.summary(await window.dq.loadFromIndexedDB('h')) };
  });
  assert.equal(r.errors[0], "saveToOPFS: cannot write 'h.dqdb': InvalidStateError: simulated disk failure (the previously saved database is unchanged)");
  assert.match(r.errors[1] ?? 'saved', /^saveToIndexedDB: UnknownError: simulated failure/);
  assert.deepEqual(r.opfs, r.before);
  assert.deepEqual(r.idb, r.before);
  await page.close();
});

test('the tab closed during a save: the next visit finds the old database or the new one, whole', { skip: missing }, async () => {
  const a = await open();
  const sums = await a.page.evaluate(async () => {
    const old = await window.withAdded(1);
    await window.dq.saveToIndexedDB('t', old);
    await window.dq.saveToOPFS('t.dqdb', old);
    const s = await window.summary(old.save());
    old.dispose();
    window.next = await window.withAdded(40000, 5);
    return { old: s, next: await window.summary(window.next.save()) };
  });
  // Start both saves and close the tab without waiting for either.
  await a.page.evaluate(() => {
    window.dq.saveToIndexedDB('t', window.next);
    window.dq.saveToOPFS('t.dqdb', window.next);
  });
  await a.page.close({ runBeforeUnload: false });
  const b = await open();
  const got = await b.page.evaluate(async () => ({
    idb: await window.summary(await window.dq.loadFromIndexedDB('t')),
    opfs: await window.summary(await window.dq.loadFromOPFS('t.dqdb')),
  }));
  for (const [where, s] of Object.entries(got)) {
    assert.ok(s.size === sums.old.size || s.size === sums.next.size, `${where}: ${s.size} items`);
    assert.deepEqual(s, s.size === sums.old.size ? sums.old : sums.next, `${where}: a whole database`);
  }
  await b.page.close();
});

test('bad arguments and Node: clear Errors', { skip: missing }, async () => {
  const { page } = await open();
  const messages = await page.evaluate(async () => {
    const out = [];
    const model = new Uint8Array(await (await fetch('/data/model.dqm')).arrayBuffer());
    for (const f of [
      () => window.dq.saveToIndexedDB('', new Uint8Array(64)),
      () => window.dq.saveToIndexedDB('k', model),
      () => window.dq.saveToIndexedDB('k', 'gallery.dqdb'),
      () => window.dq.saveToIndexedDB('k', new Uint8Array(0), { stor: 'x' }),
      () => window.dq.saveToOPFS('a/b.dqdb', model),
      () => window.dq.loadFromOPFS('..'),
    ]) {
      try {
        await f();
        out.push('no error');
      } catch (e) {
        out.push(e.message);
      }
    }
    return out;
  });
  assert.deepEqual(messages, [
    'saveToIndexedDB: the key must be a non-empty string, got string ""',
    `saveToIndexedDB: these ${fs.statSync(path.join(data.dir, 'model.dqm')).size} bytes are not a .dqdb database (pass index.save() or the bytes of a .dqdb file)`,
    'saveToIndexedDB: expected a DeepQuanIndex, an ArrayBuffer or a Uint8Array of a .dqdb file, got string "gallery.dqdb"',
    "saveToIndexedDB: unknown option 'stor' (expected database, store)",
    'saveToOPFS: the file name must be a non-empty name without \'/\', \'\\\' or NUL, got string "a/b.dqdb"',
    'loadFromOPFS: the file name must be a non-empty name without \'/\', \'\\\' or NUL, got string ".."',
  ]);
  await page.close();
  const dq = await import(path.join(PKG_DIR, 'node.mjs'));
  await assert.rejects(dq.loadFromIndexedDB('k'), /loadFromIndexedDB: this environment has no IndexedDB \(a browser API\); under Node.js write index.save\(\) to a file/);
  await assert.rejects(dq.saveToOPFS('x.dqdb', fs.readFileSync(path.join(data.dir, 'gallery.dqdb'))), /saveToOPFS: this browser has no origin private file system/);
});
