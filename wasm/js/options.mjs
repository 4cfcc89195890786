// The options object loadIndex and readDatabase share (onProgress, simd, wasm): one check, one set of
// messages, so both entry points refuse a bad option in the same words.

import { describe } from './pixels.mjs';

/// Checks `options` of `what` against `signature` (e.g. "model, database?, onProgress?, simd?": the
/// allowed keys, `?` for optional): an object, no unknown key, simd 'auto' | true | false (default
/// 'auto'), onProgress a function or absent, wasm absent or { simd?, baseline? } each a URL (string
/// or URL; a file path under Node) or the bytes of that build's .wasm. Returns the options with simd
/// and wasm defaulted.
export function checkOptions(what, options, signature) {
  const names = signature.split(', ').map((s) => s.replace('?', ''));
  if (options === null || typeof options !== 'object') {
    throw new Error(`${what}: expected an options object { ${signature} }, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!names.includes(key)) throw new Error(`${what}: unknown option '${key}' (expected ${names.join(', ')})`);
  }
  const { onProgress, simd = 'auto' } = options;
  if (simd !== 'auto' && simd !== true && simd !== false) {
    throw new Error(`${what}: simd must be 'auto', true or false, got ${describe(simd)}`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new Error(`${what}: onProgress must be a function, got ${describe(onProgress)}`);
  }
  const { wasm = {} } = options;
  if (wasm === null || typeof wasm !== 'object' || wasm instanceof URL || ArrayBuffer.isView(wasm) || wasm instanceof ArrayBuffer) {
    throw new Error(`${what}: wasm must be an object { simd?, baseline? } naming each build's .wasm (a URL or its bytes), got ${describe(wasm)}`);
  }
  for (const [key, file] of Object.entries(wasm)) {
    if (key !== 'simd' && key !== 'baseline') throw new Error(`${what}: unknown key '${key}' in options.wasm (expected simd, baseline)`);
    const ok = file instanceof URL || file instanceof ArrayBuffer || ArrayBuffer.isView(file) || (typeof file === 'string' && file.length > 0);
    if (!ok) throw new Error(`${what}: wasm.${key} must be a URL, a non-empty string or the bytes of a .wasm file, got ${describe(file)}`);
    const n = typeof file === 'string' || file instanceof URL ? -1 : file.byteLength;
    if (n === 0) throw new Error(`${what}: wasm.${key} is empty (0 bytes)`);
  }
  return { ...options, simd, wasm };
}

const SEARCH_OPTIONS = ['k', 'mode', 'pool', 'exact', 'filter'];

/// The options of search / searchBatch / searchCode, for an index and for the pool alike: { k = 10,
/// mode = 'sdc', pool = 0, exact = false, filter }, checked against the index described by `info`
/// (size, K, scanKernel / exactScanKernel). The filter comes back as given, for the caller's
/// checkFilter (an index turns it into one bitmap, the pool into one per shard).
export function checkSearchOptions(opts, what, info) {
  if (opts === undefined) opts = {};
  if (opts === null || typeof opts !== 'object') throw new Error(`${what}: options must be an object { ${SEARCH_OPTIONS.join(', ')} }, got ${describe(opts)}`);
  for (const key of Object.keys(opts)) {
    if (!SEARCH_OPTIONS.includes(key)) throw new Error(`${what}: unknown option '${key}' (expected ${SEARCH_OPTIONS.join(', ')})`);
  }
  const { k = 10, mode = 'sdc', pool = 0, exact = false, filter } = opts;
  if (typeof k !== 'number' || !Number.isInteger(k) || k <= 0) throw new Error(`${what}: k must be a positive integer, got ${describe(k)}`);
  const size = info.size;
  if (k > size) throw new Error(`${what}: k = ${k} is larger than the index (${size} item${size === 1 ? '' : 's'})`);
  if (mode !== 'sdc' && mode !== 'adc') throw new Error(`${what}: unknown mode ${describe(mode)} (expected 'sdc' or 'adc')`);
  // The K = 16 fast-scan's knobs (dq::ScanOptions); on the exact path a pool would do nothing.
  if (typeof exact !== 'boolean') throw new Error(`${what}: exact must be true or false, got ${describe(exact)}`);
  if (typeof pool !== 'number' || !Number.isInteger(pool) || pool < 0) throw new Error(`${what}: pool must be a non-negative integer, got ${describe(pool)}`);
  if (pool > 0 && (exact || info.scanKernel === info.exactScanKernel)) {
    throw new Error(`${what}: pool applies to the K = 16 fast-scan only; ${exact ? 'exact: true scans every code' : `this index (K = ${info.K}) is scanned exactly`}`);
  }
  return { k, mode, pool, exact, filter };
}
