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
