// The load-time corrupt-input cases of corrupt_inputs.py through the search page (Chromium), for
// results/corrupt-inputs.md: each case is a data directory served to the page, whose one error
// message is captured. Prints one JSON array: {case, message}.
// usage: node tests/e2e/corrupt_page.mjs DQ_GOLDEN_OUTDIR     (run `dq_golden DIR` first)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, waitSettled } from '../web/harness.mjs';

const g = process.argv[2];
const read = (f) => fs.readFileSync(path.join(g, f));
const m = read('small.dqm'), d = read('small.dqdb'), other = read('k16-f16.dqm');
const flip = (b, pos) => { const c = Buffer.from(b); c[pos] ^= 0x10; return c; };
const ver = Buffer.from(m); ver[8] = 2; ver[9] = 0; ver[10] = 0; ver[11] = 0;
const html = Buffer.from('<!DOCTYPE html><html><body>404 Not Found</body></html>\n'.repeat(4));
const cases = {
  'truncated model': [m.subarray(0, m.length >> 1), d],
  'truncated database': [m, d.subarray(0, d.length - 100)],
  'empty model file': [Buffer.alloc(0), d],
  'flipped byte in model': [flip(m, Math.floor(m.length * 3 / 4)), d],
  'flipped byte in database': [m, flip(d, d.length - 40)],
  'wrong magic (HTML page as model)': [html, d],
  'wrong version (2.0)': [ver, d],
  'model given as database': [m, m],
  'database from another model (search)': [other, d],
  'missing model file': [null, d],
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-e2e-page-'));
const names = Object.keys(cases);
names.forEach((name, i) => {
  const sub = path.join(dir, `c${i}`);
  fs.mkdirSync(sub);
  const [model, db] = cases[name];
  if (model) fs.writeFileSync(path.join(sub, 'model.dqm'), model);
  fs.writeFileSync(path.join(sub, 'gallery.dqdb'), db);
});
const server = await startServer({ data: dir });
const browser = await launchBrowser();
const out = [];
try {
  for (const [i, name] of names.entries()) {
    const page = await browser.newPage();
    await page.goto(`${server.url}?data=/data/c${i}/&queries=`);
    const s = await waitSettled(page);
    out.push({ case: name, message: s.ready ? '(no error)' : s.errors.join(' | ') });
    await page.close();
  }
} finally {
  await browser.close();
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(out, null, 1));
