// bench-peers.mjs --chromium: the same engines, vectors and queries in a Chromium page (Debian's chromium
// through playwright-core, tests/web/harness.mjs), one fresh browser per engine so that no engine's heap or
// JIT state carries into the next. Writes the data into a work directory, serves it beside node_modules, the
// deepquan package and scripts/bench (serve.mjs), runs page.mjs's runPage and puts the figures into the Node
// rows as `chromium`: p50 / p99 (median and spread of the same number of passes), the one build's time and the
// recall@10 of what the page returned against the exact ranking.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from '../../serve.mjs';
import { launchBrowser } from '../../../tests/web/harness.mjs';
import { recallAtK } from './metrics.mjs';
import { PAGE_FILES } from './page.mjs';

const raw = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/// rows: bench-peers.mjs's rows (updated in place). data: its data object; files: { model, galleryBytes,
/// collection (the directory of the gallery's collection, or absent) }.
export async function runChromium({ root, pkgDir, engines, rows, data, files, truth, runs, k, quick, log }) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-peers-chromium-'));
  const dir = path.join(work, 'data'), web = path.join(work, 'web');
  fs.mkdirSync(dir);
  fs.mkdirSync(web);
  const inDim = data.queryImages[0].length;
  const qimg = new Uint8Array(data.nq * inDim);
  data.queryImages.forEach((im, i) => qimg.set(im, i * inDim));
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ d: data.d, n: data.n, nq: data.nq, inDim, vectorsGzipBytes: data.vectorsGzipBytes }));
  fs.writeFileSync(path.join(dir, 'gallery.f32'), raw(data.gallery));
  fs.writeFileSync(path.join(dir, 'queries.f32'), raw(data.queries));
  fs.writeFileSync(path.join(dir, 'query-images.u8'), qimg);
  fs.writeFileSync(path.join(dir, 'ids.u32'), raw(Uint32Array.from(data.ids)));
  if (engines.includes('deepquan')) {
    fs.copyFileSync(files.model, path.join(dir, 'model.dqm'));
    fs.writeFileSync(path.join(dir, 'gallery.dqdb'), await files.galleryBytes());
    if (files.collection) fs.cpSync(files.collection, path.join(dir, 'collection'), { recursive: true });
  }
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>peers</title>\n');
  // The page reaches the packages and the adapters through links in its own root (serve.mjs follows them).
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(web, 'modules'));
  fs.symlinkSync(path.join(root, 'scripts', 'bench'), path.join(web, 'bench'));
  // Cross-origin isolated: per-query timings in the page need finer steps than the 100 µs Chromium gives otherwise.
  const server = createServer({ web, pkg: pkgDir, data: dir, isolated: true });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    for (const engine of engines) {
      const mine = rows.filter((r) => r.engine === engine);
      if (!PAGE_FILES[engine]) {
        for (const r of mine) r.chromium = { status: 'no browser build' };
        continue;
      }
      if (mine.every((r) => r.status !== 'ok')) continue; // not installed or failed in Node: nothing to compare
      log(`chromium: ${engine}`);
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        await page.goto(`${base}/`);
        const version = await page.evaluate(() => navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? navigator.userAgent);
        if (!(await page.evaluate(() => globalThis.crossOriginIsolated))) throw new Error('the page is not cross-origin isolated: its clock would be too coarse');
        const got = await page.evaluate(async (o) => (await import('/bench/peers/page.mjs')).runPage(o),
          { engine, data: '/data', modules: '/modules', pkg: '/pkg', runs, k, quick, collection: !!files.collection });
        for (const g of got) {
          const r = mine.find((x) => x.setting === g.setting);
          if (!r) continue;
          r.chromium = g.status !== 'ok' ? { status: 'failed', message: g.message, version }
            : { status: 'ok', version, latency: g.latency, build_ms: g.build_ms, recall_at_10: recallAtK(g.found.map((f) => Int32Array.from(f)), truth, k) };
          log(`chromium: ${engine} / ${g.setting}: ${g.status === 'ok' ? `recall@10 ${r.chromium.recall_at_10.toFixed(3)}, p50 ${g.latency.p50_ms.median.toFixed(3)} ms` : `failed: ${g.message}`}`);
        }
      } catch (e) {
        const message = String(e?.message ?? e).split('\n')[0];
        log(`chromium: ${engine}: failed: ${message}`);
        for (const r of mine) r.chromium ??= { status: 'failed', message };
      } finally {
        await browser.close();
      }
    }
  } finally {
    server.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
