// bench-peers.mjs --chromium (scripts/bench/peers/browser.mjs, page.mjs): the page imports the very adapters
// Node runs and times them in Chromium; what it returns must be the same search as in Node (recall against the
// exact ranking computed in Node), an engine without a browser build says so, and a failing setting is a row
// that says "failed", not a lost engine. Small seeded vectors; no timing assertions.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { browserMissing, packageMissing, trainedData, DEEPQUAN, ROOT } from './harness.mjs';
import { exactTopK } from '../../scripts/bench/peers/metrics.mjs';
import { runEngine } from '../../scripts/bench/peers/runner.mjs';
import { vectorHelpers } from '../../scripts/bench/peers/vectors.mjs';
import { runChromium } from '../../scripts/bench/peers/browser.mjs';
import { chromiumCell } from '../../scripts/bench/peers/report.mjs';
import * as exact from '../../scripts/bench/peers/exact.mjs';
import * as edgevec from '../../scripts/bench/peers/edgevec.mjs';

const skip = browserMissing() ?? false;

function seededData(n, nq, d) {
  let s = 7;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const gallery = Float32Array.from({ length: n * d }, r), queries = Float32Array.from({ length: nq * d }, r);
  return { d, n, nq, gallery, queries, ids: Uint32Array.from({ length: n }, (_, i) => 100 + i), vectorsGzipBytes: 1,
           queryImages: Array.from({ length: nq }, () => new Uint8Array(4)), ...vectorHelpers(gallery, n, d) };
}

test('Chromium runs the same adapters: exact and edgevec give Node\'s results, usearch has no browser build', { skip, timeout: 180_000 }, async () => {
  const data = seededData(300, 12, 16);
  const truth = exactTopK(data.gallery, data.queries, data.d, 10);
  const ctx = { root: ROOT, quick: true, runs: 1, k: 10, truth, log: () => {}, labels: null, packageGzip: () => 0 };
  const rows = [...await runEngine(exact, ctx, data), ...await runEngine(edgevec, ctx, data),
                { engine: 'usearch', setting: 'HNSW f32 ef 64', status: 'ok' }];
  assert.ok(rows.filter((r) => r.engine === 'edgevec').every((r) => r.status === 'ok'), JSON.stringify(rows.map((r) => [r.setting, r.status, r.message])));
  const log = [];
  await runChromium({ root: ROOT, pkgDir: path.join(ROOT, 'wasm', 'dist'), engines: ['exact', 'edgevec', 'usearch'], rows, data,
                      files: {}, truth, runs: 1, k: 10, quick: true, log: (s) => log.push(s) });
  const ex = rows.find((r) => r.engine === 'exact');
  assert.equal(ex.chromium.status, 'ok', log.join('\n'));
  assert.equal(ex.chromium.recall_at_10, 1, 'the page ranks exactly like Node');
  assert.match(ex.chromium.version, /^\d+\./);
  assert.ok(ex.chromium.latency.p50_ms.median >= 0 && ex.chromium.latency.queries === 12);
  for (const r of rows.filter((x) => x.engine === 'edgevec')) {
    assert.equal(r.chromium.status, 'ok', `${r.setting}: ${r.chromium.message}`);
    // The same package on the same vectors: the page finds what Node found (HNSW over 300 points is exhaustive
    // enough that both reach the same lists; the binary settings are deterministic).
    assert.equal(r.chromium.recall_at_10, r.recall_at_10, r.setting);
  }
  assert.equal(rows.find((r) => r.engine === 'usearch').chromium.status, 'no browser build');
  assert.match(chromiumCell(ex.chromium), /^\d+\.\d{3} \/ \d+\.\d{3}, build \d+\.\d\d s, recall 1\.000$/);
  assert.equal(chromiumCell(rows.at(-1).chromium), 'no browser build');
  assert.equal(chromiumCell(undefined), 'not run');
});

test('a setting that throws in the page is a failed row; the others still run', { skip, timeout: 120_000 }, async () => {
  const data = seededData(50, 3, 12); // d = 12: edgevec's binary quantization needs d % 8 == 0, so its BQ settings throw
  const truth = exactTopK(data.gallery, data.queries, data.d, 10);
  const ctx = { root: ROOT, quick: true, runs: 1, k: 10, truth, log: () => {}, labels: null, packageGzip: () => 0 };
  const rows = await runEngine(edgevec, ctx, data);
  await runChromium({ root: ROOT, pkgDir: path.join(ROOT, 'wasm', 'dist'), engines: ['edgevec'], rows, data, files: {}, truth,
                      runs: 1, k: 10, quick: true, log: () => {} });
  const bq = rows.find((r) => r.setting.startsWith('HNSW + BQ (searchBQ)'));
  assert.equal(bq.status, 'failed');
  assert.equal(bq.chromium.status, 'failed');
  assert.match(bq.chromium.message, /d % 8 == 0/);
  assert.equal(rows.find((r) => r.setting.startsWith('HNSW f32')).chromium.status, 'ok');
});

// The DeepQuan rows end to end (bench-peers.mjs itself, a real model, Node and the page): the streamed collection
// (--trainer) must be the same search as the index over the whole database, while the page fetches less before
// its first search and the index holds no thumbnails.
test('bench-peers: the streamed collection row searches the same codes as the whole database, for a smaller first download', { skip: skip || packageMissing() || false, timeout: 900_000 }, () => {
  const t = trainedData();
  if (t.skip) return void console.log(`# skipped: ${t.skip}`);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-peers-e2e-'));
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(ROOT, 'scripts/bench-peers.mjs'), '--run', t.dir, '--engines', 'deepquan', '--queries', '40',
                                         '--runs', '3', '--trainer', DEEPQUAN, '--chromium', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 850_000 });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  const res = JSON.parse(fs.readFileSync(path.join(out, 'peers.json'), 'utf8'));
  const row = (name) => res.rows.find((x) => x.setting === name);
  const whole = row('SDC (image query)'), col = row('SDC (image query), streamed collection: codes first, thumbnails on demand');
  assert.ok(col, res.rows.map((x) => x.setting).join(', '));
  assert.equal(col.status, 'ok', col.message);
  assert.equal(col.recall_at_10, whole.recall_at_10);
  assert.ok(Number.isFinite(col.map_all) && col.map_all > 0.1);
  assert.equal(col.map_all, whole.map_all, 'the same complete ranking');
  assert.equal(col.chromium.status, 'ok', col.chromium.message);
  assert.equal(col.chromium.recall_at_10, col.recall_at_10, 'the page searched the same collection');
  assert.ok(col.page.index.bytes < whole.page.index.bytes, `first download ${col.page.index.bytes} B, whole database ${whole.page.index.bytes} B`);
  assert.match(col.page.index.what, /then per hit its media file of 256 thumbnails, [\d.]+ kB gzip on average/);
  assert.ok(col.memory.bytes < whole.memory.bytes, 'no thumbnails in the index');
  // A trainer that cannot export: that one row fails with the reason, the run and the other rows do not.
  const bad = spawnSync(process.execPath, [path.join(ROOT, 'scripts/bench-peers.mjs'), '--run', t.dir, '--engines', 'deepquan', '--quick',
                                           '--trainer', '/bin/false', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(bad.status, 0, bad.stderr.slice(-3000));
  const badRows = JSON.parse(fs.readFileSync(path.join(out, 'peers.json'), 'utf8')).rows;
  assert.match(badRows.find((x) => x.setting.includes('streamed collection')).message, /\/bin\/false export-collection failed/);
  assert.ok(badRows.filter((x) => !x.setting.includes('streamed collection')).every((x) => x.status === 'ok'));
  fs.rmSync(out, { recursive: true, force: true });
});
