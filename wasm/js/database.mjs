// readDatabase: a .dqdb's contents without a model (labels, thumbnails, ids, strings), for a page
// that shows a query set or a gallery's images. The C++ core parses it (bindings/database_file.cpp),
// with the same validation as loadIndex, so there is one .dqdb reader: this file only moves bytes in
// and results out.

import { call, pickModule } from './module.mjs';
import { checkOptions } from './options.mjs';
import { openSource } from './sources.mjs';

/// Reads a database file: { size, M, K, ids, labels, labelNames, thumbShape, thumbnails, strings }, every array
/// a fresh copy (nothing points into the WebAssembly heap, nothing needs disposing).
export async function readDatabase(source, options = {}) {
  const { onProgress, simd, wasm } = checkOptions('readDatabase', options, 'onProgress?, simd?, wasm?');
  if (source === undefined || source === null) {
    throw new Error('readDatabase: a source is required (a URL, a file path, an ArrayBuffer or a Uint8Array of a .dqdb file)');
  }
  const [mod, src] = await Promise.allSettled([pickModule(simd, 'readDatabase', wasm), openSource(source, 'database')]);
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
