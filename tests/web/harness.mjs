// Shared helpers for the browser suite (tests/web/*.test.mjs): a real scripts/serve.mjs on an
// ephemeral port, Debian Chromium driven by playwright-core with a fresh profile, console capture,
// and the data sets the tests load (the golden files, and a real model the native trainer trains
// during the run).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(ROOT, 'tests/web/artifacts');
// Overrides (for trying the suite on other builds or data): DQ_PKG_DIR, DQ_CHROMIUM, DQ_DEEPQUAN,
// DQ_WEB_TRAINED_DIR (a directory with model.dqm, gallery.dqdb and queries.dqdb: skips training).
export const PKG_DIR = process.env.DQ_PKG_DIR || path.join(ROOT, 'wasm/dist');
export const CHROMIUM = process.env.DQ_CHROMIUM || '/usr/bin/chromium';
export const DEEPQUAN = process.env.DQ_DEEPQUAN || path.join(ROOT, 'build/native/trainer/deepquan');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

/// Why a browser test cannot run here, or null. (Each test that needs more checks it itself.)
export function browserMissing() {
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  try {
    import.meta.resolve('playwright-core');
  } catch {
    return 'npm playwright-core is not installed (npm ci)';
  }
  return null;
}

export const packageMissing = () =>
  fs.existsSync(path.join(PKG_DIR, 'index.mjs')) ? null : 'wasm/dist/index.mjs is not built (cmake --preset wasm && cmake --build --preset wasm)';

/// Starts `node scripts/serve.mjs` on a free port (or `port`: the same origin again after a stop);
/// resolves to { url, port, stop() }.
export async function startServer({ data, pkg = PKG_DIR, port = 0 } = {}) {
  const args = [path.join(ROOT, 'scripts/serve.mjs'), '--port', String(port), '--quiet'];
  if (fs.existsSync(pkg)) args.push('--pkg', pkg); // else serve.mjs's default (it refuses an explicit missing one)
  if (data) args.push('--data', data);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve.mjs printed no URL within 10 s: ${out} ${stderr}`)), 10000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${stderr}`)));
  });
  child.stdout.resume();
  return {
    url,
    port: Number(new URL(url).port),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

/// Launches Chromium with a fresh user-data-dir; resolves to { context, newPage(), close() }.
export async function launchBrowser(extraArgs = [], contextOptions = {}) {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport: { width: 1100, height: 900 },
    ...contextOptions,
  });
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/// Records what a person would see go wrong: console errors (page and workers), uncaught
/// exceptions, and HTTP responses >= 400.
export function watch(page) {
  const log = { errors: [], failed: [] };
  const onConsole = (where) => (m) => {
    if (m.type() === 'error') log.errors.push(`${where} console.error: ${m.text()}`);
  };
  page.on('console', onConsole('page'));
  page.on('pageerror', (e) => log.errors.push(`page uncaught: ${e.message}`));
  page.on('worker', (w) => {
    if (typeof w.on === 'function') {
      try {
        w.on('console', onConsole('worker'));
      } catch {
        // older playwright-core: worker console is not observable; the page's #error still is
      }
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400) log.failed.push(`${r.status()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => {
    // Chromium's DevTools reports a fetch whose body was read to its end through
    // response.body.getReader() as net::ERR_ABORTED now and then (measured here: 6 of 6 such reads
    // on a page, about 1 in 3 in a worker; never with arrayBuffer()). The page checks every
    // download against its Content-Length and says "cut short" otherwise, so a real truncation
    // still fails the tests through window.__dq.errors.
    const why = r.failure()?.errorText;
    if (why !== 'net::ERR_ABORTED') log.failed.push(`failed ${r.url()}: ${why}`);
  });
  return log;
}

/// Waits until the page is ready or shows an error; returns window.__dq.
export async function waitSettled(page, timeout = 30000) {
  await page.waitForFunction(() => window.__dq && (window.__dq.ready || window.__dq.errors.length > 0), null, { timeout });
  return page.evaluate(() => ({ ...window.__dq }));
}

/// Waits until the page has answered the latest query (no search running or waiting), so
/// lastResults belongs to the finished stroke rather than to a live update in the middle of it.
export async function waitIdle(page, source) {
  await page.waitForFunction((src) => !window.__dq.busy && (!src || window.__dq.lastQuery?.source === src), source);
  return page.evaluate(() => ({ ...window.__dq }));
}

/// Draws a polyline with real mouse events on the page's canvas; points are in [0,1]² of the canvas.
export async function drawStroke(page, points) {
  const box = await page.getByTestId('canvas').boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (let i = 1; i < points.length; i++) await page.mouse.move(...at(points[i]), { steps: 4 });
  await page.mouse.up();
}

/// The same with a finger: raw touch events through the DevTools protocol (Playwright's touchscreen
/// can only tap), which the page receives as pointer events of pointerType 'touch'.
export async function touchStroke(page, points) {
  const box = await page.getByTestId('canvas').boundingBox();
  const cdp = await page.context().newCDPSession(page);
  const tp = ([x, y]) => [{ x: box.x + x * box.width, y: box.y + y * box.height, id: 1 }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: tp(points[0]) });
  for (let i = 1; i < points.length; i++) {
    const [ax, ay] = points[i - 1];
    const [bx, by] = points[i];
    for (let s = 1; s <= 4; s++) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: tp([ax + ((bx - ax) * s) / 4, ay + ((by - ay) * s) / 4]) });
    }
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

export function screenshotPath(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/// A data directory holding the golden model and database (tests/data): a 4×4 input model and a
/// 4-item database with 2×2 thumbnails. Also writes a truncated copy in DIR/corrupt/.
export function goldenData() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-web-golden-'));
  const src = path.join(ROOT, 'tests/data');
  fs.copyFileSync(path.join(src, 'golden-v1.0.dqm'), path.join(dir, 'model.dqm'));
  fs.copyFileSync(path.join(src, 'golden-v1.0.dqdb'), path.join(dir, 'gallery.dqdb'));
  fs.mkdirSync(path.join(dir, 'corrupt'));
  fs.copyFileSync(path.join(src, 'golden-v1.0.dqm'), path.join(dir, 'corrupt/model.dqm'));
  const db = fs.readFileSync(path.join(src, 'golden-v1.0.dqdb'));
  fs.writeFileSync(path.join(dir, 'corrupt/gallery.dqdb'), db.subarray(0, db.length - 100));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/// The export flags scripts/demo.sh trains with (issue 5: the page's three downloads under 2 MB
/// gzip): int4 weights, gallery thumbnails on 8 gray levels. search.test.mjs checks that demo.sh
/// still passes exactly these and that the files they make fit.
export const DEMO_EXPORT_FLAGS = ['--weights', 'int4', '--thumbnail-levels', '8'];

/// A real model for the quality checks: `deepquan train --variant daepq` on mnist10k at the demo's
/// 32 bits with the demo's export flags (so what is measured is what the demo serves), cached under
/// build/web-testdata/ (keyed by the trainer binary's size and mtime and the flags) so reruns reuse
/// it. DAE-PQ (pretraining, then PQ on the latent vectors) is the cheapest real model the trainer
/// makes (about a minute here) and has the demo model's shape, so its files have the demo's sizes;
/// the optimizer's own quality is the trainer suite's business, the page's is this one's.
/// Returns { dir } or { skip: reason }.
export function trainedData({ pretrainIterations = 200 } = {}) {
  if (process.env.DQ_WEB_TRAINED_DIR) return { dir: process.env.DQ_WEB_TRAINED_DIR, cached: true };
  if (!fs.existsSync(DEEPQUAN)) return { skip: `no native trainer at ${DEEPQUAN} (cmake --preset native && cmake --build --preset native)` };
  const mnist = path.join(ROOT, 'data/mnist10k/images-idx3-ubyte.gz');
  if (!fs.existsSync(mnist)) return { skip: 'data/mnist10k is missing (node scripts/prepare-data.mjs)' };
  const st = fs.statSync(DEEPQUAN);
  const flags = ['--dataset', 'mnist10k', '--bits', '32', '--seed', '0', '--variant', 'daepq', ...DEMO_EXPORT_FLAGS,
    '--pretrain-iterations', String(pretrainIterations), '--threads', '2'];
  const key = `${st.size}-${Math.floor(st.mtimeMs)}-${flags.join(' ')}`;
  const dir = path.join(ROOT, 'build/web-testdata/mnist10k-demo');
  const stamp = path.join(dir, 'stamp.txt');
  const have = ['model.dqm', 'gallery.dqdb', 'queries.dqdb'].every((f) => fs.existsSync(path.join(dir, f)));
  if (have && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key) return { dir, cached: true };
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const r = spawnSync(DEEPQUAN, ['train', ...flags, '--out', dir], { cwd: ROOT, encoding: 'utf8', timeout: 15 * 60 * 1000 });
  if (r.status !== 0) {
    throw new Error(`deepquan train failed (${r.status ?? r.signal}):\n${(r.stderr || '').slice(-2000)}\n${(r.stdout || '').slice(-1000)}`);
  }
  fs.writeFileSync(stamp, key);
  return { dir, cached: false, seconds: (Date.now() - t0) / 1000 };
}
