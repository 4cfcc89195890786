// The options object loadIndex and readDatabase share (onProgress, simd): one check, one set of
// messages, so both entry points refuse a bad option in the same words.

import { describe } from './pixels.mjs';

/// Checks `options` of `what` against `signature` (e.g. "model, database?, onProgress?, simd?": the
/// allowed keys, `?` for optional): an object, no unknown key, simd 'auto' | true | false (default
/// 'auto'), onProgress a function or absent. Returns the options with simd defaulted.
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
  return { ...options, simd };
}
