#!/usr/bin/env node
// Issue 21's end-to-end figure (a benchmark, not a test): one query image in, the top 10 out — encode, lookup
// table, scan, top-k; for K = 16 the fast-scan with its exact re-rank, as every front end runs it — over
// 1,000,000 and 10,000,000 codes, K = 16 against K = 256 at equal bits (32 and 64), natively (dq::Index,
// tests/bench/bench_query) and in Node through the package (WASM SIMD128), one query at a time, one thread.
// The models and codes are dq_golden --bench's (784-500-500-2000-64 random-weight encoders, random codes:
// the speed depends on the shapes, not on what was learnt); the 10 M database is the 1 M one ten times.
//
//   node scripts/bench-k16-e2e.mjs [--out results/bench/k16-e2e] [--sizes 1000000,10000000] [--reps 3]
//                                  [--build build/native] [--pkg wasm/dist] [--sources HASH]
//
// Needs BUILD/tests (bench_query, dq_golden) and the package. Writes OUT/e2e.json and OUT/e2e.md, naming the source
// revision, the source hash (--sources: the one scripts/bench.sh built; else computed from the tree and BUILD's
// -march) and the machine. Each cell is --reps runs (natively each a process of its own, in the package a timed
// pass over the queries): its p50 the median over the runs of each run's median, with their range (issue 22: every
// timing the median and spread of >= 3 runs), queries/s the median of each run's 1 / mean latency.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, revision, writePoolReport } from './bench/pool-setup.mjs';
import { sourceHash, trainerMarch } from './bench/runner.mjs';
import { mean, median, quantile } from './bench/stats.mjs';
import { k16E2eHeader, k16E2eTable } from './bench/report/k16-e2e.mjs';
import { readIdxImagesFile } from '../wasm/js/idx-file.mjs';

const opt = { out: path.join(ROOT, 'results/bench/k16-e2e'), sizes: '1000000,10000000', reps: '3', pkg: path.join(ROOT, 'wasm/dist'),
              build: path.join(ROOT, 'build/native'), sources: '' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, '');
  if (!(k in opt) || argv[i + 1] === undefined) {
    console.error(`bench-k16-e2e: unknown or incomplete option ${argv[i]} (expected --out DIR, --sizes N,N, --reps R, --pkg DIR, --build DIR, --sources HASH)`);
    process.exit(2);
  }
  opt[k] = argv[i + 1];
}
const sizes = opt.sizes.split(',').map(Number), reps = Number(opt.reps);
if (sizes.some((n) => !Number.isInteger(n) || n < 1000000 || n % 1000000 !== 0) || !Number.isInteger(reps) || reps < 1 || reps > 100) {
  console.error('bench-k16-e2e: --sizes must be multiples of 1000000, --reps an integer from 1 to 100');
  process.exit(2);
}
if (opt.sources && !/^[0-9a-f]{12}$/.test(opt.sources)) {
  console.error(`bench-k16-e2e: --sources ${opt.sources}: expected a 12-digit hex source hash`);
  process.exit(2);
}
const sources = opt.sources || sourceHash(ROOT, trainerMarch(opt.build));
const log = (s) => console.error(`[bench-k16-e2e ${new Date().toISOString().slice(11, 19)}] ${s}`);
const tool = (name) => {
  const p = path.join(path.resolve(opt.build), 'tests', name);
  if (!fs.existsSync(p)) {
    console.error(`bench-k16-e2e: ${p} is missing (cmake --build ${opt.build} --target ${path.basename(name)})`);
    process.exit(1);
  }
  return p;
};
const golden = tool('tools/dq_golden'), benchQuery = tool('bench/bench_query');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-bench-k16-e2e-'));
const g = spawnSync(golden, [work, '--bench'], { encoding: 'utf8' });
if (g.status !== 0) {
  console.error(`bench-k16-e2e: dq_golden --bench failed: ${g.stderr}`);
  process.exit(1);
}
const MODELS = [
  { tag: '32', bits: 32, K: 256 }, { tag: 'k16-32', bits: 32, K: 16 },
  { tag: '64', bits: 64, K: 256 }, { tag: 'k16-64', bits: 64, K: 16 },
];
const { loadIndex } = await import(path.resolve(opt.pkg, 'node.mjs'));
const idx = readIdxImagesFile(path.join(work, 'bench-queries.idx'));
const queries = Array.from({ length: idx.n }, (_, i) => idx.image(i));
// One run's figures over its query latencies (ms).
const stats = (t) => {
  const s = [...t].sort((a, b) => a - b);
  return { p50_ms: +quantile(s, 0.5).toFixed(4), p99_ms: +quantile(s, 0.99).toFixed(4), qps: +(1000 / mean(s)).toFixed(2) };
};
// A cell from its runs: the medians over the runs, the range of the run medians, and the runs themselves.
const cell = (runs) => ({ p50_ms: +median(runs.map((r) => r.p50_ms)).toFixed(4), p50_range: [Math.min(...runs.map((r) => r.p50_ms)), Math.max(...runs.map((r) => r.p50_ms))],
                          p99_ms: +median(runs.map((r) => r.p99_ms)).toFixed(4), qps: +median(runs.map((r) => r.qps)).toFixed(2), runs });

const rows = [];
for (const n of sizes) {
  for (const m of MODELS) {
    const model = path.join(work, `bench-${m.tag}.dqm`), db = path.join(work, `bench-${m.tag}-1m.dqdb`);
    log(`native ${m.tag}, ${n.toLocaleString('en')} codes, ${reps} processes`);
    const native = {};
    for (let r2 = 0; r2 < reps; r2++) {
      const r = spawnSync(benchQuery, ['--model', model, '--db', db, '--queries', path.join(work, 'bench-queries.f32'), '--copies', String(n / 1000000), '--reps', '1'], { encoding: 'utf8' });
      if (r.status !== 0) {
        console.error(`bench-k16-e2e: bench_query failed: ${r.stderr}`);
        process.exit(1);
      }
      for (const line of r.stdout.split('\n').filter((l) => l.startsWith('RESULT '))) {
        const kv = Object.fromEntries(line.split(' ').slice(1).map((p) => p.split('=')));
        (native[kv.mode] ??= { M: +kv.M, kernel: kv.kernel, load_s: [], runs: [] }).runs.push({ p50_ms: +kv.p50_ms, p99_ms: +kv.p99_ms, qps: +kv.qps });
        native[kv.mode].load_s.push(+kv.load_s);
      }
    }
    for (const [mode, x] of Object.entries(native))
      rows.push({ backend: 'native', bits: m.bits, K: m.K, M: x.M, n, mode, kernel: x.kernel, load_s: +median(x.load_s).toFixed(3), ...cell(x.runs) });
    log(`package (Node, WASM SIMD128) ${m.tag}, ${n.toLocaleString('en')} codes, ${reps} passes`);
    const t0 = performance.now();
    const index = await loadIndex({ model });
    for (let c = 0; c < n / 1000000; c++) await index.addDatabase(db);
    const load = (performance.now() - t0) / 1000;
    for (const mode of ['sdc', 'adc']) {
      for (let i = 0; i < 5; i++) index.search(queries[i], { k: 10, mode });
      const runs = [];
      for (let r2 = 0; r2 < reps; r2++) {
        const t = [];
        for (const q of queries) {
          const s = performance.now();
          index.search(q, { k: 10, mode });
          t.push(performance.now() - s);
        }
        runs.push(stats(t));
      }
      rows.push({ backend: 'wasm-simd (Node)', bits: m.bits, K: m.K, M: index.info.M, n, mode, kernel: index.info.scanKernel, load_s: +load.toFixed(3), ...cell(runs) });
    }
    index.dispose();
  }
}
fs.rmSync(work, { recursive: true, force: true });

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const rev = revision();
const command = `node scripts/bench-k16-e2e.mjs --sizes ${opt.sizes} --reps ${reps}`;
const result = { what: 'issue 21: end-to-end query (encode + top-10), K = 16 against K = 256 at equal bits', revision: rev, sources, command,
  machine: { cpu, cores: os.cpus().length, node: process.version, load_average_end: os.loadavg().map((x) => +x.toFixed(2)) }, runs: reps, queries: queries.length, rows };
const md = ['# End to end: K = 16 against K = 256 at equal bits (issue 21)', '', ...k16E2eHeader(result), '', ...k16E2eTable(result), ''];
writePoolReport(opt.out, 'e2e', result, md.join('\n'));
log(`wrote ${path.join(opt.out, 'e2e.json')} and e2e.md`);
console.log(md.join('\n'));
