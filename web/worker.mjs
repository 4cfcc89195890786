// The page's Web Worker: it owns the WASM index, so encoding and scanning never block the UI.
//
// Messages in:  {type: 'load', pkgUrl, modelUrl, databaseUrl, queriesUrl|null, simd}
//               {type: 'search', seq, pixels: Float32Array|Uint8Array, k, mode}
// Messages out: {type: 'progress', phase, loaded, total, files}
//               {type: 'ready', info, backend, gallery: {n, thumbShape}, queries, meta, loadMs}
//               {type: 'results', seq, results: [{id, distance, label, thumb}], ms}
//               {type: 'error', message, fatal}
// The data files are fetched here (not by the package) so one progress bar covers all of them, and
// so the page keeps the gallery thumbnails and labels without asking the WASM heap for each one.
import { readDatabase, readModelShape } from './dqdb.mjs';

let index = null;
let gallery = null; // { thumbnails, thumbShape, labels, positionOf: Map(id -> position) }

const post = (msg, transfer) => self.postMessage(msg, transfer || []);

class LoadError extends Error {}

/// Fetches several URLs in parallel, streaming each body into one preallocated buffer when the
/// length is known, and reports the summed progress. A missing optional file resolves to null.
async function fetchAll(files, onProgress) {
  const responses = await Promise.all(files.map(async (f) => {
    let res;
    try {
      res = await fetch(f.url, { cache: 'no-store' });
    } catch (e) {
      throw new LoadError(`Could not download ${f.name} from ${f.url}: ${e.message} (is the server running?)`);
    }
    if (!res.ok) {
      if (f.optional && res.status === 404) return null;
      throw new LoadError(`Could not download ${f.name}: HTTP ${res.status} ${res.statusText} for ${f.url}` +
        (res.status === 404 ? ' (check the ?data= directory: it must hold model.dqm and gallery.dqdb)' : ''));
    }
    return res;
  }));
  const state = files.map((f, i) => {
    const r = responses[i];
    const len = r ? Number(r.headers.get('Content-Length')) : 0;
    // A compressed transfer reports the compressed length; the stream yields more bytes than that.
    const encoded = r && r.headers.get('Content-Encoding');
    return { name: f.name, loaded: 0, total: r && len > 0 && !encoded ? len : 0, missing: !r };
  });
  const report = (phase) => {
    const total = state.reduce((a, s) => a + s.total, 0);
    const loaded = state.reduce((a, s) => a + Math.min(s.loaded, s.total || s.loaded), 0);
    onProgress({ phase, loaded, total: state.every((s) => s.missing || s.total) ? total : 0, files: state.map((s) => ({ ...s })) });
  };
  report('download');
  let lastReport = 0;
  const bodies = await Promise.all(responses.map(async (res, i) => {
    if (!res) return null;
    const s = state[i];
    const reader = res.body.getReader();
    let buf = new Uint8Array(s.total || 1 << 20);
    let at = 0;
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new LoadError(`Download of ${files[i].name} failed after ${at} bytes: ${e.message}`);
      }
      if (chunk.done) break;
      const v = chunk.value;
      if (at + v.length > buf.length) {
        const bigger = new Uint8Array(Math.max(buf.length * 2, at + v.length));
        bigger.set(buf.subarray(0, at));
        buf = bigger;
      }
      buf.set(v, at);
      at += v.length;
      s.loaded = at;
      const now = performance.now();
      if (now - lastReport > 50) {
        lastReport = now;
        report('download');
      }
    }
    if (s.total && at !== s.total) {
      throw new LoadError(`Download of ${files[i].name} was cut short: got ${at} of ${s.total} bytes`);
    }
    s.total = at;
    return buf.length === at ? buf : buf.slice(0, at);
  }));
  report('downloaded');
  return bodies;
}

function metaOf(modelBytes) {
  try {
    return readModelShape(modelBytes, 'model.dqm');
  } catch {
    return null; // the core's loader will name the problem
  }
}

async function load(msg) {
  const t0 = performance.now();
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    throw new LoadError('This browser has no WebAssembly (missing or disabled, e.g. by a lockdown or JIT-less mode), which the search needs. Try a current Chrome, Firefox or Safari with it enabled.');
  }
  const progress = (p) => post({ type: 'progress', ...p });
  const pkgPromise = import(msg.pkgUrl).catch((e) => {
    throw new LoadError(`Could not load the DeepQuan package from ${msg.pkgUrl}: ${e.message}`);
  });
  const files = [
    { name: 'model.dqm', url: msg.modelUrl },
    { name: 'gallery.dqdb', url: msg.databaseUrl },
  ];
  if (msg.queriesUrl) files.push({ name: 'queries.dqdb', url: msg.queriesUrl, optional: true });
  // Both run at once, but a data problem is reported before a package problem, deterministically.
  const [dl, pk] = await Promise.allSettled([fetchAll(files, progress), pkgPromise]);
  if (dl.status === 'rejected') throw dl.reason;
  if (pk.status === 'rejected') throw pk.reason;
  const [modelBytes, dbBytes, queryBytes] = dl.value;
  const pkg = pk.value;
  if (typeof pkg.loadIndex !== 'function') throw new LoadError(`${msg.pkgUrl} does not export loadIndex()`);

  const shape = metaOf(modelBytes);
  progress({ phase: 'init', loaded: 1, total: 1 });
  try {
    // Copies: the package may take ownership of (or detach) what it is given.
    index = await pkg.loadIndex({
      model: modelBytes.slice(),
      database: dbBytes.slice(),
      simd: msg.simd,
      onProgress: (p) => progress({ phase: `init:${p.phase ?? ''}`, loaded: p.loaded ?? 0, total: p.total ?? 0 }),
    });
  } catch (e) {
    throw new LoadError(`Could not open the index (model.dqm + gallery.dqdb): ${e && e.message ? e.message : String(e)}`);
  }
  let g;
  try {
    g = readDatabase(dbBytes, 'gallery.dqdb');
  } catch (e) {
    throw new LoadError(e.message);
  }
  gallery = { thumbnails: g.thumbnails, thumbShape: g.thumbShape, labels: g.labels, positionOf: new Map() };
  g.ids.forEach((id, pos) => gallery.positionOf.set(id, pos));

  const info = { ...index.info };
  const inputShape = [info.height ?? shape?.height, info.width ?? shape?.width, info.channels ?? shape?.channels];
  const inputDim = inputShape[0] * inputShape[1] * inputShape[2];
  const queries = pickQueries(queryBytes, g, inputShape, inputDim);
  const transfer = [];
  if (queries.thumbnails) transfer.push(queries.thumbnails.buffer);
  post({
    type: 'ready',
    info,
    backend: index.backend ?? null,
    inputShape,
    gallery: { n: g.n, thumbShape: g.thumbShape, hasLabels: !!g.labels },
    model: shape,
    queries,
    loadMs: performance.now() - t0,
  }, transfer);
}

/// The query strip's source: queries.dqdb when the trainer wrote one (held-out images with labels),
/// else the gallery's own thumbnails (each then finds itself first). Thumbnails can serve as
/// queries only if their shape is the model's input shape.
function pickQueries(queryBytes, g, inputShape, inputDim) {
  const fits = (shape) => shape && shape[0] === inputShape[0] && shape[1] === inputShape[1] && shape[2] === inputShape[2];
  if (queryBytes) {
    const q = readDatabase(queryBytes, 'queries.dqdb');
    if (!fits(q.thumbShape)) {
      return { source: 'queries.dqdb', n: 0, note: `queries.dqdb thumbnails ${q.thumbShape ? q.thumbShape.join('×') : '(none)'} do not match the model input ${inputShape.join('×')}` };
    }
    return { source: 'queries.dqdb', n: q.n, shape: q.thumbShape, labels: q.labels, ids: q.ids, thumbnails: q.thumbnails };
  }
  if (fits(g.thumbShape)) {
    // Copy: the gallery keeps its own for the result tiles.
    return { source: 'gallery', n: g.n, shape: g.thumbShape, labels: g.labels, ids: g.ids, thumbnails: g.thumbnails.slice(0, g.n * inputDim),
      note: 'no queries.dqdb: queries are drawn from the gallery itself (each finds itself first)' };
  }
  return { source: 'none', n: 0, note: 'no query images: the data has no queries.dqdb and the gallery thumbnails do not match the model input; draw a query instead' };
}

function search(msg) {
  const t0 = performance.now();
  // The package refuses k > size (a small or golden gallery): ask for what there is.
  const size = index.info.size ?? index.size;
  const k = Math.max(1, Math.min(msg.k, size ?? msg.k));
  const hits = index.search(msg.pixels, { k, mode: msg.mode });
  const ms = performance.now() - t0;
  const tb = gallery.thumbShape ? gallery.thumbShape[0] * gallery.thumbShape[1] * gallery.thumbShape[2] : 0;
  const transfer = [];
  const results = hits.map((h) => {
    const pos = gallery.positionOf.get(h.id);
    let thumb = null;
    if (tb && pos !== undefined) {
      thumb = gallery.thumbnails.slice(pos * tb, (pos + 1) * tb);
      transfer.push(thumb.buffer);
    }
    // The package gives null for an unknown label; the page uses -1 throughout.
    const label = h.label ?? (gallery.labels && pos !== undefined ? gallery.labels[pos] : -1);
    return { id: h.id, distance: h.distance, label, thumb };
  });
  post({ type: 'results', seq: msg.seq, results, ms, thumbShape: gallery.thumbShape }, transfer);
}

self.onmessage = async (e) => {
  const msg = e.data;
  try {
    if (msg.type === 'load') await load(msg);
    else if (msg.type === 'search') {
      if (!index) throw new Error('search before the index is loaded');
      search(msg);
    } else throw new Error(`worker: unknown message type '${msg.type}'`);
  } catch (err) {
    const message = err && err.message ? err.message : String(err);
    post({ type: 'error', message, fatal: msg.type === 'load', seq: msg.seq });
  }
};
