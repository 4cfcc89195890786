// The search page in a real Chromium: structure, the load path on the golden files, drawing, and
// every way loading can fail (missing files, corrupt database, no package, no WebAssembly).
// Quality on a trained model is in search.test.mjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  browserMissing, drawStroke, goldenData, touchStroke, waitIdle, launchBrowser, packageMissing, ROOT, screenshotPath, startServer, waitSettled, watch,
} from './harness.mjs';

const noBrowser = browserMissing();
const noPackage = packageMissing();

describe('search page (golden data)', { skip: noBrowser ?? false }, () => {
  let data, server, browser;
  before(async () => {
    data = goldenData();
    server = await startServer({ data: data.dir });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    data?.cleanup();
  });

  test('a missing data directory says which file is missing', async () => {
    const page = await browser.newPage();
    const log = watch(page);
    await page.goto(`${server.url}?data=/data/nowhere/`);
    const s = await waitSettled(page);
    assert.equal(s.ready, false);
    const alert = page.getByRole('alert');
    assert.ok(await alert.isVisible());
    const text = await alert.textContent();
    assert.match(text, /Could not download (model\.dqm|gallery\.dqdb): HTTP 404 Not Found for http:\/\/127\.0\.0\.1:\d+\/data\/nowhere\//);
    assert.match(text, /\?data= directory/);
    assert.equal(await page.getByTestId('progress-text').textContent(), 'failed');
    assert.ok(log.failed.some((f) => f.startsWith('404 ') && f.includes('/data/nowhere/')), log.failed.join('\n'));
    await page.close();
  });

  test('a missing package says where it looked', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}?queries=&pkg=/pkg/not-there.mjs`);
    const s = await waitSettled(page);
    assert.equal(s.ready, false);
    assert.match(s.errors[0], /^Could not load the DeepQuan package from http:\/\/127\.0\.0\.1:\d+\/pkg\/not-there\.mjs: /);
    assert.ok(await page.locator('#error').isVisible());
    await page.close();
  });

  test('the page is laid out with its controls before anything loads', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}?queries=&pkg=/pkg/not-there.mjs`);
    for (const id of ['progress', 'canvas', 'preview', 'clear', 'mode', 'k', 'queries', 'results', 'search-time', 'precision']) {
      assert.equal(await page.getByTestId(id).count(), 1, `data-testid=${id}`);
    }
    assert.deepEqual(await page.getByTestId('mode').evaluate((s) => [...s.options].map((o) => o.value)), ['sdc', 'adc']);
    assert.equal(await page.getByTestId('k').inputValue(), '10');
    assert.deepEqual(await page.getByTestId('canvas').evaluate((c) => [c.width, c.height, getComputedStyle(c).touchAction]), [280, 280, 'none']);
    assert.equal(await page.title(), 'DeepQuan — image search in your browser');
    await page.close();
  });

  test('loads, reaches 100 %, and a drawn stroke returns the gallery ranked', { skip: noPackage ?? false }, async () => {
    const page = await browser.newPage();
    const log = watch(page);
    await page.goto(`${server.url}?queries=`); // the golden data has no query set
    const s = await waitSettled(page);
    assert.deepEqual(s.errors, []);
    assert.equal(s.ready, true);
    assert.equal(s.progress, 100);
    assert.equal(await page.getByTestId('progress').getAttribute('value'), '100');
    assert.equal(await page.getByTestId('progress-text').textContent(), 'ready');
    assert.equal(s.info.size, 4);
    assert.deepEqual([s.info.height, s.info.width, s.info.channels, s.info.M, s.info.K], [4, 4, 1, 2, 16]);
    // K = 16: the index searches with the fast-scan, and the info line names it.
    assert.equal(s.info.scanKernel, 'dq_scan_lut4_blk32__wasmsimd');
    assert.match(await page.getByTestId('info').textContent(),
      / · backend wasm-simd128, scan kernel dq_scan_lut4_blk32__wasmsimd \(4-bit fast-scan, exact re-rank\) · loaded in /);
    assert.equal(await page.getByTestId('query').count(), 0); // no queries.dqdb, 2×2 thumbnails cannot be queries
    assert.match(await page.getByTestId('notice').textContent(), /draw a query instead/);

    await drawStroke(page, [[0.3, 0.2], [0.5, 0.5], [0.6, 0.8]]);
    const r = (await waitIdle(page, 'drawing')).lastResults;
    // k = 10 over 4 items: all four, each once, sorted by distance.
    assert.deepEqual(r.map((x) => x.id).sort((a, b) => a - b), [7, 11, 13, 4000000000]);
    for (let i = 1; i < r.length; i++) assert.ok(r[i - 1].distance <= r[i].distance, `distances sorted: ${JSON.stringify(r)}`);
    const labelOf = { 7: 0, 11: 1, 13: -1, 4000000000: 2 };
    for (const x of r) assert.equal(x.label, labelOf[x.id]);
    const tiles = page.getByTestId('result');
    assert.equal(await tiles.count(), 4);
    assert.deepEqual(await tiles.evaluateAll((els) => els.map((e) => Number(e.dataset.id))), r.map((x) => x.id));
    // Thumbnails are drawn: 2×2 canvases with the stored grey values (id 7 holds 00 11 22 33).
    const px = await page.locator('[data-testid=result][data-id="7"] canvas').evaluate((c) =>
      Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0)));
    assert.deepEqual(px, [0x00, 0x11, 0x22, 0x33]);
    assert.equal(await page.getByTestId('precision').textContent(), '– (label unknown)');
    assert.match(await page.getByTestId('search-time').textContent(), /^\d+(\.\d+)? ms$/);
    // The preview shows what the model was given: a 4×4 image with some ink.
    const preview = await page.getByTestId('preview').evaluate((c) => [c.width, c.height,
      Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).some((v, i) => i % 4 === 0 && v > 0)]);
    assert.deepEqual(preview, [4, 4, true]);

    // Switching the distance re-runs the same query.
    const before = await page.evaluate(() => window.__dq.searches);
    await page.getByTestId('mode').selectOption('adc');
    await page.waitForFunction((n) => window.__dq.searches > n, before);
    assert.equal((await page.evaluate(() => window.__dq.lastResults)).length, 4);
    await page.getByTestId('k').selectOption('5');
    await page.waitForFunction((n) => window.__dq.searches > n + 1, before);

    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.failed, []);
    assert.equal(await page.locator('#error').isHidden(), true);
    await page.screenshot({ path: screenshotPath('golden.png'), fullPage: true });
    await page.close();
  });

  test('an image file is a query (picker, drop, paste); a result click finds more like it; a non-image is refused', { skip: noPackage ?? false }, async () => {
    const page = await browser.newPage();
    const log = watch(page);
    await page.goto(`${server.url}?queries=`);
    await waitSettled(page);
    // An 8×8 RGB gradient, encoded as PNG by the browser itself (lossless, opaque: it decodes back to
    // exactly these bytes).
    const W = 8, H = 8;
    const rgba = [];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgba.push(x * 32, y * 32, (x + y) * 16, 255);
    const png = await page.evaluate(async ({ rgba, W, H }) => {
      const c = new OffscreenCanvas(W, H);
      c.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba), W, H), 0, 0);
      const b = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
      window.__png = b;
      return Array.from(b);
    }, { rgba, W, H });
    // What the package says for the same RGBA under Node.
    const { loadIndex } = await import(path.join(ROOT, 'wasm/dist/node.mjs'));
    const index = await loadIndex({ model: path.join(data.dir, 'model.dqm'), database: path.join(data.dir, 'gallery.dqdb') });
    const want = index.search({ data: new Uint8Array(rgba), width: W, height: H }, { k: 4, mode: 'sdc' }).map((h) => ({ id: h.id, distance: h.distance }));
    const waitNext = async (n) => {
      await page.waitForFunction((k) => window.__dq.searches > k && !window.__dq.busy, n);
      return page.evaluate(() => ({ ...window.__dq }));
    };
    const strip = (r) => r.map(({ id, distance }) => ({ id, distance }));

    let n = await page.evaluate(() => window.__dq.searches);
    await page.getByTestId('file').setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: Buffer.from(png) });
    let s = await waitNext(n);
    assert.equal(s.lastQuery.source, 'image');
    assert.deepEqual(strip(s.lastResults), want, 'the picked file ranks as the package does under Node');
    assert.equal(await page.getByTestId('image-name').textContent(), 'gradient.png (8×8)');
    // The gallery's metadata strings are shown as file names.
    assert.ok((await page.getByTestId('result-name').count()) > 0);

    n = s.searches;
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([window.__png], 'dropped.png', { type: 'image/png' }));
      document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    s = await waitNext(n);
    assert.deepEqual(strip(s.lastResults), want, 'a dropped file');

    n = s.searches;
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([window.__png], 'image.png', { type: 'image/png' }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    s = await waitNext(n);
    assert.deepEqual(strip(s.lastResults), want, 'a pasted image');

    // More like this: a click on the second result searches with its stored code (SDC).
    const second = s.lastResults[1].id;
    n = s.searches;
    await page.locator(`[data-testid=result][data-id="${second}"]`).click();
    s = await waitNext(n);
    assert.equal(s.lastQuery.source, 'result');
    assert.equal(s.lastMode, 'sdc');
    const code = index.code({ id: second });
    assert.deepEqual(strip(s.lastResults), strip(index.searchCode(code, { k: 4 })));
    assert.equal(s.lastResults[0].distance, 0, 'the item itself (or an equal code) first');

    // A text file named .png: the browser's decoder refuses it, the page says which file.
    await page.getByTestId('file').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('this is not a PNG\n') });
    await page.waitForFunction(() => window.__dq.errors.length > 0);
    const errors = await page.evaluate(() => window.__dq.errors);
    assert.match(errors[0], /^notes\.png: not an image this browser can read/);
    index.dispose();
    assert.deepEqual(log.errors, []);
    await page.close();
  });

  test('?simd=false loads the baseline module and ranks the same way', { skip: noPackage ?? false }, async () => {
    const ranked = [];
    for (const simd of ['true', 'false']) {
      const page = await browser.newPage();
      const log = watch(page);
      await page.goto(`${server.url}?queries=&simd=${simd}`);
      const s = await waitSettled(page);
      assert.equal(s.ready, true, s.errors.join('\n'));
      assert.equal(s.info.backend, simd === 'true' ? 'wasm-simd128' : 'wasm-baseline');
      assert.equal(s.info.scanKernel, simd === 'true' ? 'dq_scan_lut4_blk32__wasmsimd' : 'dq_scan_lut4_blk32__scalar');
      await drawStroke(page, [[0.3, 0.2], [0.5, 0.5], [0.6, 0.8]]);
      ranked.push((await waitIdle(page, 'drawing')).lastResults);
      assert.deepEqual(log.errors, []);
      await page.close();
    }
    // Same drawing, same bytes in, bit-identical kernels: same ids and distances.
    assert.deepEqual(ranked[0], ranked[1]);
  });

  test('a truncated database shows the reader\'s message', { skip: noPackage ?? false }, async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}?data=/data/corrupt/&queries=`);
    const s = await waitSettled(page);
    assert.equal(s.ready, false);
    const size = fs.statSync(path.join(ROOT, 'tests/data/golden-v1.0.dqdb')).size;
    assert.equal(s.errors.length, 1);
    assert.match(s.errors[0], /^Could not open the index \(model\.dqm \+ gallery\.dqdb\): /);
    assert.match(s.errors[0], /truncated/);
    assert.ok(s.errors[0].includes(String(size - 100)) && s.errors[0].includes(String(size)), s.errors[0]);
    assert.equal(await page.getByRole('alert').textContent(), s.errors[0]);
    assert.equal(s.progress < 100, true);
    await page.screenshot({ path: screenshotPath('corrupt.png') });
    await page.close();
  });

  test('a corrupt query set is named in the message, with the package reader\'s reason', { skip: noPackage ?? false }, async () => {
    const sub = path.join(data.dir, 'badq');
    fs.mkdirSync(sub);
    for (const f of ['model.dqm', 'gallery.dqdb']) fs.copyFileSync(path.join(data.dir, f), path.join(sub, f));
    const db = fs.readFileSync(path.join(data.dir, 'gallery.dqdb'));
    fs.writeFileSync(path.join(sub, 'queries.dqdb'), db.subarray(0, db.length - 100));
    const page = await browser.newPage();
    await page.goto(`${server.url}?data=/data/badq/`);
    const s = await waitSettled(page);
    assert.equal(s.ready, false);
    assert.deepEqual(s.errors, [`Could not read queries.dqdb: database file: truncated: file is ${db.length - 100} bytes, header says ${db.length}`]);
    await page.close();
  });
});

describe('search page without WebAssembly (V8 --jitless)', { skip: noBrowser ?? false }, () => {
  test('says the browser lacks WebAssembly', async () => {
    const data = goldenData();
    const server = await startServer({ data: data.dir });
    const browser = await launchBrowser(['--js-flags=--jitless']) // V8 without a JIT has no WebAssembly;
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}?queries=`);
      const s = await waitSettled(page);
      assert.equal(s.ready, false);
      assert.deepEqual(s.errors, ['This browser has no WebAssembly (missing or disabled, e.g. by a lockdown or JIT-less mode), which the search needs. Try a current Chrome, Firefox or Safari with it enabled.']);
      assert.ok(await page.getByRole('alert').isVisible());
    } finally {
      await browser.close();
      await server.stop();
      data.cleanup();
    }
  });
});

describe('search page on a touch screen', { skip: noBrowser ?? noPackage ?? false }, () => {
  test('a finger stroke draws through pointer events and searches', async () => {
    const data = goldenData();
    const server = await startServer({ data: data.dir });
    const browser = await launchBrowser([], { hasTouch: true, isMobile: false });
    try {
      const page = await browser.newPage();
      const log = watch(page);
      await page.goto(`${server.url}?queries=`);
      assert.equal((await waitSettled(page)).ready, true);
      await page.evaluate(() => {
        window.__pointerTypes = new Set();
        document.getElementById('canvas').addEventListener('pointermove', (e) => window.__pointerTypes.add(e.pointerType));
      });
      await touchStroke(page, [[0.5, 0.2], [0.45, 0.5], [0.4, 0.8]]);
      await waitIdle(page, 'drawing');
      assert.deepEqual(await page.evaluate(() => [...window.__pointerTypes]), ['touch']);
      assert.equal((await page.evaluate(() => window.__dq.lastResults)).length, 4);
      // The ink is where the finger went: the canvas centre column is lit, a far corner is not.
      const [mid, corner] = await page.getByTestId('canvas').evaluate((c) => {
        const g = c.getContext('2d');
        return [g.getImageData(Math.round(0.45 * c.width), Math.round(0.5 * c.height), 1, 1).data[0], g.getImageData(5, 5, 1, 1).data[0]];
      });
      assert.equal(mid, 255);
      assert.equal(corner, 0);
      assert.deepEqual(log.errors, []);
    } finally {
      await browser.close();
      await server.stop();
      data.cleanup();
    }
  });
});
