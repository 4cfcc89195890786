// The page's Web Worker: it owns the WASM index, so encoding and scanning never block the UI.
//
// Messages in:  {type: 'load', pkgUrl, modelUrl, databaseUrl, queriesUrl|null, simd}
//               {type: 'search', seq, pixels: Float32Array|Uint8Array | image: {data, width, height} | item: position, k, mode}
//                 (item: "more like this", SDC from the stored code of the gallery item at that position)
// Messages out: {type: 'progress', phase, loaded, total, files}
//               {type: 'ready', info, backend, inputShape, gallery: {n, thumbShape, hasLabels}, queries, labelNames, loadMs}
//               {type: 'results', seq, results: [{id, distance, label, thumb, name}], ms, thumbShape, mode}
//               {type: 'error', message, fatal}
// Everything that reads files is the package's: download (one progress bar over all the files),
// loadIndex, readDatabase (the query set). This file only turns its answers into messages.

let index = null;
let thumbShape = null; // of the gallery's thumbnails, or null: fixed once the index is loaded
let names = null; // the gallery's metadata strings (e.g. file names), or null

const post = (msg, transfer) => self.postMessage(msg, transfer || []);

class LoadError extends Error {}

async function importPackage(pkgUrl) {
  let pkg;
  try {
    pkg = await import(pkgUrl);
  } catch (e) {
    throw new LoadError(`Could not load the DeepQuan package from ${pkgUrl}: ${e.message}`);
  }
  for (const name of ['loadIndex', 'readDatabase', 'download']) {
    if (typeof pkg[name] !== 'function') throw new LoadError(`${pkgUrl} does not export ${name}()`);
  }
  return pkg;
}

/// The files' bytes, with the page's advice added to the package's message (which names the file).
async function downloadAll(pkg, files, progress) {
  try {
    // no-store: a freshly trained model in the same ?data= directory must not come from the cache.
    return await pkg.download(files, { onProgress: progress, init: { cache: 'no-store' } });
  } catch (e) {
    const hint = e.status === 404 ? ' (check the ?data= directory: it must hold model.dqm and gallery.dqdb)'
      : e.status === 0 ? ' (is the server running?)' : '';
    throw new LoadError(`Could not download ${e.message}${hint}`);
  }
}

async function load(msg) {
  const t0 = performance.now();
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    throw new LoadError('This browser has no WebAssembly (missing or disabled, e.g. by a lockdown or JIT-less mode), which the search needs. Try a current Chrome, Firefox or Safari with it enabled.');
  }
  const progress = (p) => post({ type: 'progress', ...p });
  const pkg = await importPackage(msg.pkgUrl);
  const files = [
    { name: 'model.dqm', url: msg.modelUrl },
    { name: 'gallery.dqdb', url: msg.databaseUrl },
  ];
  if (msg.queriesUrl) files.push({ name: 'queries.dqdb', url: msg.queriesUrl, optional: true });
  const [modelBytes, dbBytes, queryBytes] = await downloadAll(pkg, files, progress);

  progress({ phase: 'init', loaded: 1, total: 1 });
  try {
    // The package copies the bytes into its heap and keeps no reference to them.
    index = await pkg.loadIndex({
      model: modelBytes,
      database: dbBytes,
      simd: msg.simd,
      onProgress: (p) => progress({ phase: `init:${p.phase ?? ''}`, loaded: p.loaded ?? 0, total: p.total ?? 0 }),
    });
  } catch (e) {
    throw new LoadError(`Could not open the index (model.dqm + gallery.dqdb): ${e && e.message ? e.message : String(e)}`);
  }
  const info = index.info;
  thumbShape = info.thumbShape;
  const inputShape = [info.height, info.width, info.channels];
  const queries = await pickQueries(pkg, queryBytes, dbBytes, info, msg.simd);
  // The index keeps no strings; the package's reader hands them out (thumbnails are dropped here).
  const gallery = await pkg.readDatabase(dbBytes, { simd: msg.simd });
  names = gallery.strings;
  const transfer = [];
  if (queries.thumbnails) transfer.push(queries.thumbnails.buffer);
  post({
    type: 'ready',
    info,
    backend: index.backend,
    inputShape,
    gallery: { n: info.size, thumbShape: info.thumbShape, hasLabels: info.hasLabels },
    queries,
    labelNames: gallery.labelNames ?? null,
    loadMs: performance.now() - t0,
  }, transfer);
}

/// The query strip's source: queries.dqdb when the trainer wrote one (held-out images with labels),
/// else the gallery's own thumbnails (each then finds itself first). Thumbnails can serve as
/// queries only if their shape is the model's input shape.
async function pickQueries(pkg, queryBytes, dbBytes, info, simd) {
  const fits = (shape) => shape && shape[0] === info.height && shape[1] === info.width && shape[2] === info.channels;
  const input = [info.height, info.width, info.channels].join('×');
  if (queryBytes) {
    let q;
    try {
      q = await pkg.readDatabase(queryBytes, { simd });
    } catch (e) {
      throw new LoadError(`Could not read queries.dqdb: ${e.message}`);
    }
    if (!fits(q.thumbShape)) {
      return { source: 'queries.dqdb', n: 0, note: `queries.dqdb thumbnails ${q.thumbShape ? q.thumbShape.join('×') : '(none)'} do not match the model input ${input}` };
    }
    return { source: 'queries.dqdb', n: q.size, shape: q.thumbShape, labels: q.labels, ids: q.ids, thumbnails: q.thumbnails };
  }
  if (fits(info.thumbShape)) {
    // The index validated these bytes already; this read only hands the thumbnails out in one piece.
    const g = await pkg.readDatabase(dbBytes, { simd });
    return { source: 'gallery', n: g.size, shape: g.thumbShape, labels: g.labels, ids: g.ids, thumbnails: g.thumbnails,
      note: 'no queries.dqdb: queries are drawn from the gallery itself (each finds itself first)' };
  }
  return { source: 'none', n: 0, note: 'no query images: the data has no queries.dqdb and the gallery thumbnails do not match the model input; draw a query instead' };
}

function search(msg) {
  const t0 = performance.now();
  // The package refuses k > size (a small or golden gallery): ask for what there is.
  const k = Math.max(1, Math.min(msg.k, index.size));
  let hits, mode = msg.mode;
  if (msg.item !== undefined && msg.item !== null) {
    // More like this: the item's own code, so SDC whatever the selected mode.
    mode = 'sdc';
    hits = index.searchCode(index.code(msg.item), { k, mode });
  } else {
    hits = index.search(msg.image ?? msg.pixels, { k, mode });
  }
  const ms = performance.now() - t0;
  const transfer = [];
  const results = hits.map((h) => {
    let thumb = null;
    if (thumbShape) {
      // By position, not id: the hit's own item when an id occurs twice. A fresh copy: its buffer
      // can be transferred.
      thumb = index.thumbnail(h.position);
      transfer.push(thumb.buffer);
    }
    // The package gives null for an unknown label; the page uses -1 throughout.
    const name = names ? names[h.position] : null;
    return { id: h.id, position: h.position, distance: h.distance, label: h.label ?? -1, thumb, name: name || null };
  });
  post({ type: 'results', seq: msg.seq, results, ms, thumbShape, mode }, transfer);
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
