// The package as a web app's dependency: `npm pack` of wasm/dist, installed into a fresh project,
// imported unmodified as `import { loadIndex } from 'deepquan'`, bundled for the browser by esbuild,
// Vite and webpack 5, served, and run in Chromium on a real trained model. Each bundle must load
// the .wasm the way its bundler handles assets, reach no node: import, and return the same hits as
// the package under Node on the same files and pixels.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { createServer } from '../../scripts/serve.mjs';
import { PKG_DIR, ROOT, browserMissing, launchBrowser, packageMissing, trainedData, watch } from './harness.mjs';

const missing = browserMissing() ?? packageMissing();
// The real model of the browser suite (trained once, cached under build/web-testdata/).
const trained = missing ? null : trainedData();
const skip = missing ?? trained.skip ?? false;
const QUERIES = 6;

// The app every bundler builds: window.dqRun(queries) loads the model and gallery from /data/ and
// searches each query both ways. `?wasm=URL` passes the .wasm location as an option instead.
const APP = `import { loadIndex, loadSearchPool, readDatabase, version } from 'deepquan';

window.dqRun = async (queries, opts = {}, poolOpts = {}) => {
  const files = { model: '/data/model.dqm', database: '/data/gallery.dqdb' };
  const index = await loadIndex({ ...files, ...opts });
  // The same searches on a pool of two module Workers, which the bundler must have bundled too.
  const pool = await loadSearchPool({ ...files, ...opts, ...poolOpts, workers: 2 });
  try {
    const hits = [], pooled = [];
    for (const q of queries) {
      for (const mode of ['sdc', 'adc']) {
        hits.push(index.search(new Uint8Array(q), { k: 10, mode }));
        pooled.push(await pool.search(new Uint8Array(q), { k: 10, mode }));
      }
    }
    const db = await readDatabase('/data/queries.dqdb', opts);
    return { version, backend: index.backend, size: index.size, hits, pooled, querySize: db.size };
  } finally {
    index.dispose();
    pool.dispose();
  }
};
window.dqReady = true;
`;

let work, tarball, expected, server, base, browser;

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/// A fresh project with the packed package installed, as a user would have it.
function project(name) {
  const dir = path.join(work, name);
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `dq-${name}`, private: true, type: 'module' }));
  // --prefer-offline, not --offline: the package's own dependencies (pngjs, jpeg-js) are resolved from
  // their registry metadata, which `npm ci` of the workspace does not cache (it reads the lock file):
  // on a fresh machine --offline failed with ENOTCACHED. The tarballs themselves come from the cache.
  run('npm', ['install', '--no-save', '--prefer-offline', '--loglevel=error', tarball], dir);
  fs.writeFileSync(path.join(dir, 'src/app.js'), APP);
  return dir;
}

const html = (script) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>bundled deepquan</title>\n${script}\n`;

before(async () => {
  if (skip) return;
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-bundlers-'));
  tarball = path.join(work, run('npm', ['pack', '--silent', '--pack-destination', work, PKG_DIR], work).trim().split('\n').pop());

  // What the package says under Node for the same files and pixels.
  const dq = await import(pathToFileURL(path.join(PKG_DIR, 'node.mjs')).href);
  const qdb = await dq.readDatabase(path.join(trained.dir, 'queries.dqdb'));
  const px = qdb.thumbShape.reduce((a, b) => a * b, 1);
  const queries = [];
  for (let i = 0; i < QUERIES; i++) queries.push(Array.from(qdb.thumbnails.subarray(i * px, (i + 1) * px)));
  const index = await dq.loadIndex({ model: path.join(trained.dir, 'model.dqm'), database: path.join(trained.dir, 'gallery.dqdb') });
  assert.equal(index.info.inputDim, px, 'the query thumbnails have the model input shape');
  const hits = [];
  for (const q of queries) for (const mode of ['sdc', 'adc']) hits.push(index.search(new Uint8Array(q), { k: 10, mode }));
  expected = { queries, hits, size: index.size, version: dq.version, querySize: qdb.size };
  index.dispose();

  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((r) => server.close(r));
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/// Serves `dir` at / and the trained files at /data/; opens `page` (default index.html) and runs
/// the app; returns its result and what went wrong on the page.
async function runBundle(dir, { page: file = 'index.html', query = '', opts, poolOpts } = {}) {
  if (server) await new Promise((r) => server.close(r));
  server = createServer({ web: dir, pkg: PKG_DIR, data: trained.dir });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}/`;
  const page = await browser.newPage();
  const log = watch(page);
  const wasmRequests = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm')) wasmRequests.push(new URL(r.url()).pathname);
  });
  try {
    await page.goto(`${base}${file}${query}`);
    await page.waitForFunction(() => window.dqReady === true, null, { timeout: 20000 });
    const run = page.evaluate(({ q, o, p }) => window.dqRun(q, o, p), { q: expected.queries, o: opts, p: poolOpts });
    let timer;
    const result = await Promise.race([run, new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the bundled app did not answer within 60 s: ${JSON.stringify(log)}`)), 60000);
    })]).finally(() => clearTimeout(timer));
    return { result, log, wasmRequests };
  } finally {
    await page.close();
  }
}

function checkResult({ result, log, wasmRequests }, what) {
  assert.deepEqual(log.errors, [], `${what}: no errors on the page`);
  assert.deepEqual(log.failed, [], `${what}: no failed requests`);
  assert.equal(result.backend, 'wasm-simd128', `${what}: Chromium runs the SIMD128 build`);
  assert.equal(result.version, expected.version);
  assert.equal(result.size, expected.size);
  assert.equal(result.querySize, expected.querySize);
  assert.deepEqual(result.hits, expected.hits, `${what}: the same hits as the package under Node`);
  assert.deepEqual(result.pooled, expected.hits, `${what}: the pool of two Workers returns them too`);
  assert.ok(wasmRequests.length >= 1, `${what}: a .wasm was fetched`);
}

/// Bytes of the bundle's JavaScript and .wasm files, raw and gzip (for the note's size figures).
function sizes(dir) {
  let js = 0, wasm = 0, jsGz = 0;
  for (const f of fs.readdirSync(dir, { recursive: true })) {
    const p = path.join(dir, f);
    if (!fs.statSync(p).isFile()) continue;
    const b = fs.readFileSync(p);
    if (/\.m?js$/.test(f)) {
      js += b.length;
      jsGz += zlib.gzipSync(b, { level: 9 }).length;
    } else if (f.endsWith('.wasm')) wasm += b.length;
  }
  return `JavaScript ${js} B (${jsGz} B gzip), .wasm ${wasm} B`;
}

/// No `node:` module, and no Node built-in by its bare name, in what the browser loads.
function assertNoNodeImports(dir) {
  for (const f of fs.readdirSync(dir, { recursive: true })) {
    if (!/\.m?js$/.test(f)) continue;
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    assert.doesNotMatch(src, /["'`]node:[a-z_/]+["'`]/, `${f} names a node: module`);
    assert.doesNotMatch(src, /require\(["'](fs|path|zlib|url)["']\)/, `${f} requires a Node built-in`);
  }
}

test('esbuild: bundles the browser entry; the .wasm files beside the bundle, or their URL as an option', { skip }, async (t) => {
  const dir = project('esbuild');
  const esbuild = await import('esbuild');
  const out = path.join(dir, 'dist');
  // A Node-platform bundle would hide a node: import; the browser platform fails on one.
  await esbuild.build({ entryPoints: [path.join(dir, 'src/app.js')], bundle: true, format: 'esm', platform: 'browser', outfile: path.join(out, 'app.js'), logLevel: 'silent', absWorkingDir: dir });
  // Nor `new Worker(new URL(...))`: the worker is a second entry point, and the app says where it is.
  fs.writeFileSync(path.join(dir, 'src/worker.js'), "import 'deepquan/search-worker.mjs';\n");
  await esbuild.build({ entryPoints: [path.join(dir, 'src/worker.js')], bundle: true, format: 'esm', platform: 'browser', outfile: path.join(out, 'search-worker.js'), logLevel: 'silent', absWorkingDir: dir });
  assertNoNodeImports(out);
  // esbuild leaves `new URL('./x.wasm', import.meta.url)` alone: the recipe copies the two files.
  const pkgDir = path.join(dir, 'node_modules/deepquan');
  for (const f of ['deepquan-simd.wasm', 'deepquan.wasm']) fs.copyFileSync(path.join(pkgDir, f), path.join(out, f));
  fs.writeFileSync(path.join(out, 'index.html'), html('<script type="module" src="./app.js"></script>'));
  t.diagnostic(`esbuild bundle: ${sizes(out)}`);
  const worker = { workerUrl: '/search-worker.js' };
  const copied = await runBundle(out, { poolOpts: worker });
  checkResult(copied, 'esbuild');
  assert.deepEqual([...new Set(copied.wasmRequests)], ['/deepquan-simd.wasm']);

  // Or the app says where the files are (here a CDN-like folder), and nothing is copied beside it.
  fs.mkdirSync(path.join(out, 'assets/wasm'), { recursive: true });
  for (const f of ['deepquan-simd.wasm', 'deepquan.wasm']) fs.renameSync(path.join(out, f), path.join(out, 'assets/wasm', f));
  const option = await runBundle(out, { opts: { wasm: { simd: '/assets/wasm/deepquan-simd.wasm', baseline: '/assets/wasm/deepquan.wasm' } }, poolOpts: worker });
  checkResult(option, 'esbuild with options.wasm');
  assert.deepEqual([...new Set(option.wasmRequests)], ['/assets/wasm/deepquan-simd.wasm']);
});

test('Vite: a production build emits the .wasm as a hashed asset and runs', { skip }, async (t) => {
  const dir = project('vite');
  fs.writeFileSync(path.join(dir, 'index.html'), html('<script type="module" src="/src/app.js"></script>'));
  const { build } = await import('vite');
  // worker.format 'es': the pool's worker loads the WebAssembly glue with dynamic import(), which
  // Vite's default worker format (iife) cannot split (wasm/README.md, "In a web app").
  await build({ root: dir, logLevel: 'silent', configFile: false, worker: { format: 'es' }, build: { outDir: path.join(dir, 'dist'), emptyOutDir: true } });
  const out = path.join(dir, 'dist');
  assertNoNodeImports(out);
  const assets = fs.readdirSync(path.join(out, 'assets'));
  assert.ok(assets.some((f) => /^deepquan-simd-.+\.wasm$/.test(f)), `Vite emitted the SIMD .wasm: ${assets.join(', ')}`);
  t.diagnostic(`Vite bundle: ${sizes(out)}`);
  const r = await runBundle(out);
  checkResult(r, 'Vite');
  assert.match(r.wasmRequests[0], /^\/assets\/deepquan-simd-.+\.wasm$/);
});

test('webpack 5: a production build emits the .wasm as an asset/resource and runs', { skip }, async (t) => {
  const dir = project('webpack');
  const { default: webpack } = await import('webpack');
  const out = path.join(dir, 'dist');
  const stats = await new Promise((resolve, reject) => {
    webpack({ mode: 'production', context: dir, entry: './src/app.js', target: 'web', output: { path: out, filename: 'app.js', publicPath: '/' } },
      (err, s) => (err ? reject(err) : resolve(s)));
  });
  assert.ok(!stats.hasErrors(), `webpack: ${stats.toString({ all: false, errors: true })}`);
  assertNoNodeImports(out);
  fs.writeFileSync(path.join(out, 'index.html'), html('<script src="/app.js"></script>'));
  t.diagnostic(`webpack bundle: ${sizes(out)}`);
  const r = await runBundle(out);
  checkResult(r, 'webpack');
});
