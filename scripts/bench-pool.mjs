#!/usr/bin/env node
// The search pool's speed (issue 20's figures; a benchmark, not a test): for 1,000,000 and 10,000,000
// codes of the 32-bit benchmark model (dq_golden --bench; the 10 M database is the 1 M one added ten
// times), the single-thread index and pools of 1 and 2 worker_threads: load time, peak RSS, query
// latency p50 / p99 (one query at a time, encode included) and throughput (100 queries in flight).
//
//   node scripts/bench-pool.mjs [--out results/bench/pool] [--sizes 1000000,10000000] [--queries 200]
//
// Writes OUT/pool.json and OUT/pool.md, each naming the source revision and the machine.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readIdxImagesFile } from '../wasm/js/idx-file.mjs';
import { quantile } from './bench/stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = { out: path.join(ROOT, 'results/bench/pool'), sizes: '1000000,10000000', queries: '200', pkg: path.join(ROOT, 'wasm/dist') };
for (let i = 0; i < args.length; i += 2) {
  const k = args[i].replace(/^--/, '');
  if (!(k in opt) || args[i + 1] === undefined) {
    console.error(`bench-pool: unknown or incomplete option ${args[i]} (expected --out DIR, --sizes N,N, --queries N, --pkg DIR)`);
    process.exit(2);
  }
  opt[k] = args[i + 1];
}
const sizes = opt.sizes.split(',').map(Number);
const nq = Number(opt.queries);
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n % 1000000 !== 0) || !Number.isInteger(nq) || nq < 10) {
  console.error('bench-pool: --sizes must be multiples of 1000000, --queries an integer >= 10');
  process.exit(2);
}

const { loadIndex, loadSearchPool } = await import(path.join(path.resolve(opt.pkg), 'node.mjs'));
const rev = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-bench-pool-'));
const golden = path.join(ROOT, 'build/native/tests/tools/dq_golden');
const g = spawnSync(golden, [work, '--bench'], { encoding: 'utf8' });
if (g.status !== 0) {
  console.error(`bench-pool: ${golden} --bench failed: ${g.stderr}`);
  process.exit(1);
}
const model = path.join(work, 'bench-32.dqm');
const idx = readIdxImagesFile(path.join(work, 'bench-queries.idx'));
const queries = Array.from({ length: nq }, (_, i) => idx.image(i % idx.n));

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const ms = (t) => Number(t.toFixed(3));

async function measure(search, label) {
  for (let i = 0; i < 5; i++) await search(queries[i]);
  const lat = [];
  for (const q of queries) {
    const t0 = performance.now();
    await search(q);
    lat.push(performance.now() - t0);
  }
  lat.sort((a, b) => a - b);
  const t0 = performance.now();
  await Promise.all(queries.map((q) => search(q)));
  const qps = queries.length / ((performance.now() - t0) / 1000);
  console.log(`  ${label}: p50 ${ms(quantile(lat, 0.5))} ms, p99 ${ms(quantile(lat, 0.99))} ms, ${qps.toFixed(1)} queries/s with ${queries.length} in flight`);
  return { p50: ms(quantile(lat, 0.5)), p99: ms(quantile(lat, 0.99)), qps: Number(qps.toFixed(2)) };
}

const rows = [];
for (const n of sizes) {
  // The n-code database: the 1 M one, added n / 1 M times (ids repeat; the scan does not care).
  const builder = await loadIndex({ model });
  for (let i = 0; i < n / 1000000; i++) await builder.addDatabase(path.join(work, 'bench-32-1m.dqdb'));
  const db = builder.save();
  builder.dispose();
  const dbFile = path.join(work, `db-${n}.dqdb`);
  fs.writeFileSync(dbFile, db);
  console.log(`${n.toLocaleString('en')} codes (${(db.length / 2 ** 20).toFixed(0)} MiB database), sdc, k = 10:`);
  for (const variant of ['index', 1, 2]) {
    peak = process.memoryUsage().rss;
    const t0 = performance.now();
    const s = variant === 'index' ? await loadIndex({ model, database: dbFile }) : await loadSearchPool({ model, database: dbFile, workers: variant });
    const load = (performance.now() - t0) / 1000;
    const label = variant === 'index' ? 'single-thread index' : `pool of ${variant} worker${variant > 1 ? 's' : ''}`;
    const r = await measure(async (q) => s.search(q, { k: 10 }), label);
    rows.push({ codes: n, variant: label, loadSeconds: Number(load.toFixed(3)), peakRssMiB: Math.round(peak / 2 ** 20), ...r });
    s.dispose();
  }
}
clearInterval(sampler);
const single = (n) => rows.find((r) => r.codes === n && r.variant === 'single-thread index');
for (const r of rows) r.speedup = Number((r.qps / single(r.codes).qps).toFixed(2));
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, load: os.loadavg() };
const result = { revision: rev + (dirty ? ' (with uncommitted changes)' : ''), date: new Date().toISOString(), machine, queries: nq, rows };
fs.mkdirSync(opt.out, { recursive: true });
const tmp = path.join(opt.out, `.pool.json.tmp-${process.pid}`);
fs.writeFileSync(tmp, JSON.stringify(result, null, 2) + '\n');
fs.renameSync(tmp, path.join(opt.out, 'pool.json'));
const md = [`# Search pool (scripts/bench-pool.mjs) on ${result.revision}, ${result.date}`, '',
  `${machine.cpus} × ${machine.model}, Node ${machine.node}, load average at the end ${machine.load.map((x) => x.toFixed(2)).join(' ')}; ${nq} queries, SDC, k = 10, encode included.`, '',
  '| codes | variant | load s | peak RSS MiB | p50 ms | p99 ms | queries/s | × single |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.codes.toLocaleString('en')} | ${r.variant} | ${r.loadSeconds} | ${r.peakRssMiB} | ${r.p50} | ${r.p99} | ${r.qps} | ${r.speedup} |`), ''].join('\n');
fs.writeFileSync(path.join(opt.out, 'pool.md'), md);
console.log(md);
fs.rmSync(work, { recursive: true, force: true });
