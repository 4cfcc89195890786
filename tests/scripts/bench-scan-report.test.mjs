// The scan section of the benchmark report (scripts/bench/report/scan.mjs): runs told apart in one file, the
// median over runs of each run's median, the best kernel per backend, the ratios against the AVX2 Faiss anchor
// (and the generic build beside it), the bandwidth shares and the batch table. Fixed RESULT lines, no timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readResults, scanCases, writeScan } from '../../scripts/bench/report/scan.mjs';

const line = (o) => `RESULT ${Object.entries(o).map(([k, v]) => `${k}=${v}`).join(' ')}`;
function rawDir(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-scan-report-'));
  fs.mkdirSync(path.join(dir, 'scan'));
  for (const [f, lines] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'scan', `${f}.txt`), ['noise line', ...lines, ''].join('\n'));
  return dir;
}
const ours = (backend, kernel, med, extra = {}) => line({ backend, what: 'fastscan', mode: 'adc', M: 8, kernel, scan: med * 1.2, scan_top10: med * 1.1, scan_top10_median: med, scan_top10_slowest: med * 0.9, ...extra });
const faiss = (backend, med) => line({ backend, what: 'fastscan', mode: 'adc', M: 8, kernel: 'IndexPQFastScan', scan_top10: med * 1.1, scan_top10_median: med, scan_top10_slowest: med * 0.8 });

test('readResults numbers the runs: a line repeating one of the current run\'s starts the next', () => {
  const dir = rawDir({ native: [ours('native', 'a', 100), ours('native', 'b', 200), ours('native', 'a', 110), ours('native', 'b', 190), ours('native', 'a', 90)] });
  assert.deepEqual(readResults(path.join(dir, 'scan', 'native.txt')).map((r) => [r.kernel, r.run]), [['a', 0], ['b', 0], ['a', 1], ['b', 1], ['a', 2]]);
  assert.deepEqual(readResults(path.join(dir, 'scan', 'missing.txt')), []);
  fs.rmSync(dir, { recursive: true });
});

test('scanCases: best kernel by median, median of the run medians with their range; ratios against AVX2 Faiss', () => {
  const dir = rawDir({
    native: [100, 300, 200].flatMap((m) => [ours('native', 'scalar', 10), ours('native', 'avx512', m)]),
    'wasm-simd': [50, 70, 60].map((m) => ours('wasm-simd', 'wasmsimd', m)),
    faiss: [5, 6, 7].map((m) => faiss('faiss', m)),
    'faiss-avx2': [150, 100, 125].map((m) => faiss('faiss-avx2', m)),
  });
  const c = scanCases(dir).get('fastscan adc M=8');
  assert.equal(c.native.kernel, 'avx512');
  assert.deepEqual(c.native.top, { median: 200, lo: 100, hi: 300, runs: 3 });
  assert.ok(Math.abs(c.native.best - 330) < 1e-9, 'best: the fastest search of all runs');
  assert.deepEqual(c['faiss-avx2'].top, { median: 125, lo: 100, hi: 150, runs: 3 });
  const lines = [];
  writeScan({ RAW: dir, machine: { scan_n: 1000000 } }, { w: (s = '') => lines.push(s), table: (h, rows) => lines.push(h.join('|'), ...rows.map((r) => r.join('|'))) });
  const head = lines.find((l) => l.startsWith('case|'));
  assert.match(head, /Faiss AVX2\|Faiss generic \(Debian\)\|native \/ AVX2\|WASM SIMD \/ AVX2/);
  const row = lines.find((l) => l.startsWith('fast-scan 4-bit adc M=8|'));
  // 200 / 125 = 1.60 against AVX2; 60 / 125 = 0.48; against the generic build 200 / 6 and 60 / 6.
  assert.equal(row, 'fast-scan 4-bit adc M=8|200 (100–300)|60 (50–70)|–|125 (100–150)|6 (5–7)|1.60|0.48|33.33|10.00');
  assert.ok(lines.some((l) => /median over 3–3 runs/.test(l)));
  fs.rmSync(dir, { recursive: true });
});

test('without the AVX2 anchor the ratios are against the generic build, and say so; bandwidth and batch tables', () => {
  const bw = (bytes, gbs) => line({ backend: 'native', what: 'bandwidth', mode: 'read', M: 0, kernel: 'sum', bytes, gbs: gbs + 1, gbs_median: gbs, gbs_slowest: gbs - 1 });
  const batch = (single, b, identical = 1) => line({ backend: 'native', what: 'batch16', mode: 'adc', M: 4, kernel: 'q16', single: single + 1, batch: b + 1, identical, single_median: single, batch_median: b });
  const dir = rawDir({
    native: [[2e6, 50], [4e6, 40], [256 << 20, 10]].map(([b, g]) => bw(b, g)).concat([ours('native', 'avx2', 1000), batch(100, 300), batch(100, 250, 0)]),
    faiss: [faiss('faiss', 500)],
  });
  const lines = [];
  writeScan({ RAW: dir, machine: { scan_n: 1000000 } }, { w: (s = '') => lines.push(s), table: (h, rows) => lines.push(h.join('|'), ...rows.map((r) => r.join('|'))) });
  assert.match(lines.find((l) => l.startsWith('case|')), /native \/ generic\|WASM SIMD \/ generic\|native \/ generic/);
  assert.match(lines.find((l) => l.startsWith('fast-scan 4-bit adc M=8|')), /\|2\.00\|–\|2\.00\|–$/);
  // Kernel alone: scan = 1200 M codes/s × 4 bytes (M / 2) = 4.8 GB/s over 40 (the buffer of the codes' size: 1e6 × 4) and 10.
  assert.ok(lines.some((l) => l === 'fast-scan 4-bit adc M=8|4.8 GB/s: 0.12 / 0.48|–'), lines.join('\n'));
  const b = lines.find((l) => l.startsWith('native|4|'));
  assert.equal(b, 'native|4|q16|100|275|2.75 (2.50–3.00)|**no**|2');
  fs.rmSync(dir, { recursive: true });
});
