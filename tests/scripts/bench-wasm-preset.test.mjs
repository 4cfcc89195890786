// The CMake preset scripts/bench-scan.sh builds its wasm programs with (wasm-bench-scan): it must include
// scripts/bench/wasm-scan.cmake, and every source that file names must exist, so that a renamed core file
// fails here rather than hours into a benchmark. (Building it is scripts/bench-scan.sh's business: minutes.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('preset wasm-bench-scan: the wasm toolchain, the include file, -O3 without -DNDEBUG, the two targets', () => {
  const presets = JSON.parse(fs.readFileSync(path.join(root, 'CMakePresets.json'), 'utf8'));
  const cfg = presets.configurePresets.find((p) => p.name === 'wasm-bench-scan');
  assert.ok(cfg, 'configure preset');
  assert.equal(cfg.inherits, 'wasm');
  assert.equal(cfg.cacheVariables.CMAKE_PROJECT_INCLUDE, '${sourceDir}/scripts/bench/wasm-scan.cmake');
  assert.equal(cfg.cacheVariables.CMAKE_CXX_FLAGS_RELEASE, '-O3', 'the em++ line it replaces had no -DNDEBUG');
  const build = presets.buildPresets.find((p) => p.name === 'wasm-bench-scan');
  assert.deepEqual(build.targets.sort(), ['dq_bench_scan_scalar', 'dq_bench_scan_simd']);
  const cm = fs.readFileSync(path.join(root, 'scripts/bench/wasm-scan.cmake'), 'utf8');
  for (const t of build.targets) assert.match(cm, new RegExp(`\\b${t.replace(/_(simd|scalar)$/, '_')}`), `${t} is defined`);
  const sh = fs.readFileSync(path.join(root, 'scripts/bench-scan.sh'), 'utf8');
  assert.match(sh, /cmake --preset wasm-bench-scan/);
  assert.doesNotMatch(sh, /^\s*em\+\+ /m, 'no hand-kept em++ line left');
  // Its kernel check is the core's Catch2 suite of the preset CI runs, not a second list of test files.
  assert.match(sh, /cmake --preset wasm-tests/);
});

test('every source wasm-scan.cmake names exists', () => {
  const cm = fs.readFileSync(path.join(root, 'scripts/bench/wasm-scan.cmake'), 'utf8');
  const list = (name) => {
    const m = cm.match(new RegExp(`set\\(${name} ([^)]*)\\)`));
    assert.ok(m, name);
    return m[1].split(/\s+/).filter(Boolean);
  };
  const files = [...list('DQ_SCAN_CORE_SRCS').map((f) => `core/src/${f}`), 'tests/bench/bench_scan.cpp'];
  assert.ok(files.length >= 6);
  for (const f of files) assert.ok(fs.existsSync(path.join(root, f)), `${f} exists`);
  assert.ok(fs.readdirSync(path.join(root, 'core/src/kernels')).some((f) => f.endsWith('-wasmsimd.cpp')), 'SIMD128 kernels to glob');
});
