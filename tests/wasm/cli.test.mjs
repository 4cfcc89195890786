// deepquan-query: output (table and JSON) equal to the native golden top-k, both query kinds, and
// the exit codes: 0 ok, 1 error with a message, 2 usage (--vector's own cases: features.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { goldenData, file, f32, tmpDir, CLI } from './_helpers.mjs';

const G = goldenData().byName;

function run(args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const base = (name) => ['--model', file(`${name}.dqm`), '--db', file(`${name}.dqdb`)];

function json(args) {
  const r = run([...args, '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  return JSON.parse(r.out);
}

test('--image FILE:INDEX --json equals the native top-k (SDC and ADC, both builds)', () => {
  const c = G.small;
  for (const mode of ['sdc', 'adc']) {
    for (const simd of ['on', 'off']) {
      const j = json([...base('small'), '--image', `${file(c.queries)}:2`, '--k', String(c.k), '--mode', mode, '--simd', simd]);
      assert.equal(j.backend, simd === 'on' ? 'wasm-simd128' : 'wasm-baseline');
      assert.equal(j.mode, mode);
      assert.equal(j.k, c.k);
      assert.deepEqual(j.results.map((r) => r.rank), Array.from({ length: c.k }, (_, i) => i + 1));
      assert.deepEqual(j.results.map((r) => r.id), c[mode][2].ids);
      assert.deepEqual(j.results.map((r) => r.distance), c[mode][2].distances.map(f32));
      assert.deepEqual(j.results.map((r) => r.label), c[mode][2].labels.map((l) => (l >= 0 ? l : null)));
    }
  }
});

test('table output; gzipped IDX; default index 0, k 10 and mode sdc', () => {
  const c = G.small;
  const gz = path.join(tmpDir(), 'q.idx.gz');
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(file(c.queries))));
  const r = run([...base('small'), '--image', gz]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines[0], `query ${gz}:0, sdc, ${c.size} items, wasm-simd128, kernel dq_scan_lut8_u8__wasmsimd`);
  assert.deepEqual(lines[1].trim().split(/\s+/), ['rank', 'id', 'label', 'distance']);
  assert.equal(lines.length, 2 + 10);
  lines.slice(2).forEach((line, i) => {
    const [rank, id, label, dist] = line.trim().split(/\s+/);
    assert.equal(Number(rank), i + 1);
    assert.equal(Number(id), c.sdc[0].ids[i]);
    const l = c.sdc[0].labels[i];
    assert.equal(label, l >= 0 ? String(l) : '-');
    assert.equal(dist, f32(c.sdc[0].distances[i]).toPrecision(7));
  });
});

test('--query-index: full-size thumbnail as the query, or the stored code (SDC only)', () => {
  // small stores the gallery images as thumbnails: item 7 finds itself first, at distance 0.
  const a = json([...base('small'), '--query-index', '7', '--k', '3', '--mode', 'adc']);
  assert.equal(a.query, 'item 7 (thumbnail)');
  assert.equal(a.results[0].id, 7);
  const s = json([...base('small'), '--query-index', '7', '--k', '3']);
  assert.deepEqual([s.results[0].id, s.results[0].distance], [7, 0]);
  // k16-f16 has no thumbnails: its stored code, which equals the native search_codes result.
  const c = G['k16-f16'];
  const k = json([...base('k16-f16'), '--query-index', '0', '--k', String(c.k)]);
  assert.equal(k.query, 'item 0 (stored code)');
  assert.deepEqual(k.results.map((r) => r.id), c.item0.ids);
  assert.deepEqual(k.results.map((r) => r.distance), c.item0.distances.map(f32));
  assert.deepEqual(k.results.map((r) => r.label), Array(c.k).fill(null));
  const r = run([...base('k16-f16'), '--query-index', '0', '--mode', 'adc']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^deepquan-query: --query-index with --mode adc needs the item's image, but the database has no thumbnails; use --mode sdc/);
  // int8-rgb has 4x4 thumbnails: too small to be queries.
  const t = run([...base('int8-rgb'), '--query-index', '0', '--mode', 'adc']);
  assert.equal(t.code, 1);
  assert.match(t.err, /the database has 4x4x3 thumbnails, not 8x6x3/);
});

test('K = 16: the fast-scan kernel is named; --pool covering the database equals --exact', () => {
  const c = G['k16-f16'];
  for (const simd of ['on', 'off']) {
    const isa = simd === 'on' ? 'wasmsimd' : 'scalar';
    for (const q of ['--query-index', '--image']) {
      const where = q === '--image' ? [q, `${file(c.queries)}:1`] : [q, '3'];
      const args = [...base('k16-f16'), ...where, '--k', String(c.size), '--simd', simd];
      const fast = json([...args, '--pool', String(c.size)]);
      const exact = json([...args, '--exact']);
      const dflt = json(args);
      assert.equal(fast.scanKernel, `dq_scan_lut4_blk32__${isa}`);
      assert.equal(dflt.scanKernel, `dq_scan_lut4_blk32__${isa}`);
      assert.equal(exact.scanKernel, `dq_scan_lut8_u8__${isa}`);
      assert.deepEqual(fast.results, exact.results, `${simd} ${q}`);
      // k = size: the default pool (clipped to k..size) covers everything too.
      assert.deepEqual(dflt.results, exact.results, `${simd} ${q} default pool`);
    }
  }
  const r = run([...base('k16-f16'), '--query-index', '0', '--k', '3']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.split('\n')[0], `query item 0 (stored code), sdc, ${c.size} items, wasm-simd128, kernel dq_scan_lut4_blk32__wasmsimd`);
});

test('usage errors exit 2 with the usage text', () => {
  const img = `${file(G.small.queries)}:0`;
  const cases = [
    [[...base('small'), '--image', img, '--kk', '3'], 'unknown flag --kk'],
    [[...base('small'), '--image'], '--image needs a value'],
    [[...base('small'), '--image', img, '--k'], '--k needs a value'],
    [[...base('small'), '--image', img, '--k', 'abc'], "--k must be a non-negative integer, got 'abc'"],
    [[...base('small'), '--image', img, '--k', '0'], '--k must be at least 1'],
    [[...base('small'), '--image', img, '--mode', 'l2'], "--mode must be sdc or adc, got 'l2'"],
    [[...base('small'), '--image', img, '--simd', 'maybe'], "--simd must be auto, on or off, got 'maybe'"],
    [[...base('small'), '--image', img, '--query-index', '0'], 'give exactly one of --image, --vector and --query-index'],
    [[...base('small')], 'give exactly one of --image, --vector and --query-index'],
    [[...base('small'), '--vector', 'q.npy', '--image', img], 'give exactly one of --image, --vector and --query-index'],
    [[...base('small'), '--vector', 'q.fvecs:1', '--query-index', '0'], 'give exactly one of --image, --vector and --query-index'],
    [[...base('small'), '--vector'], '--vector needs a value'],
    [[...base('small'), '--vector', '--k', '3'], '--vector needs a value'],
    [[...base('small'), '--vector', 'q.npy', '--vector', 'q.npy'], '--vector given twice'],
    [['--db', file('small.dqdb'), '--image', img], '--model is required'],
    [[...base('small'), '--image', img, 'extra'], "unexpected argument 'extra'"],
    [[...base('small'), '--image', img, '--json=yes'], '--json takes no value'],
    [[...base('small'), '--image', img, '--k', '3', '--k', '4'], '--k given twice'],
    [[...base('small'), '--image', img, '--pool', '-3'], "--pool must be a non-negative integer, got '-3'"],
    [[...base('k16-f16'), '--query-index', '0', '--pool', '50', '--exact'], '--pool and --exact exclude each other (--exact scans every code)'],
    [[...base('small'), '--image', img, '--pool', '50'], '--pool applies to the K = 16 fast-scan only; this model (K = 256) is scanned exactly'],
    [[...base('small'), '--image', img, '--labels', '1,x'], "--labels: 'x' is not an integer in [-1, 2147483647] (expected a comma-separated list)"],
    [[...base('small'), '--image', img, '--ids', '-1'], "--ids: '-1' is not an integer in [0, 4294967295] (expected a comma-separated list)"],
    [[...base('small'), '--image', img, '--exclude-ids', '4294967296'], "--exclude-ids: '4294967296' is not an integer in [0, 4294967295] (expected a comma-separated list)"],
    [[...base('small'), '--image', img, '--ids'], '--ids needs a value'],
  ];
  for (const [args, msg] of cases) {
    const r = run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.out, '');
    assert.ok(r.err.startsWith(`deepquan-query: ${msg}\nusage: deepquan-query`), r.err);
  }
  const h = run(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /^usage: deepquan-query --model/);
});

test('errors exit 1 with the message', () => {
  const c = G.small;
  // Broken IDX files: the one reader (idx.mjs) names the file and the numbers.
  const dir = tmpDir();
  const idx = fs.readFileSync(file(c.queries));
  const cut = path.join(dir, 'cut.idx'), extra = path.join(dir, 'extra.idx'), labels = path.join(dir, 'labels.idx'), badGz = path.join(dir, 'bad.idx.gz');
  fs.writeFileSync(cut, idx.subarray(0, idx.length - 1));
  fs.writeFileSync(extra, Buffer.concat([idx, Buffer.alloc(3)]));
  fs.writeFileSync(labels, Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 4, 7]));
  fs.writeFileSync(badGz, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
  const cases = [
    [[...base('small'), '--image', cut], `${cut}: truncated: dimensions 6x28x28 need 4704 data bytes, file has 4703`],
    [[...base('small'), '--image', extra], `${extra}: 3 bytes after the 6x28x28 elements the header announces`],
    [[...base('small'), '--image', labels], `${labels}: IDX file has 1 dimensions, expected images [n, h, w] or [n, h, w, c]`],
    [[...base('small'), '--image', badGz], `${badGz}: corrupt gzip data`],
    [['--model', '/nonexistent.dqm', '--db', file('small.dqdb'), '--image', file(c.queries)], 'model: cannot open /nonexistent.dqm: no such file'],
    [['--model', file('small.dqm'), '--db', file('paper.dqdb'), '--image', file(c.queries)], 'database file: model/database mismatch'],
    [[...base('small'), '--image', file(c.queries), '--k', '501'], 'search: k = 501 is larger than the index (500 items)'],
    [[...base('small'), '--image', `${file(c.queries)}:6`], `${file(c.queries)}: image index 6 out of range (6 images)`],
    [[...base('small'), '--image', file(G['int8-rgb'].queries)], 'images are 8x6x3, the model expects 28x28x1'],
    [[...base('small'), '--image', file('small.dqm')], 'not an IDX file (bad magic)'],
    [[...base('small'), '--image', '/nonexistent.idx'], '/nonexistent.idx: cannot read: no such file'],
    [[...base('small'), '--query-index', '500'], '--query-index 500 out of range (the database has 500 items)'],
  ];
  for (const [args, msg] of cases) {
    const r = run(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.out, '');
    assert.equal(r.err, `deepquan-query: ${r.err.slice(16, -1)}\n`);
    assert.ok(r.err.includes(msg), `"${r.err}" should contain "${msg}"`);
  }
});
