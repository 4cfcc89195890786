// The package in a real browser (headless Chromium via playwright-core): loaded from URLs on the
// page and in a module Web Worker, both builds, against the native golden top-k; a canvas ImageData
// as the query. Skipped, with the reason, when Chromium or playwright-core is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { DIST, goldenData, f32 } from './_helpers.mjs';

const CHROMIUM = process.env.DQ_CHROMIUM || '/usr/bin/chromium';
let playwright = null;
try {
  playwright = await import('playwright-core');
} catch { /* reported as the skip reason */ }
const missing = !fs.existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !playwright ? 'npm playwright-core is not installed' : false;

const MIME = { '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

// Runs in the page or the worker: loads the index, searches every golden query in both modes.
const PROBE = `
export async function probe(loadIndex, simd, base) {
  const events = [];
  const index = await loadIndex({ model: base + 'small.dqm', database: base + 'small.dqdb', simd, onProgress: (p) => events.push(p.phase) });
  const idx = new Uint8Array(await (await fetch(base + 'small-queries.idx')).arrayBuffer());
  const n = new DataView(idx.buffer).getUint32(4);
  const out = { backend: index.backend, phases: [...new Set(events)], sdc: [], adc: [] };
  for (let q = 0; q < n; q++) {
    const x = idx.slice(16 + q * 784, 16 + (q + 1) * 784);
    for (const mode of ['sdc', 'adc']) out[mode].push(index.search(x, { k: 10, mode }));
  }
  if (typeof OffscreenCanvas === 'function') {
    // A canvas round trip: gray pixels drawn, read back as ImageData, searched as such.
    const ctx = new OffscreenCanvas(28, 28).getContext('2d');
    const img = ctx.createImageData(28, 28);
    const x = idx.slice(16, 16 + 784);
    for (let p = 0; p < 784; p++) img.data.set([x[p], x[p], x[p], 255], 4 * p);
    ctx.putImageData(img, 0, 0);
    out.canvas = index.search(ctx.getImageData(0, 0, 28, 28), { k: 10, mode: 'adc' });
  }
  index.dispose();
  return out;
}
`;

const WORKER = `
import { loadIndex } from '/pkg/index.mjs';
import { probe } from '/probe.mjs';
self.onmessage = async (e) => {
  try {
    self.postMessage({ ok: await probe(loadIndex, e.data.simd, '/data/') });
  } catch (err) {
    self.postMessage({ error: String(err && err.message || err) });
  }
};
`;

function serve(dataDir) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let body = null, type = 'text/plain';
    if (url.pathname === '/') [body, type] = ['<!DOCTYPE html><title>deepquan</title>', MIME['.html']];
    else if (url.pathname === '/probe.mjs') [body, type] = [PROBE, MIME['.mjs']];
    else if (url.pathname === '/worker.mjs') [body, type] = [WORKER, MIME['.mjs']];
    else {
      const m = /^\/(pkg|data)\/([\w.-]+)$/.exec(url.pathname);
      const p = m && path.join(m[1] === 'pkg' ? DIST : dataDir, m[2]);
      if (p && fs.existsSync(p)) [body, type] = [fs.readFileSync(p), MIME[path.extname(p)] || 'application/octet-stream'];
    }
    if (body === null) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function check(out, backend, where) {
  const c = goldenData().byName.small;
  assert.equal(out.backend, backend, where);
  assert.deepEqual(out.phases, ['model', 'database', 'init'], `${where}: progress phases`);
  for (const mode of ['sdc', 'adc']) {
    out[mode].forEach((hits, q) => {
      assert.deepEqual(hits.map((h) => h.id), c[mode][q].ids, `${where} ${mode} query ${q}: ids`);
      assert.deepEqual(hits.map((h) => h.distance), c[mode][q].distances.map(f32), `${where} ${mode} query ${q}: distances`);
    });
  }
  assert.deepEqual(out.canvas, out.adc[0], `${where}: canvas ImageData query = byte query`);
}

test('Chromium: page and module worker, SIMD128 and baseline, equal the native golden results', { skip: missing }, async () => {
  const server = await serve(goldenData().dir);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base);
    assert.equal(await page.evaluate(async () => (await import('/pkg/index.mjs')).simdSupported()), true);
    for (const simd of [true, false]) {
      const backend = simd ? 'wasm-simd128' : 'wasm-baseline';
      const onPage = await page.evaluate(async (s) => {
        const { loadIndex } = await import('/pkg/index.mjs');
        const { probe } = await import('/probe.mjs');
        return probe(loadIndex, s, '/data/');
      }, simd);
      check(onPage, backend, `page ${backend}`);
      const inWorker = await page.evaluate((s) => new Promise((resolve) => {
        const w = new Worker('/worker.mjs', { type: 'module' });
        w.onmessage = (e) => {
          w.terminate();
          resolve(e.data);
        };
        w.onerror = (e) => resolve({ error: e.message || 'worker error' });
        w.postMessage({ simd: s });
      }), simd);
      assert.equal(inWorker.error, undefined, `worker: ${inWorker.error}`);
      check(inWorker.ok, backend, `worker ${backend}`);
    }
    // Errors are real Errors in the browser too, with the core's message.
    const msg = await page.evaluate(async () => {
      const { loadIndex } = await import('/pkg/index.mjs');
      try {
        await loadIndex({ model: '/data/small.dqm', database: '/data/paper.dqdb' });
        return 'no error';
      } catch (e) {
        return `${e instanceof Error} ${e.message}`;
      }
    });
    assert.match(msg, /^true database file: model\/database mismatch/);
    const notFound = await page.evaluate(async () => {
      const { loadIndex } = await import('/pkg/index.mjs');
      return loadIndex({ model: 'nope.dqm' }).then(() => 'no error', (e) => e.message);
    });
    assert.equal(notFound, `model: HTTP 404 Not Found for ${base}nope.dqm`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
