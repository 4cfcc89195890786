#!/usr/bin/env node
// The search pool in Chromium (issue 20's browser figures; a benchmark, not a test): the 1 M and 10 M
// code databases of scripts/bench-pool.mjs, opened in a page by URL, searched by the single-thread
// index and by pools of 1 and 2 module Web Workers: load time, p50 / p99 query latency, throughput with
// all queries in flight, and the peak resident memory of Chromium's processes (summed from /proc,
// sampled every 50 ms: the tab, its workers, the GPU and browser processes).
//
//   node scripts/bench-pool-browser.mjs [--out results/bench/pool] [--sizes 1000000,10000000] [--queries 200]
//
// Writes OUT/pool-browser.json and OUT/pool-browser.md, naming the revision and the machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from './serve.mjs';
import { launchBrowser } from '../tests/web/harness.mjs';
import { poolData, poolOptions, revision, writePoolReport } from './bench/pool-setup.mjs';

const opt = poolOptions('bench-pool-browser', process.argv.slice(2));
const { sizes } = opt;
const nq = opt.queries;
const data = await poolData('bench-pool-browser', opt);
const { work } = data;
const queries = data.queries.map((q) => Array.from(q));
const ROUNDS = 5;

const web = path.join(work, 'web');
fs.mkdirSync(web);
fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>bench</title>\n');
const server = createServer({ web, pkg: opt.pkg, data: work });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;

/// RSS of every chromium process, summed (bytes).
function chromiumRss() {
  let sum = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chromium')) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) sum += Number(m[1]) * 1024;
    } catch { /* gone */ }
  }
  return sum;
}

const rows = [];
for (const n of sizes) {
  console.log(`${n.toLocaleString('en')} codes, sdc, k = 10, in Chromium:`);
  for (const variant of ['index', 1, 2]) {
    const browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(base);
    let peak = chromiumRss();
    const sampler = setInterval(() => (peak = Math.max(peak, chromiumRss())), 50);
    const r = await page.evaluate(async ({ n, variant, queries, rounds }) => {
      const dq = await import('/pkg/index.mjs');
      const files = { model: '/data/bench-32.dqm', database: `/data/db-${n}.dqdb` };
      const t0 = performance.now();
      const s = variant === 'index' ? await dq.loadIndex(files) : await dq.loadSearchPool({ ...files, workers: variant });
      const load = (performance.now() - t0) / 1000;
      const qs = queries.map((x) => new Uint8Array(x));
      for (let i = 0; i < 5; i++) await s.search(qs[i], { k: 10 });
      const lat = [];
      for (const x of qs) {
        const a = performance.now();
        await s.search(x, { k: 10 });
        lat.push(performance.now() - a);
      }
      lat.sort((a, b) => a - b);
      // Throughput: the median of `rounds` passes with all queries in flight (one pass swings).
      const passes = [];
      for (let r = 0; r < rounds; r++) {
        const a = performance.now();
        await Promise.all(qs.map((x) => s.search(x, { k: 10 })));
        passes.push(qs.length / ((performance.now() - a) / 1000));
      }
      passes.sort((x, y) => x - y);
      s.dispose();
      const at = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
      return { load, p50: at(0.5), p99: at(0.99), qps: passes[rounds >> 1], qpsMin: passes[0], qpsMax: passes[rounds - 1] };
    }, { n, variant, queries, rounds: ROUNDS });
    clearInterval(sampler);
    const label = variant === 'index' ? 'single-thread index' : `pool of ${variant} worker${variant > 1 ? 's' : ''}`;
    const row = { codes: n, variant: label, loadSeconds: Number(r.load.toFixed(3)), peakRssMiB: Math.round(peak / 2 ** 20), p50: Number(r.p50.toFixed(3)), p99: Number(r.p99.toFixed(3)), qps: Number(r.qps.toFixed(2)),
      qpsMin: Number(r.qpsMin.toFixed(2)), qpsMax: Number(r.qpsMax.toFixed(2)) };
    rows.push(row);
    console.log(`  ${label}: load ${row.loadSeconds} s, p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.qps} queries/s, peak Chromium RSS ${row.peakRssMiB} MiB`);
    await browser.close();
  }
}
server.close();
const single = (n) => rows.find((r) => r.codes === n && r.variant === 'single-thread index');
for (const r of rows) r.speedup = Number((r.qps / single(r.codes).qps).toFixed(2));
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, load: os.loadavg() };
const result = { revision: revision(), date: new Date().toISOString(), machine, queries: nq, rounds: ROUNDS, rows };
const md = [`# Search pool in Chromium (scripts/bench-pool-browser.mjs) on ${result.revision}, ${result.date}`, '',
  `${machine.cpus} × ${machine.model}, Debian Chromium headless, load average at the end ${machine.load.map((x) => x.toFixed(2)).join(' ')}; ${nq} queries, SDC, k = 10, encode included; queries/s: all ${nq} in flight, the median of ${ROUNDS} passes (min-max); peak RSS = all Chromium processes.`, '',
  '| codes | variant | load s | peak RSS MiB | p50 ms | p99 ms | queries/s | × single |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.codes.toLocaleString('en')} | ${r.variant} | ${r.loadSeconds} | ${r.peakRssMiB} | ${r.p50} | ${r.p99} | ${r.qps} (${r.qpsMin}-${r.qpsMax}) | ${r.speedup} |`), ''].join('\n');
writePoolReport(opt.out, 'pool-browser', result, md);
console.log(md);
fs.rmSync(work, { recursive: true, force: true });
