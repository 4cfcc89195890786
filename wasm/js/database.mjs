// readDatabase: a .dqdb's contents without a model (labels, thumbnails, ids, strings), for a page
// that shows a query set or a gallery's images. The C++ core parses it (bindings.cpp), with the same
// validation as loadIndex, so there is one .dqdb reader: this file only moves bytes in and results out.

import { describe } from './pixels.mjs';
import { call, pickModule } from './module.mjs';
import { openSource } from './sources.mjs';

const OPTIONS = new Set(['onProgress', 'simd']);

/// Reads a database file: { size, M, K, ids, labels, thumbShape, thumbnails, strings }, every array
/// a fresh copy (nothing points into the WebAssembly heap, nothing needs disposing).
export async function readDatabase(source, options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new Error(`readDatabase: options must be an object { onProgress?, simd? }, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS.has(key)) throw new Error(`readDatabase: unknown option '${key}' (expected onProgress, simd)`);
  }
  const { onProgress, simd = 'auto' } = options;
  if (source === undefined || source === null) {
    throw new Error('readDatabase: a source is required (a URL, a file path, an ArrayBuffer or a Uint8Array of a .dqdb file)');
  }
  if (simd !== 'auto' && simd !== true && simd !== false) {
    throw new Error(`readDatabase: simd must be 'auto', true or false, got ${describe(simd)}`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new Error(`readDatabase: onProgress must be a function, got ${describe(onProgress)}`);
  }
  const [mod, src] = await Promise.allSettled([pickModule(simd, 'readDatabase'), openSource(source, 'database')]);
  if (mod.status === 'rejected') {
    if (src.status === 'fulfilled') await src.value.discard();
    throw mod.reason;
  }
  if (src.status === 'rejected') throw src.reason;
  const { Module } = mod.value;
  const block = await src.value.readInto(Module, (loaded, total) => {
    if (onProgress) onProgress({ phase: 'database', loaded, total });
  });
  try {
    return call(Module, 'readDatabase', block.ptr, block.length);
  } finally {
    block.free();
  }
}
