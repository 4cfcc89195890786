#!/usr/bin/env node
// The search pool's speed (issue 20's figures; a benchmark, not a test): for 1,000,000 and 10,000,000
// codes of the 32-bit benchmark model (dq_golden --bench; the 10 M database is the 1 M one added ten
// times), the single-thread index and pools of 1 and 2 worker_threads: load time, peak RSS, query
// latency p50 / p99 (one query at a time, encode included) and throughput (all queries in flight;
// the median of ROUNDS passes, with their min-max: one pass swung by 30 % on this shared machine).
//
//   node scripts/bench-pool.mjs [--out results/bench/pool] [--sizes 1000000,10000000] [--queries 200]
//
// Writes OUT/pool.json and OUT/pool.md, each naming the source revision and the machine.
import fs from 'node:fs';
import os from 'node:os';
import { quantile } from './bench/stats.mjs';
import { poolData, poolOptions, revision, writePoolReport } from './bench/pool-setup.mjs';

const opt = poolOptions('bench-pool', process.argv.slice(2));
const { sizes } = opt;
const nq = opt.queries;
const { loadIndex, loadSearchPool } = await import(`${opt.pkg}/node.mjs`);
const { work, model, dbFile: dbPath, queries } = await poolData('bench-pool', opt);

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const ms = (t) => Number(t.toFixed(3));
const ROUNDS = 5;

async function measure(search, label) {
  for (let i = 0; i < 5; i++) await search(queries[i]);
  const lat = [];
  for (const q of queries) {
    const t0 = performance.now();
    await search(q);
    lat.push(performance.now() - t0);
  }
  lat.sort((a, b) => a - b);
  const passes = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    await Promise.all(queries.map((q) => search(q)));
    passes.push(queries.length / ((performance.now() - t0) / 1000));
  }
  passes.sort((a, b) => a - b);
  const qps = passes[ROUNDS >> 1];
  console.log(`  ${label}: p50 ${ms(quantile(lat, 0.5))} ms, p99 ${ms(quantile(lat, 0.99))} ms, ${qps.toFixed(1)} queries/s ` +
    `(median of ${ROUNDS} passes, ${passes[0].toFixed(1)}-${passes[ROUNDS - 1].toFixed(1)}) with ${queries.length} in flight`);
  return { p50: ms(quantile(lat, 0.5)), p99: ms(quantile(lat, 0.99)), qps: Number(qps.toFixed(2)),
    qpsMin: Number(passes[0].toFixed(2)), qpsMax: Number(passes[ROUNDS - 1].toFixed(2)) };
}

const rows = [];
for (const n of sizes) {
  const dbFile = dbPath(n);
  console.log(`${n.toLocaleString('en')} codes (${(fs.statSync(dbFile).size / 2 ** 20).toFixed(0)} MiB database), sdc, k = 10:`);
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
const result = { revision: revision(), date: new Date().toISOString(), machine, queries: nq, rounds: ROUNDS, rows };
const md = [`# Search pool (scripts/bench-pool.mjs) on ${result.revision}, ${result.date}`, '',
  `${machine.cpus} × ${machine.model}, Node ${machine.node}, load average at the end ${machine.load.map((x) => x.toFixed(2)).join(' ')}; ${nq} queries, SDC, k = 10, encode included; queries/s: all ${nq} in flight, the median of ${ROUNDS} passes (min-max).`, '',
  '| codes | variant | load s | peak RSS MiB | p50 ms | p99 ms | queries/s | × single |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.codes.toLocaleString('en')} | ${r.variant} | ${r.loadSeconds} | ${r.peakRssMiB} | ${r.p50} | ${r.p99} | ${r.qps} (${r.qpsMin}-${r.qpsMax}) | ${r.speedup} |`), ''].join('\n');
writePoolReport(opt.out, 'pool', result, md);
console.log(md);
fs.rmSync(work, { recursive: true, force: true });
