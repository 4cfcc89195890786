// The WebAssembly module behind every entry point of the package: one instance per backend, shared
// by all indexes and database reads, so the .wasm is downloaded and compiled once per page.
// Two builds of the same C++ core ship side by side: deepquan-simd.wasm (SIMD128) and deepquan.wasm
// (baseline); pickModule validates a tiny SIMD module and loads the best one. The native layer
// returns errors as Error objects (see bindings.cpp for why it does not throw them); `call` throws them.

import { isNode } from './sources.mjs';

// The wasm-feature-detect SIMD probe: (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/// Whether this engine runs WebAssembly SIMD128.
export function simdSupported() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const modules = new Map(); // backend -> Promise<Module>, one instance shared by all indexes

function loadModule(simd) {
  const backend = simd ? 'wasm-simd128' : 'wasm-baseline';
  let p = modules.get(backend);
  if (!p) {
    p = (async () => {
      // Two literal imports (not a template string) so bundlers see both files.
      const mod = simd ? await import('./deepquan-simd.mjs') : await import('./deepquan.mjs');
      const wasmUrl = simd ? new URL('./deepquan-simd.wasm', import.meta.url) : new URL('./deepquan.wasm', import.meta.url);
      const opts = { print: () => {}, printErr: (s) => console.warn(`deepquan: ${s}`) };
      if (isNode) {
        // Emscripten 3.1.6's web loader would fetch() a file path under Node: hand it the bytes.
        const fs = await import('node:fs/promises');
        opts.wasmBinary = await fs.readFile(wasmUrl);
      } else {
        opts.locateFile = (file) => new URL(file, import.meta.url).href;
      }
      const Module = await mod.default(opts);
      return { Module, backend };
    })();
    p.catch(() => modules.delete(backend));
    modules.set(backend, p);
  }
  return p;
}

export async function pickModule(simd, what) {
  if (simd === true) {
    if (!simdSupported()) throw new Error(`${what}: simd: true was requested but this engine does not support WebAssembly SIMD128 (use simd: 'auto')`);
    return loadModule(true);
  }
  if (simd === false || !simdSupported()) return loadModule(false);
  try {
    return await loadModule(true);
  } catch (e) {
    console.warn(`deepquan: the SIMD128 module failed to load (${e && e.message}); using the baseline module`);
    return loadModule(false);
  }
}

export function call(native, method, ...args) {
  const r = native[method](...args);
  if (r instanceof Error) throw new Error(r.message);
  return r;
}
