// Search on every core: a pool of workers, each owning one contiguous shard of the database and a
// WebAssembly instance of its own (module Web Workers in browsers, worker_threads under Node). The
// calling thread runs the encoder once per query (an index of the model alone) and sends the latent
// vector, so no worker repeats the forward pass; each worker returns its shard's top k sorted by
// (distance, id, position), and the pool merges them by (distance, id, global position), so the
// result is the single-thread search's, ties included. (K = 16 fast-scan with a candidate pool: each shard re-ranks its own
// pool, and a candidate of the single-thread pool is in its shard's pool too, as it has fewer items
// to beat there; so the pool's result is the single-thread one or nearer the exact one.) Why workers and not WASM threads: they work on every page, with no
// cross-origin isolation (SharedArrayBuffer) and no -pthread build.
//
//   const pool = await loadSearchPool({ model, database, workers: 2 });
//   const hits = await pool.search(pixels, { k: 10, mode: 'sdc' });
//   pool.dispose();

import { describe, toBatch, toInput, pixelSpec } from './pixels.mjs';
import { call, pickModule } from './module.mjs';
import { checkOptions, checkSearchOptions } from './options.mjs';
import { checkFilter, predicateBitmap, sliceBitmap } from './filter.mjs';
import { platform } from './platform.mjs';
import { openSource } from './sources.mjs';
import { loadIndex } from './index.mjs';

const MAX_WORKERS = 64;
/// Queries of one message when searches are issued together: enough to amortize a message's cost,
/// few enough that the workers start on the first batch while later ones are still being encoded.
const BATCH = 16;

function defaultWorkers() {
  const n = platform.hardwareConcurrency ? platform.hardwareConcurrency() : globalThis.navigator?.hardwareConcurrency;
  return Math.max(1, Math.min(MAX_WORKERS, Number.isInteger(n) ? n : 2));
}

function startWorker(workerUrl) {
  if (platform.createWorker) return platform.createWorker();
  if (typeof Worker !== 'function') throw new Error('loadSearchPool: this environment has no Web Workers');
  // Literal `new URL('./x.mjs', import.meta.url)` inside `new Worker(...)`: the form Vite and webpack
  // bundle as a worker entry. workerUrl: where a bundler that does not (esbuild) put it.
  const w = workerUrl !== undefined
    ? new Worker(workerUrl, { type: 'module' })
    : new Worker(new URL('./search-worker.mjs', import.meta.url), { type: 'module' });
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer),
    onMessage: (cb) => w.addEventListener('message', (e) => cb(e.data)),
    onError: (cb) => w.addEventListener('error', (e) => {
      e.preventDefault?.();
      cb(new Error(e.message || 'the search worker failed to start'));
    }),
    terminate: () => w.terminate(),
  };
}

/// URL objects do not survive postMessage: hand workers strings (bytes are copied as they are).
function portableWasm(wasm) {
  const out = {};
  for (const [k, v] of Object.entries(wasm)) out[k] = v instanceof URL ? v.href : v;
  return out;
}

/// Reads a source into JS bytes through the module's heap (the one reader of every source kind).
async function readAll(Module, src, report) {
  const block = await src.readInto(Module, report);
  try {
    return Module.HEAPU8.slice(block.ptr, block.ptr + block.length);
  } finally {
    block.free();
  }
}

/// Opens a model and a database over `workers` workers (default: the cores available).
export async function loadSearchPool(options) {
  const what = 'loadSearchPool';
  const { model, database, onProgress, simd, wasm, workers = defaultWorkers(), workerUrl } =
    checkOptions(what, options, 'model, database, workers?, workerUrl?, onProgress?, simd?, wasm?');
  if (model === undefined || model === null) throw new Error(`${what}: options.model is required (a URL, a file path, an ArrayBuffer or a Uint8Array of a .dqm file)`);
  if (database === undefined || database === null) throw new Error(`${what}: options.database is required (a pool searches a database; use loadIndex for an empty index)`);
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new Error(`${what}: workers must be an integer in [1, ${MAX_WORKERS}], got ${describe(workers)}`);
  }
  if (workerUrl !== undefined && !(workerUrl instanceof URL) && !(typeof workerUrl === 'string' && workerUrl.length > 0)) {
    throw new Error(`${what}: workerUrl must be a URL or a non-empty string (the bundled search-worker.mjs), got ${describe(workerUrl)}`);
  }
  const progress = (phase, loaded, total) => onProgress && onProgress({ phase, loaded, total });
  const { Module } = await pickModule(simd, what, wasm);
  const modelBytes = await readAll(Module, await openSource(model, 'model'), (l, t) => progress('model', l, t));
  // The database is split by the core (one reader, so every check a .dqdb gets applies here too).
  const dbSrc = await openSource(database, 'database');
  const block = await dbSrc.readInto(Module, (l, t) => progress('database', l, t));
  let shards;
  try {
    progress('init', 0, 1);
    // A database smaller than the pool leaves some shards empty; their workers return no rows.
    shards = call(Module, 'shardDatabase', block.ptr, block.length, workers);
  } finally {
    block.free();
  }
  const handles = [];
  let encoder = null;
  try {
    // The model alone, on this thread: the encoder every query runs once.
    encoder = await loadIndex({ model: modelBytes, simd, wasm });
    for (let i = 0; i < workers; i++) handles.push(startWorker(workerUrl));
    const settled = await Promise.allSettled(handles.map((h, i) => new Promise((resolve, reject) => {
      h.onError((e) => reject(new Error(`${what}: worker ${i}: ${e.message}`)));
      const first = (msg) => {
        if (msg.type === 'ready') resolve(msg.info);
        else if (msg.type === 'error') reject(new Error(`${what}: worker ${i}: ${msg.message}`));
      };
      h.onMessage(first);
      // The shard's buffer moves to the worker (no copy); the model is small and copied.
      h.post({ type: 'open', model: modelBytes, database: shards[i], simd, wasm: portableWasm(wasm) }, [shards[i].buffer]);
    })));
    // The first worker's failure, in worker order, so the message does not depend on timing.
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    progress('init', 1, 1);
    return new SearchPool(handles, settled.map((r) => r.value), Module, encoder);
  } catch (e) {
    for (const h of handles) h.terminate();
    if (encoder) encoder.dispose();
    throw e;
  }
}

export class SearchPool {
  #workers;
  #encoder;
  #shardSizes;
  #shardStarts;
  #info;
  #spec;
  #next = 1;
  #pending = new Map(); // request id -> { parts: [], left, resolve, reject, k }
  #failed = null;
  #hasLabels;

  constructor(workers, infos, Module, encoder) {
    this.#workers = workers;
    this.#encoder = encoder;
    this.#shardSizes = infos.map((i) => i.size);
    let start = 0;
    this.#shardStarts = this.#shardSizes.map((n) => (start += n) - n);
    const size = this.#shardSizes.reduce((a, b) => a + b, 0);
    this.#info = Object.freeze({ ...infos[0], size, workers: workers.length, shardSizes: [...this.#shardSizes] });
    // ImageData queries are preprocessed here, by this thread's instance of the core.
    this.#spec = pixelSpec(Module, infos[0]);
    // An empty shard has no labels column even when the database has one.
    this.#hasLabels = infos.some((i) => i.hasLabels);
    workers.forEach((h, i) => {
      h.onMessage((msg) => this.#receive(i, msg));
      h.onError((e) => this.#fail(new Error(`search pool: worker ${i} failed: ${e.message}`)));
    });
  }

  /** Items in the database (all shards). */
  get size() { return this.#info.size; }
  /** The model and database description (as DeepQuanIndex.info) plus workers and shardSizes. */
  get info() { return this.#info; }
  get disposed() { return this.#workers === null; }

  #receive(worker, msg) {
    const req = this.#pending.get(msg.id);
    if (!req) return;
    if (msg.type === 'error') {
      this.#pending.delete(msg.id);
      req.reject(new Error(`${req.what}: worker ${worker}: ${msg.message}`));
      return;
    }
    req.parts[worker] = msg;
    if (--req.left === 0) {
      this.#pending.delete(msg.id);
      req.resolve(this.#merge(req.parts, req.n, req.k));
    }
  }

  #fail(e) {
    this.#failed = e;
    for (const req of this.#pending.values()) req.reject(e);
    this.#pending.clear();
  }

  /// The k best of the shards' rows, by (distance, id, global position): the single-thread order.
  /// A shard's row holds counts[q] hits (fewer than its k when a filter passes fewer of its items);
  /// its positions are its own, offset here by the sizes of the shards before it.
  #merge(parts, n, k) {
    const out = [];
    for (let q = 0; q < n; q++) {
      const row = [];
      parts.forEach((p, s) => {
        for (let j = 0; j < p.counts[q]; j++) {
          const t = q * p.k + j, label = p.labels[t];
          row.push({ id: p.ids[t], distance: p.distances[t], label: label >= 0 ? label : null, position: this.#shardStarts[s] + p.positions[t] });
        }
      });
      row.sort((a, b) => a.distance - b.distance || a.id - b.id || a.position - b.position);
      out.push(row.slice(0, k));
    }
    return out;
  }

  #live(what) {
    if (this.#workers === null) throw new Error(`${what}: the search pool has been disposed`);
    if (this.#failed) throw new Error(`${what}: ${this.#failed.message}`);
  }

  #options(opts, what) {
    const o = checkSearchOptions(opts, what, this.#info);
    return { k: o.k, mode: o.mode, pool: o.pool, exact: o.exact, filters: this.#shardFilters(checkFilter(o.filter, this.#info.size, this.#hasLabels, what), what) };
  }

  /// One filter per worker, or null: label and id lists go to every worker as they are (each shard's
  /// core turns them into its bitmap); a bitmap, or a predicate over GLOBAL positions (evaluated
  /// here, once), is cut into each shard's positions (shard i starts at the sum of the sizes before).
  #shardFilters(f, what) {
    if (f === null) return null;
    const global = f.predicate ? predicateBitmap(f.predicate, this.#info.size, what) : f.bitmap;
    let begin = 0;
    return this.#shardSizes.map((count) => {
      const part = { ...f };
      delete part.predicate;
      if (global) part.bitmap = sliceBitmap(global, begin, count);
      begin += count;
      return part;
    });
  }

  /// x: the n queries' pixels, already checked; encoded here once, the latent vectors sent.
  #request(x, n, { k, mode, pool, exact, filters }, what) {
    const z = this.#encoder.embedBatch(x);
    return new Promise((resolve, reject) => {
      const id = this.#next++;
      this.#pending.set(id, { parts: new Array(this.#workers.length), left: this.#workers.length, resolve, reject, n, k, what });
      // Each worker gets its own copy of the latent vectors (a few hundred bytes each) and of its filter.
      this.#workers.forEach((h, i) => h.post({ type: 'search', id, z, n, k, mode, pool, exact, filter: filters ? filters[i] : null }));
    });
  }

  /**
   * The k nearest items of one image over all shards, sorted by (distance, id, position).
   * Searches issued together (e.g. many in flight at once) go out in batches of up to BATCH queries
   * with the same options: one message per worker and batch instead of per query, the same rows.
   */
  search(pixels, opts) {
    try {
      this.#live('search');
      const o = this.#options(opts, 'search');
      const x = toInput(pixels, this.#spec, 'search: pixels');
      return new Promise((resolve, reject) => {
        this.#queue.push({ x, o, resolve, reject });
        if (this.#queue.length === 1) queueMicrotask(() => this.#flush());
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #queue = [];

  /// Sends the queued single searches: runs of equal options (a filtered search goes alone, as its
  /// filter is its own), at most BATCH queries a message, encoded together.
  #flush() {
    const queue = this.#queue;
    this.#queue = [];
    const same = (a, b) => a.filters === null && b.filters === null && a.k === b.k && a.mode === b.mode &&
      a.pool === b.pool && a.exact === b.exact;
    for (let i = 0; i < queue.length;) {
      let j = i + 1;
      while (j < queue.length && j - i < BATCH && same(queue[i].o, queue[j].o)) j++;
      const run = queue.slice(i, j);
      i = j;
      try {
        this.#live('search');
        const D = this.#spec.inputDim, x = new Float32Array(run.length * D);
        run.forEach((r, q) => x.set(r.x, q * D));
        this.#request(x, run.length, run[0].o, 'search').then(
          (rows) => run.forEach((r, q) => r.resolve(rows[q])),
          (e) => run.forEach((r) => r.reject(e)));
      } catch (e) {
        for (const r of run) r.reject(e);
      }
    }
  }

  /** search() for many images at once (as DeepQuanIndex.searchBatch): one message per worker. */
  async searchBatch(batch, opts) {
    this.#live('searchBatch');
    const o = this.#options(opts, 'searchBatch');
    const x = toBatch(batch, this.#spec, 'searchBatch');
    const n = x.length / this.#spec.inputDim;
    if (n === 0) return [];
    return this.#request(x, n, o, 'searchBatch');
  }

  /** Stops the workers and frees their memory; pending searches reject. Idempotent. */
  dispose() {
    if (this.#workers === null) return;
    const workers = this.#workers;
    this.#workers = null;
    this.#fail(new Error('the search pool has been disposed'));
    for (const h of workers) h.terminate();
    this.#encoder.dispose();
  }
}
