// The page offline (web/sw.js, web/offline.mjs) in a real Chromium: one visit saves the page, the
// package and the data; offline, a reload loads and searches from the saved copy and says so; back
// online, a model retrained into the same directory replaces the saved one.
//
// "Offline" is Playwright's offline emulation (it reaches the service worker's own fetches in
// playwright-core 1.65; it did not in older ones, microsoft/playwright#2311) and the server stopped,
// so no answer can come whatever the emulation covers. The server comes back on the same port: the
// same origin, so the same saved copy.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PKG_DIR, ROOT, browserMissing, drawStroke, goldenData, launchBrowser, packageMissing, screenshotPath, startServer, waitIdle, waitSettled, watch } from './harness.mjs';

const skip = browserMissing() ?? packageMissing() ?? false;

/// Waits for the status line to leave 'pending'; returns window.__dq.offline.
async function offlineState(page) {
  await page.waitForFunction(() => window.__dq.offline && window.__dq.offline.state !== 'pending', null, { timeout: 30000 });
  return page.evaluate(() => window.__dq.offline);
}

/// A search works: a drawn stroke ranks the whole 4-item golden gallery.
async function searchWorks(page) {
  await drawStroke(page, [[0.3, 0.2], [0.5, 0.5], [0.6, 0.8]]);
  const r = (await waitIdle(page, 'drawing')).lastResults;
  assert.deepEqual(r.map((x) => x.id).sort((a, b) => a - b), [7, 11, 13, 4000000000]);
}

describe('the page offline', { skip }, () => {
  let data, server, browser, page, log;
  before(async () => {
    data = goldenData();
    server = await startServer({ data: data.dir });
    browser = await launchBrowser();
    page = await browser.newPage();
    log = watch(page);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    data?.cleanup();
  });

  const goOffline = async () => {
    await browser.context.setOffline(true);
    await server.stop();
  };
  const goOnline = async () => {
    server = await startServer({ data: data.dir, port: server.port });
    await browser.context.setOffline(false);
  };

  test('the first visit saves the page, the package and the data, and says "available offline"', async () => {
    await page.goto(`${server.url}?queries=`);
    const s = await waitSettled(page);
    assert.deepEqual(s.errors, []);
    assert.equal(s.info.weightType, 'f32');
    const o = await offlineState(page);
    assert.equal(o.state, 'online', o.text);
    assert.equal(o.text, 'available offline');
    assert.equal(await page.getByTestId('offline').textContent(), 'available offline');
    const saved = await page.evaluate(async () => (await (await caches.open('deepquan-offline-v1')).keys()).map((r) => r.url));
    const paths = saved.map((u) => new URL(u).pathname);
    for (const p of ['/', '/app.mjs', '/offline.mjs', '/worker.mjs', '/style.css', '/pkg/index.mjs', '/pkg/deepquan.wasm',
      '/pkg/deepquan-simd.wasm', '/data/model.dqm', '/data/gallery.dqdb']) {
      assert.ok(paths.includes(p), `${p} saved (saved: ${paths.join(' ')})`);
    }
    // Every module the package is made of, whatever its file list is today.
    const modules = fs.readdirSync(PKG_DIR).filter((f) => f.endsWith('.mjs'));
    const imported = paths.filter((p) => p.startsWith('/pkg/') && p.endsWith('.mjs'));
    assert.ok(imported.length >= 3 && imported.every((p) => modules.includes(p.slice(5))), imported.join(' '));
    // The saved model is the bytes on disk.
    const bytes = await page.evaluate(async () => {
      const r = await (await caches.open('deepquan-offline-v1')).match(new URL('/data/model.dqm', location.href).href);
      return r.arrayBuffer().then((b) => b.byteLength);
    });
    assert.equal(bytes, fs.statSync(path.join(data.dir, 'model.dqm')).size);
  });

  test('offline, a reload loads from the saved copy, searches, and says so', async () => {
    await goOffline();
    await page.reload();
    const s = await waitSettled(page);
    assert.deepEqual(s.errors, []);
    assert.equal(s.ready, true);
    assert.equal(s.info.weightType, 'f32');
    const o = await offlineState(page);
    assert.equal(o.state, 'offline', o.text);
    assert.match(o.text, /^offline: using the saved copy from .*\d/);
    assert.ok(o.saved > Date.now() - 10 * 60 * 1000 && o.saved <= Date.now(), `saved at ${o.saved}`);
    assert.equal(await page.getByTestId('offline').textContent(), o.text);
    await searchWorks(page);
    await page.screenshot({ path: screenshotPath('offline.png'), fullPage: true });
  });

  test('back online, a model retrained into the same directory replaces the saved one', async () => {
    // The same codebooks with f16 weights: the golden database still fits it, and the page shows
    // which one it loaded.
    fs.copyFileSync(path.join(ROOT, 'tests/data/golden-v1.0-f16.dqm'), path.join(data.dir, 'model.dqm'));
    await goOnline();
    await page.reload();
    let s = await waitSettled(page);
    assert.deepEqual(s.errors, []);
    assert.equal(s.info.weightType, 'f16');
    assert.equal((await offlineState(page)).text, 'available offline');

    await goOffline();
    await page.reload();
    s = await waitSettled(page);
    assert.deepEqual(s.errors, []);
    assert.equal(s.info.weightType, 'f16', 'offline, the page opens the model saved on the last visit');
    assert.equal((await offlineState(page)).state, 'offline');
    await searchWorks(page);
    await goOnline();
  });

  test('no console errors along the way', () => {
    assert.deepEqual(log.errors, []);
  });
});
