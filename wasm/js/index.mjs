// deepquan: image retrieval with a deep encoder + product-quantization codes, in WebAssembly.
//
//   import { loadIndex } from 'deepquan';
//   const index = await loadIndex({ model: 'model.dqm', database: 'gallery.dqdb', onProgress });
//   const hits = index.search(pixels, { k: 10, mode: 'sdc' });   // [{ id, distance, label }]
//
// Two builds of the same C++ core ship side by side (module.mjs): SIMD128 and baseline; loadIndex
// loads the best one (index.backend says which), both return bit-identical codes and distances.
// Without a model: readDatabase (database.mjs) reads a .dqdb's labels, thumbnails and strings, and
// download (download.mjs) fetches files with one summed progress, as the search page needs.

import { describe, toInput, toBatch, isImageDataLike, pixelSpec, imageDataToBytes } from './pixels.mjs';
import { openSource } from './sources.mjs';
import { call, pickModule, simdSupported } from './module.mjs';
import { checkOptions, checkSearchOptions } from './options.mjs';
import { checkFilter, nativeFilter } from './filter.mjs';

export const version = '@PROJECT_VERSION@';

/// Opens a model (and optionally a database of codes) and returns a DeepQuanIndex.
export async function loadIndex(options) {
  const { model, database, onProgress, simd, wasm } = checkOptions('loadIndex', options, 'model, database?, onProgress?, simd?, wasm?');
  if (model === undefined || model === null) {
    throw new Error('loadIndex: options.model is required (a URL, a file path, an ArrayBuffer or a Uint8Array of a .dqm file)');
  }
  const progress = (phase, loaded, total) => {
    if (onProgress) onProgress({ phase, loaded, total });
  };
  const hasDb = database !== undefined && database !== null;
  // Requests go out together with the module download; bodies are read into the heap afterwards.
  const settled = await Promise.allSettled([
    pickModule(simd, 'loadIndex', wasm),
    openSource(model, 'model'),
    hasDb ? openSource(database, 'database') : null,
  ]);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    // Close what did open (file handles, response bodies) before reporting the first failure.
    await Promise.all(settled.slice(1).map((r) => (r.status === 'fulfilled' && r.value ? r.value.discard() : null)));
    throw failed.reason;
  }
  const [{ Module, backend }, modelSrc, dbSrc] = settled.map((r) => r.value);
  let modelBlock = null, dbBlock = null, native = null;
  try {
    try {
      modelBlock = await modelSrc.readInto(Module, (l, t) => progress('model', l, t));
    } catch (e) {
      if (dbSrc) await dbSrc.discard();
      throw e;
    }
    if (dbSrc) dbBlock = await dbSrc.readInto(Module, (l, t) => progress('database', l, t));
    progress('init', 0, 1);
    native = new Module.NativeIndex();
    call(native, 'open', modelBlock.ptr, modelBlock.length, dbBlock ? dbBlock.ptr : 0, dbBlock ? dbBlock.length : 0, !!dbBlock);
    progress('init', 1, 1);
  } catch (e) {
    if (native) native.delete();
    throw e;
  } finally {
    if (modelBlock) modelBlock.free();
    if (dbBlock) dbBlock.free();
  }
  return new DeepQuanIndex(Module, native, backend);
}

// Safety net for indexes dropped without dispose(): frees the native side when the wrapper is
// collected. dispose() stays the way to free memory at a known time.
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((native) => {
    try {
      native.close();
      native.delete();
    } catch { /* already gone */ }
  })
  : null;

/// The model's META provenance (the trainer's JSON: dataset, hyper-parameters, seed, ...), or null
/// when it is not a JSON object. The core stores it verbatim and never parses it; a model stays
/// usable with broken provenance, so a parse failure is not an error here either.
function parseMeta(json) {
  try {
    const m = JSON.parse(json);
    return m !== null && typeof m === 'object' && !Array.isArray(m) ? m : null;
  } catch {
    return null;
  }
}


export class DeepQuanIndex {
  #module;
  #native;
  #backend;
  #info;
  #meta;
  #spec;

  /** @internal use loadIndex() */
  constructor(module, native, backend) {
    this.#module = module;
    this.#native = native;
    this.#backend = backend;
    this.#info = call(native, 'info');
    this.#meta = parseMeta(this.#info.meta);
    this.#spec = pixelSpec(module, this.#info);
    if (finalizer) finalizer.register(this, native, this);
  }

  /** 'wasm-simd128' or 'wasm-baseline'. */
  get backend() {
    return this.#backend;
  }

  /** Shapes and sizes of the model and database (a fresh object each time). */
  get info() {
    this.#live();
    const i = this.#info;
    return {
      inputDim: i.inputDim, height: i.height, width: i.width, channels: i.channels, scale: i.scale,
      standardized: i.standardized, inputKind: i.standardized ? 'features' : 'pixels',
      latentDim: i.latentDim, M: i.M, K: i.K, bits: i.bits, layers: i.layers.slice(), size: i.size,
      weightType: i.weightType, hasLabels: i.hasLabels, hasThumbnails: i.hasThumbnails,
      thumbShape: i.thumbShape ? i.thumbShape.slice() : null, scanKernel: i.scanKernel, exactScanKernel: i.exactScanKernel,
      batchScanKernel: i.batchScanKernel,
      fromImageFiles: i.fromImageFiles, background: i.background,
      backend: this.#backend,
      meta: this.#meta === null ? null : structuredClone(this.#meta),
    };
  }

  get size() {
    this.#live();
    return this.#info.size;
  }

  /**
   * Memory of the WebAssembly instance (shared by every index loaded with the same backend):
   * heapBytes = its linear memory, usedBytes = allocated and not freed, liveHandles = JS values
   * held by the native side.
   */
  memoryUsage() {
    const M = this.#module;
    return { heapBytes: M.HEAPU8.length, usedBytes: M.heapUsed(), liveHandles: M.count_emval_handles() };
  }

  get disposed() {
    return this.#native === null;
  }

  #live() {
    if (this.#native === null) throw new Error('this index has been disposed');
    return this.#native;
  }

  #options(opts, what) {
    const o = checkSearchOptions(opts, what, this.#info);
    const size = this.#info.size;
    const filter = nativeFilter(checkFilter(o.filter, size, this.#info.hasLabels, what), size, what);
    // The core clips the pool to the index size; so does this, to fit a wasm size_t.
    return { k: o.k, mode: o.mode, pool: Math.min(o.pool, size), exact: o.exact, filter };
  }

  // Rows of k hits; a filter passing fewer than k items leaves padding (id -1) at a row's end,
  // which is dropped: such a row holds every passing item. position: the item's place in the
  // database at search time (which item a hit is when an id repeats; stale after a removal).
  #results(r, n, k) {
    const out = [];
    for (let q = 0; q < n; q++) {
      const row = [];
      for (let j = 0; j < k; j++) {
        const t = q * k + j;
        if (r.ids[t] < 0) break;
        const label = r.labels ? r.labels[t] : -1;
        row.push({ id: r.ids[t], distance: r.distances[t], label: label >= 0 ? label : null, position: r.positions[t] });
      }
      out.push(row);
    }
    return out;
  }

  /**
   * The k nearest database items of one image, sorted by (distance, id).
   * mode 'sdc': distances between codes (the paper's symmetric distance); 'adc': from the query's
   * float latent vector to each code's codewords.
   */
  search(pixels, opts) {
    const native = this.#live();
    const { k, mode, pool, exact, filter } = this.#options(opts, 'search');
    const x = toInput(pixels, this.#spec, 'search: pixels');
    return this.#results(call(native, 'search', x, 1, k, mode, pool, exact, filter), 1, k)[0];
  }

  /** search() for many images: an array of pixel inputs, or one flat Float32Array / Uint8Array of n × inputDim. */
  searchBatch(batch, opts) {
    const native = this.#live();
    const { k, mode, pool, exact, filter } = this.#options(opts, 'searchBatch');
    const x = this.#batch(batch, 'searchBatch');
    const n = x.length / this.#spec.inputDim;
    if (n === 0) return [];
    return this.#results(call(native, 'search', x, n, k, mode, pool, exact, filter), n, k);
  }

  /** SDC search from a code (Uint8Array of M bytes), e.g. index.code(position). */
  searchCode(code, opts) {
    const native = this.#live();
    const { k, mode, pool, exact, filter } = this.#options(opts, 'searchCode');
    if (mode !== 'sdc') throw new Error("searchCode: a code has no float latent vector, so only mode 'sdc' applies");
    const M = this.#info.M;
    if (!(code instanceof Uint8Array) || code.length !== M) throw new Error(`searchCode: expected a Uint8Array of M = ${M} bytes, got ${describe(code)}`);
    return this.#results(call(native, 'searchCodes', code, 1, k, pool, exact, filter), 1, k)[0];
  }

  /**
   * search() from latent vectors already computed (embed / embedBatch): one Float32Array of
   * latentDim values. search() is embed() then this, bit for bit; the search pool encodes each
   * query once and its workers scan from the vector.
   */
  searchLatent(z, opts) {
    return this.#searchLatent(z, opts, 'searchLatent', true)[0];
  }

  /** searchLatent() for n vectors: one Float32Array of n × latentDim values. */
  searchLatentBatch(z, opts) {
    return this.#searchLatent(z, opts, 'searchLatentBatch', false);
  }

  #searchLatent(z, opts, what, one) {
    const native = this.#live();
    const { k, mode, pool, exact, filter } = this.#options(opts, what);
    const L = this.#info.latentDim;
    if (!(z instanceof Float32Array) || (one ? z.length !== L : z.length % L !== 0)) {
      throw new Error(`${what}: expected a Float32Array of ${one ? `latentDim = ${L}` : `n × latentDim = n × ${L}`} values, got ${describe(z)}`);
    }
    const n = z.length / L;
    if (n === 0) return [];
    return this.#results(call(native, 'searchLatent', z, n, k, mode, pool, exact, filter), n, k);
  }

  #batch(batch, what) {
    return toBatch(batch, this.#spec, what);
  }

  /** The image's code: Uint8Array of M bytes (one codeword index per subspace). */
  encode(pixels) {
    const native = this.#live();
    return call(native, 'encode', toInput(pixels, this.#spec, 'encode: pixels'), 1);
  }

  /**
   * The model's input bytes (Uint8Array of height × width × channels) for an ImageData-like RGBA
   * image: what encode / search feed the encoder (scaled by info.scale), computed by the core's
   * preprocess_rgba exactly as the trainer does for a PNG / JPEG file.
   */
  preprocess(image) {
    this.#live();
    if (!isImageDataLike(image)) throw new Error(`preprocess: expected an ImageData-like {data, width, height} of RGBA bytes, got ${describe(image)}`);
    return imageDataToBytes(image, this.#spec, 'preprocess: image');
  }

  /** The encoder's output (the latent vector that is quantized): Float32Array of latentDim values. */
  embed(pixels) {
    const native = this.#live();
    return call(native, 'embed', toInput(pixels, this.#spec, 'embed: pixels'), 1);
  }

  /** embed() for many images (as searchBatch takes them): Float32Array of n × latentDim values. */
  embedBatch(batch) {
    const native = this.#live();
    const x = this.#batch(batch, 'embedBatch');
    const n = x.length / this.#spec.inputDim;
    return n === 0 ? new Float32Array(0) : call(native, 'embed', x, n);
  }

  /** Encodes an image and appends it with an id (integer in [0, 2^32 - 1]) and an optional label. */
  add(pixels, id, label) {
    const native = this.#live();
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new Error(`add: id must be an integer in [0, 4294967295], got ${describe(id)}`);
    }
    const hasLabel = label !== undefined && label !== null;
    if (hasLabel && (typeof label !== 'number' || !Number.isInteger(label) || label < -1 || label > 0x7fffffff)) {
      throw new Error(`add: label must be an integer in [-1, 2147483647] (-1 = unknown), null or undefined, got ${describe(label)}`);
    }
    const x = toInput(pixels, this.#spec, 'add: pixels');
    call(native, 'add', x, 1, Uint32Array.of(id), hasLabel ? Int32Array.of(label) : null);
    this.#info = call(native, 'info');
  }

  /**
   * Encodes and appends many images in one call: batch as for searchBatch, ids one per image
   * (Uint32Array or integers), labels one per image (Int32Array or integers, -1 = unknown) or
   * omitted. All or nothing: a bad image, id or label leaves the index as it was.
   */
  addBatch(batch, ids, labels) {
    const native = this.#live();
    const x = this.#batch(batch, 'addBatch');
    const n = x.length / this.#spec.inputDim;
    const seq = (v) => v instanceof Uint32Array || v instanceof Int32Array || Array.isArray(v);
    if (!seq(ids)) throw new Error(`addBatch: ids must be a Uint32Array or an array of integers, got ${describe(ids)}`);
    if (ids.length !== n) throw new Error(`addBatch: ${n} images but ${ids.length} ids`);
    const idv = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff) {
        throw new Error(`addBatch: ids[${i}] must be an integer in [0, 4294967295], got ${describe(id)}`);
      }
      idv[i] = id;
    }
    let lv = null;
    if (labels !== undefined && labels !== null) {
      if (!seq(labels)) throw new Error(`addBatch: labels must be an Int32Array, an array of integers, null or undefined, got ${describe(labels)}`);
      if (labels.length !== n) throw new Error(`addBatch: ${n} images but ${labels.length} labels`);
      lv = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const l = labels[i];
        if (typeof l !== 'number' || !Number.isInteger(l) || l < -1 || l > 0x7fffffff) {
          throw new Error(`addBatch: labels[${i}] must be an integer in [-1, 2147483647] (-1 = unknown), got ${describe(l)}`);
        }
        lv[i] = l;
      }
    }
    if (n === 0) return;
    call(native, 'add', x, n, idv, lv);
    this.#info = call(native, 'info');
  }

  /**
   * Appends every item of another .dqdb encoded with this model (a URL, a file path under Node, or
   * its bytes): codes, ids and labels; the file is checked like any database. Resolves to the number
   * of items added. All or nothing.
   */
  async addDatabase(source, { onProgress } = {}) {
    this.#live();
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new Error(`addDatabase: onProgress must be a function, got ${describe(onProgress)}`);
    const src = await openSource(source, 'database');
    const block = await src.readInto(this.#module, (loaded, total) => onProgress && onProgress({ phase: 'database', loaded, total }));
    try {
      const native = this.#live();
      const n = call(native, 'appendDatabase', block.ptr, block.length);
      this.#info = call(native, 'info');
      return n;
    } finally {
      block.free();
    }
  }

  /**
   * Removes the items with these ids (an id, or an array / Uint32Array of ids; every item carrying
   * one, as ids need not be unique) and returns how many went. All or nothing: an id no item has, or
   * one listed twice, throws and removes nothing. Later items move down one position per removed
   * item before them (order kept), so positions taken before are stale; ids stay.
   */
  remove(ids) {
    const native = this.#live();
    const v = this.#list(ids, 'remove', 'ids', 0xffffffff);
    if (v.length === 0) return 0;
    const removed = call(native, 'removeIds', v);
    this.#info = call(native, 'info');
    return removed;
  }

  /** remove() by position: a position, or an array of positions (taken before the removal). */
  removeAt(positions) {
    const native = this.#live();
    const size = this.#info.size;
    const v = this.#list(positions, 'removeAt', 'positions', size - 1);
    if (v.length === 0) return;
    call(native, 'removePositions', v);
    this.#info = call(native, 'info');
  }

  #list(v, what, name, hi) {
    const one = typeof v === 'number';
    if (!one && !Array.isArray(v) && !(v instanceof Uint32Array)) {
      throw new Error(`${what}: expected an integer or an array of ${name}, got ${describe(v)}`);
    }
    const items = one ? [v] : v;
    const out = new Uint32Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const x = items[i];
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > hi) {
        const at = one ? '' : `[${i}]`;
        const range = hi < 0 ? 'the index is empty' : `expected an integer in [0, ${hi}]`;
        throw new Error(`${what}: ${name}${at} = ${describe(x)} is out of range (${range})`);
      }
      out[i] = x;
    }
    return out;
  }

  #position(at, what) {
    const size = this.#info.size;
    if (typeof at === 'number') {
      if (!Number.isInteger(at) || at < 0 || at >= size) throw new Error(`${what}: position must be an integer in [0, ${size - 1}], got ${describe(at)}`);
      return at;
    }
    if (at !== null && typeof at === 'object' && 'id' in at) {
      const p = call(this.#native, 'positionOf', Number(at.id));
      if (p < 0) throw new Error(`${what}: no item with id ${describe(at.id)}`);
      return p;
    }
    throw new Error(`${what}: expected a position (integer) or { id }, got ${describe(at)}`);
  }

  /** Thumbnail bytes (thumbShape = [h, w, c]) of the item at a position, or of { id }. */
  thumbnail(at) {
    const native = this.#live();
    if (!this.#info.hasThumbnails) throw new Error('thumbnail: the database has no thumbnails');
    return call(native, 'thumbnail', this.#position(at, 'thumbnail'));
  }

  /** Stored code (Uint8Array of M bytes) of the item at a position, or of { id }. */
  code(at) {
    const native = this.#live();
    return call(native, 'code', this.#position(at, 'code'));
  }

  /** Position of an id in the database (first occurrence), or -1. */
  positionOf(id) {
    const native = this.#live();
    return call(native, 'positionOf', Number(id));
  }

  /** Labels in database order (Int32Array, -1 = unknown), or null if the database has none. */
  labels() {
    return call(this.#live(), 'labels');
  }

  /** Ids in database order (Uint32Array). */
  ids() {
    return call(this.#live(), 'ids');
  }

  /**
   * The database as the bytes of a .dqdb file (Uint8Array): every item now in the index, added ones
   * included and removed ones not, in index order. Reopen it with loadIndex({ model, database: bytes }), the native CLI or
   * the storage helpers (storage.mjs).
   */
  save() {
    return call(this.#live(), 'save');
  }

  /** Frees the native memory now; any later call throws. Idempotent. */
  dispose() {
    const native = this.#native;
    if (native === null) return;
    this.#native = null;
    if (finalizer) finalizer.unregister(this);
    native.close();
    native.delete();
  }
}

export default loadIndex;
export { isImageDataLike, simdSupported };
export { readDatabase } from './database.mjs';
export { download } from './download.mjs';
export { loadSearchPool, SearchPool } from './pool.mjs';
export { openCollection, Collection, HEAP_LIMIT } from './collection.mjs';
export { saveToIndexedDB, loadFromIndexedDB, removeFromIndexedDB, opfsSupported, saveToOPFS, loadFromOPFS, removeFromOPFS } from './storage.mjs';
