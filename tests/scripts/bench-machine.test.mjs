// scripts/bench/machine.mjs: the parts of machine.json read from text (the rest is the machine itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuInfo, emccVersion, describeMachine } from '../../scripts/bench/machine.mjs';
import { benchSettings } from '../../scripts/bench/matrix.mjs';

test('cpuInfo: the model name and the SIMD flags, whole words only, in the benchmark\'s order', () => {
  const text = 'processor\t: 0\nmodel name\t: AMD EPYC 9B14\nflags\t\t: fpu avx2 sse4_2 avx fma avx512f avx512_vnni avx512bwx\n\nprocessor\t: 1\nmodel name\t: other\n';
  assert.deepEqual(cpuInfo(text), { cpu: 'AMD EPYC 9B14', simd: ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_vnni'] });
  assert.deepEqual(cpuInfo(''), { cpu: '', simd: [] });
});

test('emccVersion: the version from emcc --version\'s first line', () => {
  assert.equal(emccVersion('emcc (Emscripten gcc/clang-like replacement + linker emulating GNU ld) 3.1.6 (1934a98e709b57d3592b8272d3f1264a72c089e4)'), '3.1.6');
  assert.equal(emccVersion(null), null);
});

test('describeMachine: the settings and sources as machine.json records them, in its field order', () => {
  const m = describeMachine({ root: process.cwd(), settings: benchSettings({ quick: true }), opts: { keepSources: ['0123456789ab'], rerun: ['x-*'] },
    sources: 'aaaaaaaaaaaa', march: '', t0: 1234 });
  assert.deepEqual(Object.keys(m), ['mode', 'seeds', 'scan_n', 'cpu', 'simd_flags', 'cores', 'mem_gib', 'node', 'gxx', 'emcc', 'kernel', 'train_flags',
    'trainer_march', 'date', 'revision', 'sources', 'keep_sources', 'load_at_start', 'started_unix', 'rerun']);
  assert.equal(m.mode, 'quick');
  assert.equal(m.seeds, 1);
  assert.equal(m.scan_n, 200000);
  assert.equal(m.train_flags, '--pretrain-iterations 300 --iterations 150');
  assert.equal(m.trainer_march, 'compiler default', 'no -march recorded');
  assert.match(m.date, /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  assert.deepEqual(m.keep_sources, ['0123456789ab']);
  assert.equal(m.started_unix, 1234);
  assert.ok(m.cores >= 1);
});
