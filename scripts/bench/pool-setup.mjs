// What scripts/bench-pool.mjs (Node) and scripts/bench-pool-browser.mjs (Chromium) share: their
// options, the revision they report, and the benchmark databases: dq_golden --bench's 32-bit model
// and 1 M-code database, added n / 1 M times into an n-code database by the package (ids repeat; the
// scan does not care), plus its 100 query images.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readIdxImagesFile } from '../../wasm/js/idx-file.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/// --out DIR, --sizes N,N (multiples of 1 M), --queries N (>= 10), --pkg DIR; exits 2 with a message
/// naming `tool` otherwise.
export function poolOptions(tool, argv) {
  const opt = { out: path.join(ROOT, 'results/bench/pool'), sizes: '1000000,10000000', queries: '200', pkg: path.join(ROOT, 'wasm/dist') };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in opt) || argv[i + 1] === undefined) {
      console.error(`${tool}: unknown or incomplete option ${argv[i]} (expected --out DIR, --sizes N,N, --queries N, --pkg DIR)`);
      process.exit(2);
    }
    opt[k] = argv[i + 1];
  }
  const sizes = opt.sizes.split(',').map(Number);
  const queries = Number(opt.queries);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n % 1000000 !== 0) || !Number.isInteger(queries) || queries < 10) {
    console.error(`${tool}: --sizes must be multiples of 1000000, --queries an integer >= 10`);
    process.exit(2);
  }
  return { out: opt.out, pkg: path.resolve(opt.pkg), sizes, queries };
}

/// The short hash of HEAD, marked when tracked files have uncommitted changes.
export function revision() {
  const rev = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return rev + (dirty ? ' (with uncommitted changes)' : '');
}

/// A work directory with bench-32.dqm, db-N.dqdb for each size and `queries` query images (Uint8Array
/// of 784 each); { work, model, dbFile(n), queries }.
export async function poolData(tool, { pkg, sizes, queries: nq }) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-bench-pool-'));
  const golden = path.join(ROOT, 'build/native/tests/tools/dq_golden');
  const g = spawnSync(golden, [work, '--bench'], { encoding: 'utf8' });
  if (g.status !== 0) {
    console.error(`${tool}: ${golden} --bench failed: ${g.stderr}`);
    process.exit(1);
  }
  const model = path.join(work, 'bench-32.dqm');
  const { loadIndex } = await import(path.join(pkg, 'node.mjs'));
  const dbFile = (n) => path.join(work, `db-${n}.dqdb`);
  for (const n of sizes) {
    const b = await loadIndex({ model });
    for (let i = 0; i < n / 1000000; i++) await b.addDatabase(path.join(work, 'bench-32-1m.dqdb'));
    fs.writeFileSync(dbFile(n), b.save());
    b.dispose();
  }
  const idx = readIdxImagesFile(path.join(work, 'bench-queries.idx'));
  const queries = Array.from({ length: nq }, (_, i) => idx.image(i % idx.n));
  return { work, model, dbFile, queries };
}

/// Writes OUT/NAME.json (atomically) and OUT/NAME.md.
export function writePoolReport(out, name, result, md) {
  fs.mkdirSync(out, { recursive: true });
  const tmp = path.join(out, `.${name}.json.tmp-${process.pid}`);
  fs.writeFileSync(tmp, JSON.stringify(result, null, 2) + '\n');
  fs.renameSync(tmp, path.join(out, `${name}.json`));
  fs.writeFileSync(path.join(out, `${name}.md`), md);
}
