// Shared by the tests/wasm suites: the built package, and golden data from the native generator.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = process.env.DQ_PKG_DIR || path.join(ROOT, 'wasm/dist');
export const GOLDEN_BIN = process.env.DQ_GOLDEN_BIN || path.join(ROOT, 'build/native/tests/tools/dq_golden');
export const CLI = path.join(DIST, 'bin/deepquan-query.mjs');

export async function pkg() {
  const entry = path.join(DIST, 'node.mjs'); // the Node entry (package.json exports 'node')
  if (!fs.existsSync(entry)) throw new Error(`${entry} is not built: cmake --preset wasm && cmake --build --preset wasm`);
  return import(pathToFileURL(entry).href);
}

const tmpDirs = [];
process.on('exit', () => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

export function tmpDir(prefix = 'dq-wasm-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

function runGolden(args) {
  if (!fs.existsSync(GOLDEN_BIN)) {
    throw new Error(`golden generator ${GOLDEN_BIN} not found: build it with cmake --preset native && cmake --build --preset native (or set DQ_GOLDEN_BIN)`);
  }
  const r = spawnSync(GOLDEN_BIN, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${GOLDEN_BIN} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
}

let golden = null;
/// { dir, configs: [...] }: files from dq_golden in a fresh temp dir (once per process).
export function goldenData() {
  if (!golden) {
    const dir = tmpDir('dq-golden-');
    runGolden([dir]);
    const g = JSON.parse(fs.readFileSync(path.join(dir, 'golden.json'), 'utf8'));
    golden = { dir, configs: g.configs, byName: Object.fromEntries(g.configs.map((c) => [c.name, c])) };
  }
  return golden;
}

export function file(name) {
  return path.join(goldenData().dir, name);
}

/// Images of an IDX file ({ n, shape, image(i) -> Uint8Array copy }): the package's one IDX reader.
export { readIdxImagesFile } from '../../wasm/js/idx-file.mjs';
import { readIdxImagesFile as readIdx } from '../../wasm/js/idx-file.mjs';

/// What the golden-data tests start from: the package, its loadIndex, the golden cases by name, the 'small'
/// one, open(name, extra) = that case's model and database loaded, queryImage(case, q) = its q-th query image.
export async function goldenSetup() {
  const deepquan = await pkg();
  const { loadIndex } = deepquan;
  const G = goldenData().byName;
  const open = (name = 'small', extra = {}) => loadIndex({ model: file(`${name}.dqm`), database: file(`${name}.dqdb`), ...extra });
  const queryImage = (c, q) => readIdx(file(c.queries)).image(q);
  return { deepquan, loadIndex, G, small: G.small, open, queryImage };
}

/// Golden float (a %.9g string of a float32, or "Infinity") as the float32 value.
export function f32(v) {
  return Math.fround(typeof v === 'string' ? Number(v) : v);
}

// An Error (never a string or a plain object: a caller's `catch (e) { e.message }` must work) whose message
// contains `expect` (a string), matches it (a RegExp), or passes it (a function that asserts).
function checkError(e, expect) {
  assert.ok(e instanceof Error, `an Error, got ${e}`);
  if (typeof expect === 'string') assert.ok(e.message.includes(expect), `message "${e.message}" should contain "${expect}"`);
  else if (expect instanceof RegExp) assert.match(e.message, expect);
  else expect(e);
  return true;
}

/// `fn()` throws an Error as checkError describes.
export function throws(fn, expect) {
  assert.throws(fn, (e) => checkError(e, expect));
}

/// `promise` rejects with an Error as checkError describes.
export async function rejects(promise, expect) {
  await assert.rejects(promise, (e) => checkError(e, expect));
}
