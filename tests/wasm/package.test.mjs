// The package as a whole: its metadata and bin, both entries (node.mjs, index.mjs) exporting one API, the
// types declaration, the SIMD128 and baseline modules side by side, and where the .wasm comes from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { goldenSetup, file, tmpDir, DIST, rejects } from './_helpers.mjs';

const { deepquan, loadIndex, small, open, queryImage } = await goldenSetup();

test('package metadata: version from CMake, exports, bin', async () => {
  const p = JSON.parse(fs.readFileSync(path.join(DIST, 'package.json'), 'utf8'));
  assert.equal(p.name, 'deepquan');
  assert.match(p.version, /^\d+\.\d+\.\d+$/);
  assert.equal(deepquan.version, p.version);
  assert.equal(p.type, 'module');
  // Node gets the entry with the file system, everything else (bundlers for the browser) the one without.
  assert.deepEqual(Object.keys(p.exports['.']), ['types', 'node', 'default']);
  assert.equal(p.exports['.'].node, './node.mjs');
  assert.equal(p.exports['.'].default, './index.mjs');
  assert.equal(p.browser, './index.mjs');
  assert.equal(p.bin['deepquan-query'], './bin/deepquan-query.mjs');
  for (const f of p.files) assert.ok(fs.existsSync(path.join(DIST, f)), `${f} is in the package`);
  // And the other way: every module the entry or the bin imports is listed, so `npm pack` ships it.
  for (const f of fs.readdirSync(DIST).filter((f) => /\.(mjs|wasm|d\.ts)$/.test(f))) assert.ok(p.files.includes(f), `${f} is listed in package.json files`);
  assert.equal(typeof deepquan.default, 'function');
});

test('simd: false loads the baseline module; both can be open at once', async () => {
  const a = await open('small', { simd: false }), b = await open('small', { simd: true });
  assert.equal(a.backend, 'wasm-baseline');
  assert.equal(b.backend, 'wasm-simd128');
  const x = queryImage(small, 5);
  assert.deepEqual(a.search(x, { mode: 'adc' }), b.search(x, { mode: 'adc' }));
  a.dispose();
  b.dispose();
});

test('index.d.ts declares what index.mjs exports', async () => {
  const dts = fs.readFileSync(path.join(DIST, 'index.d.ts'), 'utf8');
  for (const name of Object.keys(deepquan)) {
    if (name === 'default') assert.match(dts, /export default loadIndex;/);
    else if (!['DeepQuanIndex', 'SearchPool', 'Collection'].includes(name)) assert.match(dts, new RegExp(`export declare (function|const) ${name}\\b`), name);
  }
  const proto = Object.getOwnPropertyNames(deepquan.DeepQuanIndex.prototype).filter((n) => n !== 'constructor');
  for (const name of proto) assert.match(dts, new RegExp(`\\n  (readonly )?${name}[(:]`), `DeepQuanIndex.${name} in index.d.ts`);
  void tmpDir;
});

test('entries: node.mjs and index.mjs export the same API; the browser entry reads no files under Node', async () => {
  const browser = await import(pathToFileURL(path.join(DIST, 'index.mjs')).href);
  assert.deepEqual(Object.keys(browser).sort(), Object.keys(deepquan).sort());
  assert.equal(browser.loadIndex, deepquan.loadIndex, 'one module graph: the Node entry re-exports the browser one');
  // Not one node: import is reachable from the browser entry (what a bundler for the browser follows).
  const seen = new Set();
  const walk = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    const src = fs.readFileSync(path.join(DIST, f), 'utf8');
    assert.doesNotMatch(src, /from ['"]node:|import\(['"]node:/, `${f}, reachable from index.mjs, imports a node: module`);
    for (const m of src.matchAll(/(?:from |import\()['"]\.\/([^'"]+)['"]/g)) walk(m[1]);
  };
  walk('index.mjs');
  assert.ok(seen.has('module.mjs') && seen.has('deepquan-simd.mjs') && !seen.has('node-files.mjs'), [...seen].join(' '));
});

test('options.wasm: the .wasm from given bytes or a given URL; bad values refused', async () => {
  const simdBytes = fs.readFileSync(path.join(DIST, 'deepquan-simd.wasm'));
  const baseBytes = new Uint8Array(fs.readFileSync(path.join(DIST, 'deepquan.wasm'))).buffer; // an ArrayBuffer
  const x = queryImage(small, 3);
  const ref = await open('small');
  const want = ref.search(x, { mode: 'adc' });
  for (const [extra, backend] of [
    [{ wasm: { simd: simdBytes } }, 'wasm-simd128'],
    [{ simd: false, wasm: { baseline: baseBytes } }, 'wasm-baseline'],
    [{ simd: false, wasm: { baseline: pathToFileURL(path.join(DIST, 'deepquan.wasm')) } }, 'wasm-baseline'],
    [{ wasm: { simd: path.join(DIST, 'deepquan-simd.wasm') } }, 'wasm-simd128'],
  ]) {
    const index = await open('small', extra);
    assert.equal(index.backend, backend);
    assert.deepEqual(index.search(x, { mode: 'adc' }), want);
    index.dispose();
  }
  ref.dispose();
  // The wrong build's bytes: the SIMD glue cannot run the baseline module's imports, or vice versa;
  // either way an Error, not a hang.
  await rejects(open('small', { simd: true, wasm: { simd: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5]) } }), '');
  const m = file('small.dqm');
  await rejects(loadIndex({ model: m, wasm: 'deepquan.wasm' }), "loadIndex: wasm must be an object { simd?, baseline? }");
  await rejects(loadIndex({ model: m, wasm: null }), 'loadIndex: wasm must be an object');
  await rejects(loadIndex({ model: m, wasm: { simd128: simdBytes } }), "loadIndex: unknown key 'simd128' in options.wasm (expected simd, baseline)");
  await rejects(loadIndex({ model: m, wasm: { simd: 42 } }), 'loadIndex: wasm.simd must be a URL, a non-empty string or the bytes of a .wasm file, got');
  await rejects(loadIndex({ model: m, wasm: { baseline: new Uint8Array(0) } }), 'loadIndex: wasm.baseline is empty (0 bytes)');
  await rejects(deepquan.readDatabase(file('small.dqdb'), { wasm: { simd: '' } }), 'readDatabase: wasm.simd must be a URL, a non-empty string');
});
