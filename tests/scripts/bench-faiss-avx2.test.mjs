// scripts/bench-faiss-avx2.sh (the native AVX2 Faiss anchor of the scan benchmark) without building Faiss:
// --help and argument checks, the configure flags, that the anchor reads the files bench_scan --dump writes
// and prints the RESULT keys scan_summary.py tabulates, and that the summary gives it a column of its own.
// (The build itself takes many minutes and downloads Debian's source package: not for CI.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'scripts/bench-faiss-avx2.sh');
const run = (args) => spawnSync('bash', [script, ...args], { encoding: 'utf8' });
const read = (f) => fs.readFileSync(path.join(root, f), 'utf8');

test('--help documents the steps and options and exits 0; a bad argument exits 2 before anything runs', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  for (const f of ['--build-only', 'FAISS_DIR', 'OUT_DIR', 'REPS', 'FAISS_DEB_VERSION', 'DEB_SRC_URI', 'FAISS_AVX2=1', 'faiss_anchor.cpp'])
    assert.ok(r.stdout.includes(f), `--help mentions ${f}`);
  const bad = run(['--bogus']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown argument --bogus/);
});

test('the build: Debian source through a private list, AVX2, C++ only, the faiss_avx2 target, niced', () => {
  const sh = read('scripts/bench-faiss-avx2.sh');
  for (const flag of ['-DFAISS_OPT_LEVEL=avx2', '-DFAISS_ENABLE_GPU=OFF', '-DFAISS_ENABLE_PYTHON=OFF', '-DBUILD_TESTING=OFF', '-DCMAKE_BUILD_TYPE=Release'])
    assert.ok(sh.includes(flag), flag);
  assert.match(sh, /--target faiss_avx2/);
  assert.match(sh, /Dir::Etc::SourceList=.*Dir::Etc::SourceParts=\/dev\/null/s);
  assert.match(sh, /Dir::State::Lists=/);
  assert.match(sh, /source "faiss=\$VERSION"/);
  assert.match(sh, /scripts\/bench\/faiss_anchor\.cpp/);
  assert.ok(fs.existsSync(path.join(root, 'scripts/bench/faiss_anchor.cpp')));
  assert.match(read('scripts/bench-scan.sh'), /FAISS_AVX2:-0.*\n(.*\n){0,3}.*scripts\/bench-faiss-avx2\.sh/);
});

test('the anchor reads the files bench_scan --dump writes and prints what bench_scan prints', () => {
  const anchor = read('scripts/bench/faiss_anchor.cpp');
  const bench = read('tests/bench/bench_scan.cpp');
  for (const suffix of ['_codes.u8', '_centroids.f32', '_query.f32']) {
    assert.ok(bench.includes(`tag + "${suffix}"`), `bench_scan writes ${suffix}`);
    assert.ok(anchor.includes(`tag + "${suffix}"`), `the anchor reads ${suffix}`);
  }
  for (const tag of ['pq8_M"', 'pq4_M"']) {
    assert.ok(bench.includes(tag), `bench_scan names ${tag}`);
    assert.ok(anchor.includes(tag), `the anchor names ${tag}`);
  }
  for (const what of ['scan8', 'fastscan']) assert.match(bench, new RegExp(`what=${what} `));
  assert.match(anchor, /RESULT backend=faiss-avx2 what=%s mode=%s M=%d kernel=%s scan_top10=/);
  assert.match(anchor, /omp_set_num_threads\(1\)/);
});

test('scan_summary.py: a faiss-avx2 column and ratios against it, beside the generic Faiss ones', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-faiss-avx2-'));
  const w = (f, s) => (fs.writeFileSync(path.join(dir, f), s), path.join(dir, f));
  const files = [
    w('native.txt', 'RESULT backend=native what=scan8 mode=adc M=2 kernel=k scan=900.0 scan_top10=700.0\n'),
    w('faiss.txt', 'RESULT backend=faiss what=scan8 mode=adc M=2 kernel=IndexPQ scan_top10=350.0\n'),
    w('faiss-avx2.txt', 'faiss 1.7.3\nRESULT backend=faiss-avx2 what=scan8 mode=adc M=2 kernel=IndexPQ scan_top10=500.0\n'),
  ];
  const r = spawnSync('python3', [path.join(root, 'scripts/bench/scan_summary.py'), ...files], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  const [head, row] = r.stdout.split('\n');
  assert.deepEqual(head.trim().split(/\s+/).slice(1), ['native', 'wasm-simd', 'wasm-scalar', 'faiss', 'faiss-avx2', 'simd/faiss', 'native/faiss', 'simd/avx2', 'native/avx2']);
  const cells = row.trim().split(/\s+/);
  assert.equal(cells.at(-1), '1.40', 'native / avx2 = 700 / 500');
  assert.equal(cells.at(-3), '2.00', 'native / generic = 700 / 350');
  assert.equal(cells.at(-5), '-/500');
});
