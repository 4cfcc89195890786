// A 1,000,000-code collection opened by URL in Chromium (wasm/js/collection.mjs): the page holds back
// every codes file but the first (playwright request routing), so the collection must answer over
// the 100,000 items that arrived and say so; released, it must answer like the whole database does
// under Node. Thumbnails come from media files fetched on demand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from '../../scripts/serve.mjs';
import { DEEPQUAN, PKG_DIR, ROOT, browserMissing, launchBrowser, packageMissing, watch } from './harness.mjs';

const GOLDEN = path.join(ROOT, 'build/native/tests/tools/dq_golden');
const missing = browserMissing() ?? packageMissing() ??
  (!fs.existsSync(DEEPQUAN) || !fs.existsSync(GOLDEN) ? 'the native build (deepquan, dq_golden) is missing' : false);
let work, server, base, browser;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

before(async () => {
  if (missing) return;
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-web-collection-'));
  run(GOLDEN, [work, '--bench']);
  run(DEEPQUAN, ['export-collection', '--model', path.join(work, 'bench-32.dqm'), '--db', path.join(work, 'bench-32-1m.dqdb'), '--out', path.join(work, 'big'), '--codes-per-file', '100000']);
  const web = path.join(work, 'web');
  fs.mkdirSync(web);
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>collection</title>\n');
  server = createServer({ web, pkg: PKG_DIR, data: work });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((r) => server.close(r));
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('a 1 M-code collection answers in the browser before it is complete, then like the whole database', { skip: missing, timeout: 300000 }, async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(work, 'big/collection.json'), 'utf8'));
  const page = await browser.newPage();
  const log = watch(page);
  // Hold every codes file but the first until the test lets them through.
  const heldRoutes = [];
  let holding = true;
  await page.route('**/data/big/codes-*.dqdb', (route) => {
    if (holding && !route.request().url().endsWith(manifest.codes[0].file)) heldRoutes.push(route);
    else route.continue();
  });
  await page.goto(base);
  const qfile = fs.readFileSync(path.join(work, 'bench-queries.idx'));
  const queries = [0, 1, 2].map((i) => Array.from(qfile.subarray(16 + i * 784, 16 + (i + 1) * 784)));
  const early = await page.evaluate(async (qs) => {
    const dq = await import('/pkg/index.mjs');
    window.col = await dq.openCollection({ model: '/data/bench-32.dqm', collection: '/data/big/collection.json' });
    while (window.col.covered < 100000) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // nothing else may arrive while the files are held
    return qs.map((q) => window.col.search(new Uint8Array(q), { k: 10, mode: 'adc' }));
  }, queries);
  for (const r of early) {
    assert.equal(r.covered, 100000);
    assert.equal(r.total, 1000000);
    assert.equal(r.hits.length, 10);
    for (const h of r.hits) assert.ok(h.position < 100000, 'only arrived items');
  }
  assert.ok(heldRoutes.length >= 1, 'the next codes file was requested and held');
  holding = false;
  for (const r of heldRoutes) await r.continue();
  const late = await page.evaluate(async (qs) => {
    await window.col.loaded;
    const out = qs.map((q) => window.col.search(new Uint8Array(q), { k: 10, mode: 'adc' }));
    window.col.dispose();
    return out;
  }, queries);
  // The whole database under Node, for the same queries.
  const { loadIndex } = await import(path.join(PKG_DIR, 'node.mjs'));
  const whole = await loadIndex({ model: path.join(work, 'bench-32.dqm'), database: path.join(work, 'bench-32-1m.dqdb') });
  const first = await loadIndex({ model: path.join(work, 'bench-32.dqm'), database: path.join(work, 'big', manifest.codes[0].file) });
  queries.forEach((q, i) => {
    const strip = (hits) => hits.map(({ id, distance }) => ({ id, distance }));
    assert.deepEqual(strip(early[i].hits), strip(first.search(new Uint8Array(q), { k: 10, mode: 'adc' })), 'early: the first file\'s answer');
    assert.equal(late[i].covered, 1000000);
    assert.deepEqual(strip(late[i].hits), strip(whole.search(new Uint8Array(q), { k: 10, mode: 'adc' })), 'complete: the whole database\'s answer');
  });
  whole.dispose();
  first.dispose();
  assert.deepEqual(log.errors, []);
  await page.close();
});
