// A gallery larger than one download: a collection written by `deepquan export-collection` (see
// trainer/export/collection_writer.h for the files). openCollection resolves as soon as the model is
// in and the index is empty; the codes files then stream in, in order, each added to the index when
// it has arrived whole (and passed the core's checks), so a search answers over what has arrived and
// says how much of the collection that is. Thumbnails and metadata strings are fetched per media file
// (a few hundred items each) only for the items asked about, and the last few are kept.
//
//   const col = await openCollection({ model: 'model.dqm', collection: 'gallery/collection.json' });
//   const { hits, covered, total } = col.search(pixels, { k: 10 });   // at any time
//   await col.loaded;                                                 // everything in
//   const thumb = await col.thumbnail(hits[0].position);

import { describe } from './pixels.mjs';
import { loadIndex } from './index.mjs';
import { openSource } from './sources.mjs';
import { platform } from './platform.mjs';
import { readDatabase } from './database.mjs';

/// What one tab's module can hold: the WebAssembly heap is capped at 1 GiB (wasm32 could address
/// 4 GiB; this build sets -sMAXIMUM_MEMORY=1GB so a tab never takes more).
export const HEAP_LIMIT = 1024 * 1024 * 1024;
const MEDIA_CACHE = 8; // media files kept (LRU)

function fail(what, msg) {
  throw new Error(`${what}: ${msg}`);
}

/// Bytes of index memory an item takes: its code, id, label, position map and the K = 16 blocked
/// copy; the estimate that decides whether a collection fits one tab.
function bytesPerItem(M, K) {
  return M + 4 + 4 + 8 + (K === 16 ? Math.ceil(M / 2) : 0);
}

function checkManifest(what, m, url) {
  const where = `${url}`;
  if (m === null || typeof m !== 'object' || m.format !== 'deepquan-collection') fail(what, `${where} is not a deepquan collection manifest (no "format": "deepquan-collection")`);
  if (m.version !== 1) fail(what, `${where}: collection version ${describe(m.version)} is not supported (this reader: 1)`);
  const count = (v, name) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(what, `${where}: ${name} must be a non-negative integer, got ${describe(v)}`);
    return v;
  };
  count(m.items, 'items');
  const files = (list, name) => {
    if (!Array.isArray(list) || list.length === 0) fail(what, `${where}: ${name} must be a non-empty array`);
    let sum = 0;
    list.forEach((f, i) => {
      if (f === null || typeof f !== 'object' || typeof f.file !== 'string' || !/^[A-Za-z0-9._-]+$/.test(f.file)) fail(what, `${where}: ${name}[${i}].file must be a plain file name, got ${describe(f?.file)}`);
      sum += count(f.items, `${name}[${i}].items`);
    });
    if (sum !== m.items) fail(what, `${where}: ${name} hold ${sum} items, the collection says ${m.items}`);
  };
  files(m.codes, 'codes');
  if (m.media !== null && m.media !== undefined) {
    count(m.media.itemsPerFile, 'media.itemsPerFile');
    if (m.media.itemsPerFile < 1) fail(what, `${where}: media.itemsPerFile must be at least 1`);
    files(m.media.files, 'media.files');
    m.media.files.forEach((f, i) => {
      const want = Math.min(m.media.itemsPerFile, m.items - i * m.media.itemsPerFile);
      if (f.items !== want) fail(what, `${where}: media.files[${i}] holds ${f.items} items, expected ${want}`);
    });
  }
}

/// Opens a collection; resolves once the manifest and the model are in. Options: model (a source),
/// collection (URL or, under Node, path of collection.json), onProgress({ phase: 'codes', loaded,
/// total, items, totalItems }), simd, wasm.
export async function openCollection(options) {
  const what = 'openCollection';
  if (options === null || typeof options !== 'object') fail(what, `expected an options object { model, collection, onProgress?, simd?, wasm? }, got ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (!['model', 'collection', 'onProgress', 'simd', 'wasm'].includes(k)) fail(what, `unknown option '${k}' (expected model, collection, onProgress, simd, wasm)`);
  }
  const { model, collection, onProgress, simd, wasm } = options;
  if (collection === undefined || collection === null) fail(what, 'options.collection is required (the URL of a collection.json)');
  if (onProgress !== undefined && typeof onProgress !== 'function') fail(what, `onProgress must be a function, got ${describe(onProgress)}`);
  const manifestBytes = await readText(collection, 'collection manifest');
  let manifest;
  try {
    manifest = JSON.parse(manifestBytes);
  } catch (e) {
    fail(what, `${collection} is not JSON (${e.message})`);
  }
  checkManifest(what, manifest, collection);
  const index = await loadIndex({ model, simd, wasm });
  const info = index.info;
  if (manifest.M !== info.M || manifest.K !== info.K) {
    index.dispose();
    fail(what, `${collection} holds codes of M = ${manifest.M}, K = ${manifest.K}; the model has M = ${info.M}, K = ${info.K}`);
  }
  const need = manifest.items * bytesPerItem(info.M, info.K);
  if (need > HEAP_LIMIT * 0.9) {
    index.dispose();
    fail(what, `${collection} has ${manifest.items.toLocaleString('en')} items, about ${(need / 2 ** 20).toFixed(0)} MiB of index memory; one tab's WebAssembly heap is limited to 1 GiB (about ${Math.floor((HEAP_LIMIT * 0.9) / bytesPerItem(info.M, info.K)).toLocaleString('en')} items of this model): split the gallery or search it natively`);
  }
  return new Collection(index, manifest, base(collection), onProgress);
}

/// The directory URL (or path) a manifest's file names are relative to.
function base(src) {
  const s = src instanceof URL ? src.href : String(src);
  return s.slice(0, s.lastIndexOf('/') + 1);
}

async function readText(src, what) {
  const o = await openSource(src, what);
  if (o.readBytes) return new TextDecoder().decode(await o.readBytes(() => {}));
  // A file (Node): the manifest is small, read it whole.
  await o.discard();
  return new TextDecoder().decode(await platform.readFile(src));
}

export class Collection {
  #index;
  #manifest;
  #base;
  #media = new Map(); // media file number -> Promise<DatabaseContents>
  #error = null;
  #closed = false;

  constructor(index, manifest, baseUrl, onProgress) {
    this.#index = index;
    this.#manifest = manifest;
    this.#base = baseUrl;
    /** Resolves when every codes file is in (rejects with the first failure). */
    this.loaded = this.#stream(onProgress);
    this.loaded.catch(() => {}); // a failure is also reported by search() and loaded's own callers
  }

  async #stream(onProgress) {
    const m = this.#manifest;
    let items = 0;
    try {
      for (let i = 0; i < m.codes.length; i++) {
        if (this.#closed) return;
        const f = m.codes[i];
        const n = await this.#index.addDatabase(this.#base + f.file, {
          onProgress: (p) => onProgress && onProgress({ phase: 'codes', file: i, files: m.codes.length, loaded: p.loaded, total: p.total, items, totalItems: m.items }),
        });
        if (n !== f.items) throw new Error(`${f.file} holds ${n} items, the manifest says ${f.items}`);
        items += n;
        if (onProgress) onProgress({ phase: 'codes', file: i + 1, files: m.codes.length, loaded: 0, total: 0, items, totalItems: m.items });
      }
    } catch (e) {
      if (this.#closed) return;
      this.#error = new Error(`collection: ${e.message} (the items before it stay searchable)`);
      throw this.#error;
    }
  }

  /** Items in the collection. */
  get total() { return this.#manifest.items; }
  /** Items that have arrived and are searched. */
  get covered() { return this.#closed ? 0 : this.#index.size; }
  /** The index over what has arrived (read-only use: adding to it breaks positions). */
  get index() { return this.#index; }
  /** Why streaming stopped, or null. */
  get error() { return this.#error; }

  /**
   * Searches what has arrived: { hits, covered, total } where each hit also has its `position` in the
   * collection. k is clipped to what has arrived (hits may be fewer than k early on).
   */
  search(pixels, opts = {}) {
    if (this.#closed) fail('search', 'the collection has been disposed');
    const covered = this.#index.size;
    if (opts === null || typeof opts !== 'object') fail('search', `options must be an object, got ${describe(opts)}`);
    const k = opts.k ?? 10;
    if (typeof k !== 'number' || !Number.isInteger(k) || k <= 0) fail('search', `k must be a positive integer, got ${describe(k)}`);
    if (k > this.total) fail('search', `k = ${k} is larger than the collection (${this.total} items)`);
    if (covered === 0) return { hits: [], covered, total: this.total };
    // Codes files arrive in collection order, so index positions are collection positions.
    const hits = this.#index.search(pixels, { ...opts, k: Math.min(k, covered) });
    return { hits, covered, total: this.total };
  }

  #mediaFile(position, what) {
    const media = this.#manifest.media;
    if (!media) fail(what, 'this collection has no media files (exported with --media-per-file 0, or a database without thumbnails and strings)');
    if (!Number.isInteger(position) || position < 0 || position >= this.total) fail(what, `position must be an integer in [0, ${this.total - 1}], got ${describe(position)}`);
    const i = Math.floor(position / media.itemsPerFile);
    let p = this.#media.get(i);
    if (!p) {
      p = readDatabase(this.#base + media.files[i].file).then((db) => {
        if (db.size !== media.files[i].items) throw new Error(`${media.files[i].file} holds ${db.size} items, the manifest says ${media.files[i].items}`);
        return db;
      });
      p.catch(() => this.#media.delete(i));
      this.#media.set(i, p);
      if (this.#media.size > MEDIA_CACHE) this.#media.delete(this.#media.keys().next().value);
    } else {
      // Most recently used last.
      this.#media.delete(i);
      this.#media.set(i, p);
    }
    return p.then((db) => ({ db, at: position - i * media.itemsPerFile }));
  }

  /** The thumbnail of the item at `position` (its media file is fetched once, then cached). */
  async thumbnail(position) {
    const { db, at } = await this.#mediaFile(position, 'thumbnail');
    if (!db.thumbShape) fail('thumbnail', 'the collection has no thumbnails');
    const n = db.thumbShape[0] * db.thumbShape[1] * db.thumbShape[2];
    return db.thumbnails.slice(at * n, (at + 1) * n);
  }

  /** The metadata string (e.g. the source file) of the item at `position`. */
  async string(position) {
    const { db, at } = await this.#mediaFile(position, 'string');
    if (!db.strings) fail('string', 'the collection has no metadata strings');
    return db.strings[at];
  }

  /** Media files fetched so far (for a page that shows what it downloaded). */
  get mediaFilesCached() { return this.#media.size; }

  /** Stops streaming and frees the index. Idempotent. */
  dispose() {
    if (this.#closed) return;
    this.#closed = true;
    this.#index.dispose();
    this.#media.clear();
  }
}
