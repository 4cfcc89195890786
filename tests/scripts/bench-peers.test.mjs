// scripts/bench-peers.mjs: its options, the recall and MAP figures, the table / JSON / SVG writer, and that an
// engine whose package is missing is reported as such. Small fixed inputs, no network, no timing assertions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseOptions, UsageError, ENGINES, helpText } from '../../scripts/bench/peers/options.mjs';
import { exactTopK, recallAtK, mapAll, latencySummary, durationSummary } from '../../scripts/bench/peers/metrics.mjs';
import { openAdapter, runEngine, gzipBytes } from '../../scripts/bench/peers/runner.mjs';
import { writeOutputs, toMarkdown, rowCells, COLUMNS } from '../../scripts/bench/peers/report.mjs';
import * as exact from '../../scripts/bench/peers/exact.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('options: defaults, --quick takes one run, full runs need at least 3', () => {
  const o = parseOptions(['--run', 'R']);
  assert.equal(o.run, 'R');
  assert.equal(o.runs, 3);
  assert.deepEqual(o.engines, ENGINES);
  assert.equal(o.out, 'results/peers');
  assert.equal(parseOptions(['--run', 'R', '--quick']).runs, 1);
  assert.equal(parseOptions(['--run', 'R', '--synthetic', '1000000', '--queries', '200']).synthetic, 1000000);
  assert.deepEqual(parseOptions(['--run', 'R', '--engines', 'exact,usearch']).engines, ['exact', 'usearch']);
  assert.throws(() => parseOptions(['--run', 'R', '--runs', '2']), /at least 3 runs/);
  assert.ok(parseOptions(['--help']).help);
  assert.match(helpText(), /voy-search/);
});

test('options: unknown flags, bad numbers, missing values and unknown engines are usage errors', () => {
  const bad = [
    [['--run', 'R', '--bogus'], /unknown argument '--bogus'/],
    [['--run', 'R', '--synthetic', '0'], /--synthetic: '0' is not a positive whole number/],
    [['--run', 'R', '--synthetic', '1e6'], /'1e6' is not a positive whole number/],
    [['--run', 'R', '--synthetic', '-5'], /'-5' is not a positive whole number/],
    [['--run', 'R', '--queries', 'many'], /--queries: 'many'/],
    [['--run', 'R', '--synthetic'], /--synthetic needs a number/],
    [['--run', 'R', '--engines', 'faiss'], /unknown engine 'faiss'/],
    [['--synthetic', '10'], /--run DIR is required/],
  ];
  for (const [argv, re] of bad) assert.throws(() => parseOptions(argv), (e) => e instanceof UsageError && re.test(e.message), argv.join(' '));
});

test('the program exits 2 with the message on a usage error, before loading anything', () => {
  for (const [argv, re] of [[['--nope'], /unknown argument '--nope'/], [['--run', 'x', '--synthetic', 'abc'], /'abc' is not a positive/],
                            [['--run', '/nonexistent-dq-run'], /model\.dqm is missing/]]) {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/bench-peers.mjs'), ...argv], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, re);
  }
});

test('exactTopK ranks by squared L2 with ties by position; recallAtK counts the overlap of the first k', () => {
  const g = new Float32Array([0, 0, 1, 0, 0, 1, 3, 3, -1, 0]); // 5 points in 2-d
  const q = new Float32Array([0.1, 0, 3, 2.9]);
  const t = exactTopK(g, q, 2, 3);
  assert.deepEqual(Array.from(t[0]), [0, 1, 2], 'distances 0.01, 0.81, 1.01; point 4 (1.21) is 4th');
  assert.deepEqual(Array.from(t[1]), [3, 1, 2], 'points 1 and 2 tie at 12.41 → by position');
  assert.equal(recallAtK(t, t, 3), 1);
  assert.equal(recallAtK([Int32Array.of(0, 4, 9), Int32Array.of(3)], t, 3), (1 / 3 + 1 / 3) / 2, 'misses and short lists count');
  assert.throws(() => recallAtK([t[0]], t, 3), /1 result lists for 2 queries/);
});

test('mapAll is the mean average precision of complete rankings by label', () => {
  const gl = Int32Array.of(1, 0, 1, 0);
  // query 0 (label 1): ranking 0,1,2,3 → relevant at 1 and 3: AP = (1/1 + 2/3) / 2; query 1 (label 0): 0,1,2,3 → (1/2 + 2/4) / 2
  const m = mapAll([Int32Array.of(0, 1, 2, 3), Int32Array.of(0, 1, 2, 3)], gl, Int32Array.of(1, 0));
  assert.ok(Math.abs(m - ((1 + 2 / 3) / 2 + 0.5) / 2) < 1e-12, String(m));
  assert.equal(mapAll([Int32Array.of(0, 1)], gl, Int32Array.of(7)), 0, 'no relevant item: 0');
});

test('latencySummary: p50 / p99 per pass, then their median and spread', () => {
  const pass = (base) => Array.from({ length: 100 }, (_, i) => base + i);
  const s = latencySummary([pass(0), pass(10), pass(5)]);
  assert.equal(s.runs, 3);
  assert.equal(s.queries, 100);
  assert.deepEqual(s.p50_ms, { median: 55, min: 50, max: 60 });
  assert.deepEqual(s.p99_ms, { median: 104, min: 99, max: 109 });
  assert.deepEqual(durationSummary([3, 1, 2]), { runs: 3, median_ms: 2, min_ms: 1, max_ms: 3 });
});

const missingAdapter = {
  engine: 'ghost', pkg: 'dq-no-such-package-xyz', browser: 'yes (WASM)', pageFiles: ['x.js'],
  open: async ({ root: r }) => createRequire(`${r}/package.json`)('dq-no-such-package-xyz'),
  settings: () => { throw new Error('settings must not be asked of a missing engine'); },
};

test('an engine whose package is not installed is one row "missing", not a crash', async () => {
  const o = await openAdapter(missingAdapter, { root });
  assert.equal(o.status, 'missing');
  assert.match(o.message, /dq-no-such-package-xyz/);
  const logs = [];
  const rows = await runEngine(missingAdapter, { root, log: (s) => logs.push(s) }, {});
  assert.equal(rows.length, 1);
  assert.equal(rows[0].status, 'missing');
  assert.equal(rows[0].version, null);
  assert.match(rowCells(rows[0])[2], /^not installed: /);
  assert.match(logs[0], /ghost: missing/);
  const broken = { ...missingAdapter, open: async () => { throw new Error('wasm did not compile'); } };
  assert.deepEqual(await openAdapter(broken, { root }), { status: 'failed', message: 'wasm did not compile' });
});

function tinyData() {
  const d = 2, n = 6, g = new Float32Array([0, 0, 1, 0, 0, 1, 3, 3, -1, 0, 2, 2]), q = new Float32Array([0.1, 0, 2.9, 3]);
  return { d, n, nq: 2, gallery: g, queries: q, vectorsGzipBytes: 40, truth: exactTopK(g, q, d, 3) };
}

test('runEngine over the exact adapter: recall 1, MAP@All from its complete ranking, one row per setting', async () => {
  const data = tinyData();
  const ctx = { root, quick: true, runs: 3, k: 3, truth: data.truth, log: () => {}, packageGzip: () => 0,
                labels: { gallery: Int32Array.of(0, 0, 0, 1, 0, 1), queries: Int32Array.of(0, 1) } };
  const rows = await runEngine(exact, ctx, data);
  assert.equal(rows.length, 1);
  const r = rows[0];
  assert.equal(r.status, 'ok', r.message);
  assert.equal(r.recall_at_10, 1);
  assert.equal(r.latency.runs, 3);
  assert.equal(r.build.runs, 3);
  assert.equal(r.memory.bytes, 48);
  // query 0 (label 0) ranks 0,1,2,4,5,3 → AP 1; query 1 (label 1) ranks 3,5,... → AP 1
  assert.equal(r.map_all, 1);
  assert.deepEqual(r.page, { package_gzip_bytes: 0, index: { bytes: 40, what: 'f32 vectors, gzip' } });
});

test('gzipBytes sums gzip sizes and is null when a file is missing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-peers-gz-'));
  fs.writeFileSync(path.join(dir, 'a'), 'x'.repeat(10000));
  const one = gzipBytes(dir, ['a']);
  assert.ok(one > 0 && one < 200, String(one));
  assert.equal(gzipBytes(dir, ['a', 'a']), 2 * one);
  assert.equal(gzipBytes(dir, ['a', 'b']), null);
  fs.rmSync(dir, { recursive: true });
});

test('writeOutputs: JSON, table and SVG name the revision and the machine; missing engines say so; no temporaries left', async () => {
  const data = tinyData();
  const ok = await runEngine(exact, { root, quick: true, runs: 1, k: 3, truth: data.truth, log: () => {}, packageGzip: () => 0, labels: null }, data);
  const missing = await runEngine(missingAdapter, { root, log: () => {} }, {});
  const noBrowser = { ...ok[0], engine: 'native', browser: 'no (native Node addon)', page: null, memory: null };
  const result = {
    what: 'bench-peers', revision: '0123456789abcdef0123456789abcdef01234567', quick: true, runs: 1, k: 3, notes: ['a note'],
    machine: { cpu: 'Test CPU 9000', cores: 2, mem_gib: 4, kernel: 'Linux t', node: 'v20', load_at_start: [0.5, 0.25, 0], date: '2026-01-01 00:00 UTC' },
    data: { source: 'tiny', n: 6, nq: 2, d: 2 }, rows: [...ok, ...missing, noBrowser],
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-peers-out-'));
  const files = writeOutputs(dir, result);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['peers-latency-recall.svg', 'peers.json', 'peers.md']);
  const json = JSON.parse(fs.readFileSync(files.json, 'utf8'));
  assert.equal(json.revision, result.revision);
  assert.equal(json.machine.cpu, 'Test CPU 9000');
  assert.equal(json.rows[1].status, 'missing');
  const md = fs.readFileSync(files.md, 'utf8');
  assert.match(md, /0123456789abcdef/);
  assert.match(md, /Test CPU 9000 \(2 cores/);
  assert.match(md, /Quick \(smoke\) run/);
  const lines = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
  assert.equal(lines.length, 1 + 3, 'header + one line per row');
  assert.equal(lines[0], `| ${COLUMNS.join(' | ')} |`);
  assert.match(lines[1], /^\| exact \| brute force f32 \(JS\) \| 1\.000 \| n\/a: no labels \|/);
  assert.match(lines[2], /\| ghost \| — \| not installed: .*dq-no-such-package-xyz/);
  assert.match(lines[3], /no browser build/);
  assert.match(lines[3], /not measured/);
  assert.equal(lines[2].split(' | ').length, COLUMNS.length, 'a missing engine still fills every column');
  const svg = fs.readFileSync(files.svg, 'utf8');
  assert.match(svg, /^<svg /);
  assert.match(svg, /rev 0123456789ab, Test CPU 9000/);
  assert.match(svg, /<circle /);
  assert.equal(toMarkdown(result), md);
  fs.rmSync(dir, { recursive: true });
});

test('settings with one buildKey share the first one\'s timed builds; retune reuses the index, else one rebuild', async () => {
  const data = tinyData();
  const log = [];
  const fake = (retunes) => ({
    engine: 'fake', pkg: null, browser: 'yes (WASM)', pageFiles: null,
    open: async () => ({}),
    settings: () => [{ name: 'a', buildKey: 'g' }, { name: 'b', buildKey: 'g' }, { name: 'c' }],
    build: async (_l, s) => { log.push(`build ${s.name}`); return { search: () => data.truth[0], memory: { bytes: 1, source: 't' }, dispose: () => log.push(`dispose ${s.name}`) }; },
    retune: retunes ? (built, s) => { log.push(`retune ${s.name}`); return built; } : undefined,
  });
  const ctx = { root, quick: true, runs: 3, k: 3, truth: data.truth, log: () => {}, labels: null };
  let rows = await runEngine(fake(false), ctx, data);
  assert.deepEqual(rows.map((r) => r.status), ['ok', 'ok', 'ok']);
  assert.deepEqual(log, ['build a', 'dispose a', 'build a', 'dispose a', 'build a', 'dispose a', 'build b', 'dispose b',
                         'build c', 'dispose c', 'build c', 'dispose c', 'build c', 'dispose c']);
  assert.equal(rows[1].build.shared_with, 'a');
  assert.equal(rows[1].build.runs, 3);
  assert.equal(rows[2].build.shared_with, undefined);
  log.length = 0;
  rows = await runEngine(fake(true), ctx, data);
  assert.deepEqual(log.slice(5, 8), ['retune b', 'dispose a', 'build c'], log.join(', '));
  assert.deepEqual(Array.from(data.truth[1]), [3, 5, 2]);
  assert.equal(rows[0].recall_at_10, (1 + 1 / 3) / 2, 'every query gets query 0\'s list: 3 of 3, then 1 of 3');
});

test('--chromium is an option of its own; vectorHelpers packs the signs around the gallery mean', async () => {
  assert.equal(parseOptions(['--run', 'R']).chromium, false);
  assert.equal(parseOptions(['--run', 'R', '--chromium']).chromium, true);
  assert.match(helpText(), /--chromium/);
  const { vectorHelpers } = await import('../../scripts/bench/peers/vectors.mjs');
  // 9 dimensions: two bytes a row; mean of each dimension over the 2 rows is 0.5 (rows 0 and 1).
  const g = new Float32Array([...Array(9).fill(0), ...Array(9).fill(1)]);
  const h = vectorHelpers(g, 2, 9);
  assert.deepEqual(Array.from(h.meanZ), Array(9).fill(0.5));
  assert.deepEqual(Array.from(h.signBits(g, 2)), [0, 0, 255, 1]);
  assert.deepEqual(Array.from(h.centered(g.subarray(9))), Array(9).fill(0.5));
});

test('the table says whether Chromium ran: a cell per row, the header names it', async () => {
  const { chromiumCell } = await import('../../scripts/bench/peers/report.mjs');
  const lat = { runs: 3, queries: 10, p50_ms: { median: 0.5, min: 0.4, max: 0.6 }, p99_ms: { median: 2, min: 1, max: 3 } };
  assert.equal(chromiumCell({ status: 'ok', latency: lat, build_ms: 1500, recall_at_10: 0.95 }), '0.500 / 2.000, build 1.50 s, recall 0.950');
  assert.equal(chromiumCell({ status: 'failed', message: 'boom' }), 'failed: boom');
  assert.equal(chromiumCell({ status: 'no browser build' }), 'no browser build');
  const base = { revision: 'r', machine: { date: 'd', cpu: 'c', cores: 2, mem_gib: 1, kernel: 'k', node: 'v', load_at_start: [0, 0, 0] },
                 data: { source: 's', n: 1, d: 1, nq: 1 }, k: 10, runs: 3, rows: [] };
  assert.match(toMarkdown({ ...base, chromium: false }), /Chromium: not run/);
  assert.match(toMarkdown({ ...base, chromium: true }), /Chromium .*one fresh browser per engine/);
});

test('sharedBuilds: one rule for Node and the page; a rebuild that throws leaves nothing to dispose twice', async () => {
  const { sharedBuilds } = await import('../../scripts/bench/peers/builds.mjs');
  const log = [];
  let failNext = false;
  const adapter = {
    build: async (_l, s) => {
      if (failNext) { failNext = false; throw new Error(`cannot build ${s.name}`); }
      log.push(`build ${s.name}`);
      return { dispose: () => log.push(`dispose ${s.name}`) };
    },
  };
  const cache = sharedBuilds(adapter, null, null);
  const fresh = (s) => async () => ({ built: await adapter.build(null, s), t: s.name });
  const a = { name: 'a', buildKey: 'g' }, b = { name: 'b', buildKey: 'g' }, c = { name: 'c', buildKey: 'g' };
  let got = await cache.get(a, fresh(a));
  assert.equal(got.reused, false);
  assert.equal(got.entry.t, 'a');
  got = await cache.get(b, fresh(b));
  assert.equal(got.reused, true, 'same buildKey, no retune: a rebuild of its own, not fresh()');
  assert.equal(got.entry.t, 'a', 'reported with the first one\'s timing');
  assert.deepEqual(log, ['build a', 'dispose a', 'build b']);
  failNext = true;
  await assert.rejects(cache.get(c, fresh(c)), /cannot build c/);
  cache.release();
  assert.deepEqual(log, ['build a', 'dispose a', 'build b', 'dispose b'], 'b disposed once, nothing after the failed build');
  const retuning = sharedBuilds({ ...adapter, retune: (x, s) => ({ ...x, tuned: s.name }) }, null, null);
  await retuning.get(a, fresh(a));
  got = await retuning.get(b, fresh(b));
  assert.equal(got.built.tuned, 'b');
  got = await retuning.get({ name: 'd' }, fresh({ name: 'd' }));
  assert.equal(got.reused, false, 'another buildKey: fresh builds');
  retuning.release();
  assert.deepEqual(log.slice(-3), ['dispose a', 'build d', 'dispose d']);
});

test('leaders: per criterion the best row and DeepQuan\'s best, computed from the rows; latency also at DeepQuan\'s recall', async () => {
  const { leaders, leaderLines, bytesPerVector } = await import('../../scripts/bench/peers/leaders.mjs');
  const data = { d: 64, M: 4, K: 256 };
  assert.equal(bytesPerVector('PQ', data), 4);
  assert.equal(bytesPerVector('PQ', { d: 64, M: 8, K: 16 }), 4);
  assert.equal(bytesPerVector('f32', data), 256);
  assert.equal(bytesPerVector('b1', data), 8);
  assert.equal(bytesPerVector('b1 + f32 rescore', data), 264);
  assert.equal(bytesPerVector('something new', data), null);
  const lat = (p50) => ({ runs: 3, queries: 10, p50_ms: { median: p50, min: p50, max: p50 }, p99_ms: { median: p50, min: p50, max: p50 } });
  const row = (engine, setting, quantization, recall, p50, extra = {}) => ({ engine, setting, quantization, status: 'ok', recall_at_10: recall,
    latency: lat(p50), build: { median_ms: 100 }, memory: { bytes: 1e6 }, map_all: null, ...extra });
  const rows = [
    row('deepquan', 'SDC', 'PQ', 0.3, 0.2, { map_all: 0.5, memory: { bytes: 5e5 } }),
    row('fast', 'b1', 'b1', 0.1, 0.01),
    row('graph', 'f32', 'f32', 1, 0.05),
    row('slowexact', 'f32', 'f32', 1, 9, { map_all: 0.51 }),
    { engine: 'broken', setting: 'x', status: 'failed', message: 'no' },
  ];
  const by = Object.fromEntries(leaders(rows, data).map((l) => [l.what, l]));
  assert.equal(by['recall@10 at ≤ 1 bit per dimension (≤ 8 bytes a vector)'].leads, true, 'DeepQuan 0.3 at 4 B against 0.1 at 8 B');
  assert.equal(by['p50 latency in Node, any recall'].best.row.engine, 'fast');
  const atRecall = by['p50 latency in Node at recall@10 ≥ DeepQuan\'s best (0.300)'];
  assert.equal(atRecall.best.row.engine, 'graph', 'the b1 row is faster but less accurate than DeepQuan');
  assert.equal(atRecall.leads, false);
  assert.equal(by['MAP@All (needs a complete ranking)'].best.row.engine, 'slowexact');
  assert.equal(by['index memory'].leads, true);
  assert.equal(by['p50 latency in Chromium, any recall'], undefined, 'no row ran in Chromium: no criterion');
  const lines = leaderLines(rows, data);
  assert.ok(lines.every((l) => l.startsWith('- **')));
  assert.match(lines.join('\n'), /a peer leads: graph f32: 0\.050 ms \(recall 1\.000\); DeepQuan's best: deepquan SDC: 0\.200 ms \(recall 0\.300\)/);
  assert.deepEqual(leaders(rows.filter((r) => r.engine !== 'deepquan'), data).filter((l) => l.leads), [], 'no DeepQuan row: it leads nowhere');
});
