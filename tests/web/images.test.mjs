// The page with a 3-channel model trained by `deepquan train --images` on a folder of PNGs (three
// labelled sub-folders, tests/wasm/_image-folder.mjs): dropping a PNG of a gallery image decodes it
// in the browser, the package preprocesses it with the core's preprocess_rgba (the trainer's
// arithmetic), and the image's own code comes first at distance 0; results show colour thumbnails,
// the database's label names (its sub-folders) and the file names; a truncated PNG gets a message
// naming it; no console errors. Screenshot:
// tests/web/artifacts/images-rgb.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { fileKind, trainFolder, writeImageFolder } from '../wasm/_image-folder.mjs';
import { DEEPQUAN, PKG_DIR, browserMissing, launchBrowser, packageMissing, screenshotPath, startServer, waitSettled, watch } from './harness.mjs';

const missing = browserMissing() ?? packageMissing() ?? (fs.existsSync(DEEPQUAN) ? null : `no native trainer at ${DEEPQUAN}`);

describe('search page, a 3-channel model of a PNG folder', { skip: missing ?? false }, () => {
  let dir, root, server, browser;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-web-images-'));
    root = path.join(dir, 'imgs');
    writeImageFolder(root);
    // 24×24 colour thumbnails for a 12×12 model: what the page shows is not the model's input.
    trainFolder(DEEPQUAN, root, path.join(dir, 'data'), { channels: 3, background: '#ffffff', thumbnailSize: '24x24' });
    server = await startServer({ data: path.join(dir, 'data') });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('dropping a PNG of a gallery image finds it first, named, with colour thumbnails', async (t) => {
    const { loadIndex, readDatabase } = await import(path.join(PKG_DIR, 'node.mjs'));
    const model = path.join(dir, 'data/model.dqm'), gallery = path.join(dir, 'data/gallery.dqdb');
    const db = await readDatabase(gallery);
    const index = await loadIndex({ model, database: gallery });
    // An opaque 8-bit gallery PNG (RGB colour type): the browser's canvas stores premultiplied
    // alpha, so only opaque pixels are sure to come back from getImageData as the file holds them.
    const p = db.strings.findIndex((s) => fileKind(s).colorType === 2 && !fileKind(s).depth16);
    assert.ok(p >= 0);
    const rel = db.strings[p];
    const png = fs.readFileSync(path.join(root, rel));
    const { readImageFile } = await import(path.join(PKG_DIR, 'image-file.mjs'));
    const want = index.search(readImageFile(path.join(root, rel)), { k: 5, mode: 'sdc' });
    assert.equal(want[0].distance, 0, 'under Node the file finds its own code');
    assert.ok(want.some((h) => h.id === db.ids[p] && h.distance === 0));

    const page = await browser.newPage();
    const log = watch(page);
    await page.goto(`${server.url}?queries=`);
    const s0 = await waitSettled(page);
    assert.deepEqual(s0.errors, []);
    assert.equal(s0.info.channels, 3);
    assert.equal(s0.info.fromImageFiles, true);
    assert.equal(s0.info.background, '#ffffff');
    await page.getByTestId('k').selectOption('5');
    const n = await page.evaluate(() => window.__dq.searches);
    await page.evaluate(({ bytes, name }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/png' }));
      document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, { bytes: Array.from(png), name: path.basename(rel) });
    await page.waitForFunction((k) => window.__dq.searches > k && !window.__dq.busy, n);
    const s = await page.evaluate(() => ({ ...window.__dq }));
    assert.equal(s.lastQuery.source, 'image');
    assert.deepEqual(s.lastResults.map(({ id, distance }) => ({ id, distance })), want.map(({ id, distance }) => ({ id, distance })),
      'the browser-decoded PNG ranks as the package does on the pngjs-decoded file');
    assert.equal(s.lastResults[0].distance, 0);

    // What a person sees on the first result: a colour thumbnail, the label's folder, the file name.
    const first = page.getByTestId('result').first();
    const hit = want[0], hp = index.positionOf(hit.id);
    assert.equal(await first.locator('.label').textContent(), db.labelNames[db.labels[hp]]);
    assert.equal(await first.getByTestId('result-name').textContent(), path.basename(db.strings[hp]));
    const thumb = await first.locator('canvas').evaluate((c) => [c.width, c.height, Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)]);
    assert.deepEqual(thumb.slice(0, 2), [24, 24]);
    const px = thumb[2];
    assert.ok(px.some((v, i) => i % 4 === 0 && (v !== px[i + 1] || v !== px[i + 2])), 'a colour thumbnail (R, G, B differ somewhere)');
    // The thumbnail drawn is the database's own, pixel for pixel.
    const own24 = db.thumbnails.subarray(hp * 24 * 24 * 3, (hp + 1) * 24 * 24 * 3);
    for (let q = 0; q < 24 * 24; q++) assert.deepEqual(px.slice(4 * q, 4 * q + 3), Array.from(own24.subarray(3 * q, 3 * q + 3)));
    const names = await page.locator('[data-testid=result] .label').allTextContents();
    assert.ok(names.every((l) => ['bands', 'checkers', 'discs'].includes(l)), names.join());
    await page.screenshot({ path: screenshotPath('images-rgb.png'), fullPage: true });
    // Semi-transparent gallery PNGs (RGBA): the canvas premultiplies alpha, so what getImageData
    // returns may be a level off the file's RGB; reported, not required.
    let own = 0, tried = 0;
    for (const [q, rel2] of db.strings.entries()) {
      if (fileKind(rel2).colorType !== 6 || fileKind(rel2).depth16) continue;
      const m = await page.evaluate(() => window.__dq.searches);
      await page.evaluate(({ bytes, name }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/png' }));
        document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, { bytes: Array.from(fs.readFileSync(path.join(root, rel2))), name: path.basename(rel2) });
      await page.waitForFunction((k) => window.__dq.searches > k && !window.__dq.busy, m);
      const r = await page.evaluate(() => window.__dq.lastResults);
      tried++;
      own += r.some((h) => h.id === db.ids[q] && h.distance === 0);
    }
    t.diagnostic(`semi-transparent PNGs dropped on the page: ${own} of ${tried} find their own code at distance 0`);
    // JPEGs: Chromium decodes them with its own libjpeg-turbo; compared (reported, not required)
    // with the native trainer's hits for the same files.
    const { default: jpeg } = await import('jpeg-js');
    const { drawRgba } = await import('../wasm/_image-folder.mjs');
    let sameHits = 0;
    const nj = 6;
    for (let i = 0; i < nj; i++) {
      const rgba = drawRgba(i % 3, 16 + i, 12 + 2 * i, ((s) => () => ((s = (s * 48271) % 2147483647) / 2147483647))(i + 1));
      for (let k = 3; k < rgba.length; k += 4) rgba[k] = 255;
      const jpgFile = path.join(dir, `q${i}.jpg`);
      fs.writeFileSync(jpgFile, jpeg.encode({ data: rgba, width: 16 + i, height: 12 + 2 * i }, 85).data);
      const m = await page.evaluate(() => window.__dq.searches);
      await page.evaluate(({ bytes, name }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/jpeg' }));
        document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, { bytes: Array.from(fs.readFileSync(jpgFile)), name: `q${i}.jpg` });
      await page.waitForFunction((k) => window.__dq.searches > k && !window.__dq.busy, m);
      const got = (await page.evaluate(() => window.__dq.lastResults)).map((h) => `${h.id}:${h.distance.toFixed(4)}`);
      const out = spawnSync(DEEPQUAN, ['search', '--model', model, '--db', gallery, '--image', jpgFile, '-k', '5', '--mode', 'sdc'], { encoding: 'utf8' }).stdout;
      const want = out.trim().split('\n').slice(2).map((l) => { const f = l.trim().split(/\s+/); return `${f[1]}:${Number(f[2]).toFixed(4)}`; });
      sameHits += got.join() === want.join();
    }
    t.diagnostic(`JPEGs dropped on the page (Chromium's decoder): ${sameHits} of ${nj} give the native deepquan search hits`);
    // A truncated PNG: the browser's decoder refuses it and the page names the file.
    await page.getByTestId('file').setInputFiles({ name: 'cut.png', mimeType: 'image/png', buffer: png.subarray(0, png.length >> 1) });
    await page.waitForFunction(() => window.__dq.errors.length > 0);
    assert.match((await page.evaluate(() => window.__dq.errors))[0], /^cut\.png: not an image this browser can read/);
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.failed, []);
    index.dispose();
    await page.close();
  });
});
