// The corrupt-input cases of corrupt_inputs.py through the Node package (wasm/dist), for the
// cross-front-end table in results/corrupt-inputs.md. Prints one JSON array: {case, message}.
// usage: node tests/e2e/corrupt_node.mjs DQ_GOLDEN_OUTDIR     (run `dq_golden DIR` first)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { loadIndex } = await import(path.join(root, 'wasm/dist/node.mjs'));
const g = process.argv[2];
const read = (f) => new Uint8Array(fs.readFileSync(path.join(g, f)));
const m = read('small.dqm'), d = read('small.dqdb'), other = read('k16-f16.dqm');
const flip = (b, pos) => { const c = Uint8Array.from(b); c[pos] ^= 0x10; return c; };
const ver = Uint8Array.from(m); ver[8] = 2; ver[9] = 0; ver[10] = 0; ver[11] = 0;
const html = new TextEncoder().encode('<!DOCTYPE html><html><body>404 Not Found</body></html>\n'.repeat(4));

const out = [];
async function tryCase(name, fn) {
  try {
    await fn();
    out.push({ case: name, message: '(no error)' });
  } catch (e) {
    out.push({ case: name, message: String(e.message).replaceAll(g + '/', '') });
  }
}
const load = (model, database) => loadIndex({ model, database, simd: false });
await tryCase('truncated model', () => load(m.subarray(0, m.length >> 1), d));
await tryCase('truncated database', () => load(m, d.subarray(0, d.length - 100)));
await tryCase('empty model file', () => load(new Uint8Array(0), d));
await tryCase('flipped byte in model', () => load(flip(m, Math.floor(m.length * 3 / 4)), d));
await tryCase('flipped byte in database', () => load(m, flip(d, d.length - 40)));
await tryCase('wrong magic (HTML page as model)', () => load(html, d));
await tryCase('wrong version (2.0)', () => load(ver, d));
await tryCase('model given as database', () => load(m, m));
await tryCase('database from another model (search)', () => load(other, d));
const index = await load(m, d);
const D = 784;
await tryCase('wrong image size (5x5 vs 28x28)', () => index.search(new Uint8Array(25)));
const nan = new Float32Array(D).fill(0.5); nan[3] = NaN;
await tryCase('NaN pixel (float .npy, search)', () => index.search(nan));
const x = new Float32Array(D).fill(0.5);
await tryCase('k larger than the database', () => index.search(x, { k: 100000 }));
await tryCase('k = 0', () => index.search(x, { k: 0 }));
await tryCase('k not a number', () => index.search(x, { k: 'ten' }));
await tryCase('unknown flag', () => index.search(x, { frobnicate: 1 }));
await tryCase('missing model file', () => loadIndex({ model: path.join(g, 'nope.dqm') }));
await tryCase('image index out of range', () => index.thumbnail(999999));
index.dispose();
console.log(JSON.stringify(out, null, 1));
