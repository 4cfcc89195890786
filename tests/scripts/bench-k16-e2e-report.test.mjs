// scripts/bench/report/k16-e2e.mjs: issue 21's end-to-end table (K = 16 against K = 256 over 1 M and 10 M codes)
// from synthetic e2e.json results, and the report's rule for it: in a report of parts only the k16-e2e part of the
// report's source hash, with a file that names the same sources, is shown; anything else says why it is left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { k16E2eTable, k16E2eHeader, writeK16E2e } from '../../scripts/bench/report/k16-e2e.mjs';
import { writeK16 } from '../../scripts/bench/report/k16.mjs';
import { markdownDoc } from '../../scripts/bench/report/markdown.mjs';
import { readJson } from '../../scripts/bench/report/data.mjs';

const row = (n, bits, backend, mode, K, p50, range, qps, kernel) => ({ n, bits, backend, mode, K, M: K === 16 ? bits / 4 : bits / 8, kernel,
  p50_ms: p50, p50_range: range, p99_ms: p50 * 2, qps, runs: [] });
const result = (sources = 'aaaaaaaaaaaa') => ({
  revision: 'r1', sources, command: 'node scripts/bench-k16-e2e.mjs --sizes 1000000 --reps 3', runs: 3, queries: 100,
  machine: { cpu: 'Test CPU', cores: 2, node: 'v20', load_average_end: [0.5, 0.4, 0.3] },
  rows: [
    row(1000000, 32, 'native', 'sdc', 256, 1.2, [1.1, 1.3], 800, 'k8'),
    row(1000000, 32, 'native', 'sdc', 16, 0.4, [0.4, 0.4], 2000, 'k4'),
    // ADC has only K = 256: no pair, no line.
    row(1000000, 32, 'native', 'adc', 256, 1.2, [1.2, 1.2], 810, 'k8'),
    row(10000000, 64, 'wasm-simd (Node)', 'adc', 256, 51.5, [50.1, 53], 19.5, 'w8'),
    row(10000000, 64, 'wasm-simd (Node)', 'adc', 16, 11.5, [11.2, 12], 87.75, 'w4'),
  ],
});

test('k16E2eTable: one line per cell with both K, the ratio of queries/s, the range of the run medians', () => {
  const lines = k16E2eTable(result());
  assert.equal(lines.length, 2 + 2, 'header, rule, two pairs (the unpaired ADC row left out)');
  assert.equal(lines[2], '| 1,000,000 | 32 | native | SDC | 1.200 (1.100–1.300) | 800 | 0.400 | 2000 | 2.50 | `k4` |');
  assert.equal(lines[3], '| 10,000,000 | 64 | wasm-simd (Node) | ADC | 51.50 (50.10–53.00) | 19.5 | 11.50 (11.20–12.00) | 87.75 | 4.50 | `w4` |');
  const head = k16E2eHeader(result()).join('\n');
  assert.match(head, /Revision `r1`, sources `aaaaaaaaaaaa`; 2 × Test CPU/);
  assert.match(head, /100 queries per run, 3 runs per cell/);
});

function raw({ record, file }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-k16e2e-'));
  if (file) {
    fs.mkdirSync(path.join(dir, 'k16-e2e'));
    fs.writeFileSync(path.join(dir, 'k16-e2e', 'e2e.json'), JSON.stringify(file));
  }
  const parts = record === undefined ? null
    : { records: record ? [record] : [], status: { sources: 'aaaaaaaaaaaa' }, wanted: ['speed', 'k16-e2e'] };
  return { RAW: dir, readJson, parts, runs: [], figure: () => null };
}
const section = (c) => {
  const doc = markdownDoc();
  writeK16E2e(c, doc);
  return doc.text();
};

test('writeK16E2e: in a report of parts, only the k16-e2e part of the report\'s sources with a file of those sources', () => {
  const rec = (sources, complete = true) => ({ part: 'k16-e2e', sources, complete });
  assert.match(section(raw({ record: null, file: result() })), /part `k16-e2e` not run yet/);
  assert.match(section(raw({ record: rec('bbbbbbbbbbbb'), file: result() })), /part `k16-e2e` is of other sources \(`bbbbbbbbbbbb`\)/);
  assert.match(section(raw({ record: rec('aaaaaaaaaaaa', false), file: result() })), /part `k16-e2e` did not complete/);
  // A failed step leaves an older file behind: it must not pass for this part's.
  const stale = section(raw({ record: rec('aaaaaaaaaaaa'), file: result('cccccccccccc') }));
  assert.match(stale, /e2e\.json is of sources `cccccccccccc`/);
  assert.doesNotMatch(stale, /\| 1,000,000 \|/);
  assert.match(section(raw({ record: rec('aaaaaaaaaaaa') })), /no k16-e2e\/e2e\.json/);
  const ok = section(raw({ record: rec('aaaaaaaaaaaa'), file: result() }));
  assert.match(ok, /\| 1,000,000 \| 32 \| native \| SDC \|/);
  assert.match(ok, /sources `aaaaaaaaaaaa`/);
  // A whole invocation's raw outputs (no parts): the file as it is.
  assert.match(section(raw({ file: result('dddddddddddd') })), /\| 10,000,000 \| 64 \|/);
});

test('writeK16: the K = 16 section appears for the end-to-end part alone, and not at all without either', () => {
  const doc = markdownDoc();
  writeK16(raw({ record: null }), doc);
  assert.match(doc.text(), /## K = 16 against K = 256/);
  assert.match(doc.text(), /not run yet/);
  const none = markdownDoc();
  writeK16({ ...raw({}), parts: null }, none);
  assert.equal(none.text().trim(), '');
});
