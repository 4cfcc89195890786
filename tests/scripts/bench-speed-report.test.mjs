// The speed section's readers (scripts/bench/report/wasm-latency.mjs, speed.mjs nativeEncode): the package latency
// of bench-wasm.sh's REPEAT runs as the median of the runs' medians with their range, a log of one run (older
// sources) read as one run, and the native encode per image from repeated pairs of commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWasmLatency } from '../../scripts/bench/report/wasm-latency.mjs';
import { nativeEncode } from '../../scripts/bench/report/speed.mjs';

const run = (enc, sdc) => `== wasm-simd128 32-bit: encode (784-500-500-2000-64, one query) median ${enc} ms, p90 ${enc * 2} ms
   search sdc k=10 over 70,000 codes (incl. encode): median ${sdc} ms, p90 ${sdc * 2} ms
   searchBatch of 100 queries sdc over 70,000 codes: 0.176 ms per query
== wasm-baseline 32-bit: encode (784-500-500-2000-64, one query) median ${enc * 4} ms, p90 ${enc * 8} ms
   search sdc k=10 over 70,000 codes (incl. encode): median ${sdc * 3} ms, p90 ${sdc * 6} ms
`;

test('parseWasmLatency: per backend, bits, codes and mode the median of the run medians, their range, the median p90', () => {
  const log = `== module sizes\nindex.mjs 19285 bytes raw 6131 gzip -9\n== run 1 of 3\n${run(0.2, 0.4)}== run 2 of 3\n${run(0.3, 0.5)}== run 3 of 3\n${run(0.25, 0.9)}`;
  const r = parseWasmLatency(log);
  assert.equal(r.runs, 3);
  assert.deepEqual(r.encode.map((e) => [e.backend, e.bits, e.runs]), [['wasm-simd128', 32, 3], ['wasm-baseline', 32, 3]]);
  assert.deepEqual([r.encode[0].median, r.encode[0].min, r.encode[0].max, r.encode[0].p90], [0.25, 0.2, 0.3, 0.5]);
  const sdc = r.search.find((x) => x.backend === 'wasm-baseline');
  assert.deepEqual([sdc.codes, sdc.mode, sdc.runs], ['70,000', 'sdc', 3]);
  assert.ok(Math.abs(sdc.median - 1.5) < 1e-9 && Math.abs(sdc.max - 2.7) < 1e-9, JSON.stringify(sdc));
  const one = parseWasmLatency(run(0.2, 0.4));
  assert.equal(one.runs, 1, 'a log of one run, without run lines');
  assert.deepEqual([one.encode[0].median, one.encode[0].min, one.encode[0].max], [0.2, 0.2, 0.2]);
  assert.deepEqual(parseWasmLatency(''), { runs: 0, encode: [], search: [] });
});

test('nativeEncode: one difference per pair of runs, non-positive ones dropped, older single-run files read', () => {
  const db10k = { items: 10000, native_encode_seconds_1thread: 2, native_encode_seconds_runs: [2.0, 1.9, 0.5] };
  const db1k = { items: 1000, native_encode_seconds_1thread: 1, native_encode_seconds_runs: [1.1, 1.0, 0.6] };
  const n = nativeEncode(db10k, db1k);
  assert.equal(n.runs, 2, 'the third pair came out negative: no figure');
  assert.ok(Math.abs(n.median - 0.1) < 1e-12 && Math.abs(n.min - 0.1) < 1e-12, JSON.stringify(n));
  const old = nativeEncode({ items: 10000, native_encode_seconds_1thread: 1.774 }, { items: 1000, native_encode_seconds_1thread: 1.0 });
  assert.equal(old.runs, 1);
  assert.ok(Math.abs(old.median - 0.086) < 1e-12);
  assert.equal(nativeEncode(null, db1k), null);
  assert.equal(nativeEncode({ items: 10000, native_encode_seconds_1thread: 1 }, { items: 1000, native_encode_seconds_1thread: 2 }), null);
});
