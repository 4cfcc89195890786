// The WebAssembly module behind every entry point of the package: one instance per backend, shared
// by all indexes and database reads, so the .wasm is downloaded and compiled once per page.
// Two builds of the same C++ core ship side by side: deepquan-simd.wasm (SIMD128) and deepquan.wasm
// (baseline); pickModule validates a tiny SIMD module and loads the best one. The native layer
// returns errors as Error objects (see bindings/js_values.h for why it does not throw them); `call`
// throws them.

import { isNode, platform } from './platform.mjs';

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

// backend -> Promise<{ Module, backend }> for the package's own .wasm files, one instance shared by
// every index and database read; a caller-given .wasm (options.wasm) gets its own instance, cached by
// URL or by the bytes' buffer.
const modules = new Map();
const modulesByBytes = new WeakMap();

function bytesOf(x) {
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  return null;
}

/// Where a .wasm comes from: { bytes } or { url } (a URL, or a file path under Node).
function wasmLocation(simd, file) {
  if (file === undefined) {
    // Literal `new URL('./x.wasm', import.meta.url)`: the form bundlers (Vite, webpack 5, Parcel)
    // recognise, emit as an asset and rewrite to its final URL.
    return { url: simd ? new URL('./deepquan-simd.wasm', import.meta.url) : new URL('./deepquan.wasm', import.meta.url) };
  }
  const bytes = bytesOf(file);
  if (bytes) return { bytes };
  if (file instanceof URL) return { url: file };
  if (/^[a-z][a-z0-9+.-]*:/i.test(file) && !/^[a-z]:[\\/]/i.test(file)) return { url: new URL(file) };
  if (platform.readFile) return { path: file };
  return { url: new URL(file, globalThis.location ? globalThis.location.href : import.meta.url) };
}

async function instantiate(simd, loc) {
  const backend = simd ? 'wasm-simd128' : 'wasm-baseline';
  // Two literal imports (not a template string) so bundlers see both files.
  const mod = simd ? await import('./deepquan-simd.mjs') : await import('./deepquan.mjs');
  const opts = { print: () => {}, printErr: (s) => console.warn(`deepquan: ${s}`) };
  if (loc.bytes) {
    opts.wasmBinary = loc.bytes;
  } else if (isNode) {
    // Emscripten 3.1.6's web loader would fetch() a file path under Node: hand it the bytes.
    const fileLike = loc.path !== undefined || loc.url.protocol === 'file:';
    if (fileLike && !platform.readFile) {
      throw new Error("deepquan: under Node.js the .wasm is read from disk by the package's Node entry: import 'deepquan' (not index.mjs by path), or pass its bytes as options.wasm");
    }
    if (fileLike) opts.wasmBinary = await platform.readFile(loc.path ?? loc.url);
    else {
      const res = await fetch(loc.url);
      if (!res.ok) throw new Error(`deepquan: HTTP ${res.status} for ${loc.url.href}`);
      opts.wasmBinary = new Uint8Array(await res.arrayBuffer());
    }
  } else {
    const href = loc.url.href;
    opts.locateFile = (file) => (file.endsWith('.wasm') ? href : new URL(file, import.meta.url).href);
  }
  const Module = await mod.default(opts);
  return { Module, backend };
}

function loadModule(simd, file) {
  const loc = wasmLocation(simd, file);
  const build = simd ? 'simd' : 'baseline';
  let cache = modules, key = `${build} ${loc.path ?? loc.url?.href}`;
  if (loc.bytes) {
    // Per buffer, so a caller's bytes are compiled once however many indexes use them.
    cache = modulesByBytes.get(loc.bytes.buffer);
    if (!cache) modulesByBytes.set(loc.bytes.buffer, (cache = new Map()));
    key = build;
  }
  let p = cache.get(key);
  if (!p) {
    p = instantiate(simd, loc);
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/// The module for `simd` ('auto' | true | false); wasm = options.wasm ({ simd?, baseline? }: where
/// each build's .wasm comes from, checked by checkOptions).
export async function pickModule(simd, what, wasm = {}) {
  if (simd === true) {
    if (!simdSupported()) throw new Error(`${what}: simd: true was requested but this engine does not support WebAssembly SIMD128 (use simd: 'auto')`);
    return loadModule(true, wasm.simd);
  }
  if (simd === false || !simdSupported()) return loadModule(false, wasm.baseline);
  try {
    return await loadModule(true, wasm.simd);
  } catch (e) {
    console.warn(`deepquan: the SIMD128 module failed to load (${e && e.message}); using the baseline module`);
    return loadModule(false, wasm.baseline);
  }
}

export function call(native, method, ...args) {
  const r = native[method](...args);
  if (r instanceof Error) throw new Error(r.message);
  return r;
}
