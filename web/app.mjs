// The search page's UI thread: loads the index through the worker, handles drawing and the query
// strip, renders results. All WASM work happens in worker.mjs.
//
// URL parameters: ?data=DIR/ (model.dqm, gallery.dqdb, queries.dqdb; default ./data/),
// ?pkg=URL (the package's index.mjs; default ./pkg/index.mjs), ?queries=FILE (default queries.dqdb,
// empty for none), ?simd=auto|true|false, ?k=N, ?mode=sdc|adc.
// Test hooks: data-testid attributes in index.html and window.__dq (see `state` below).
import { inkFromRGBA, toModelInput, toRGBA } from './draw.mjs';
import { decodeImage, imageFileOf } from './image-input.mjs';
import { startOffline } from './offline.mjs';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const STRIP_SIZE = 12;
const DRAW_THROTTLE_MS = 80;

/// What tests (and curious people, from the console) can read.
const state = {
  ready: false,
  progress: 0,          // percent, 100 once the index is ready
  phase: 'starting',
  errors: [],           // every message shown in #error
  info: null,           // index.info from the package, plus backend
  queries: null,        // { source, n, note }
  strip: [],            // query positions shown in the strip
  lastQuery: null,      // { source: 'query'|'drawing', index, label }
  lastResults: null,    // [{ id, distance, label }]
  lastPrecision: null,
  lastSearchMs: null,
  searches: 0,
  offline: null,        // { state: 'pending'|'online'|'offline'|'unavailable', text, saved } (offline.mjs)
  get busy() {           // a search is running or waiting: results are not final yet
    return inFlight || pending !== null;
  },
};
window.__dq = state;

let worker = null;
let inputShape = [28, 28, 1];
let labelNames = null;
let queries = null; // { n, shape, labels, thumbnails }
let current = null; // the query being shown: { pixels, label, source, index }
let inFlight = false;
let pending = null;
let seq = 0;
let offline = null; // startOffline's answer: check(urls) once the index is ready
let dataUrls = [];  // what the worker downloads, for the offline check
let pkgUrl = null;

function labelText(l) {
  if (l === null || l === undefined || l < 0) return '?';
  return labelNames && l < labelNames.length ? labelNames[l] : String(l);
}

function showError(message) {
  state.errors.push(message);
  const el = $('error');
  el.textContent = state.errors.join('\n');
  el.hidden = false;
}

function setProgress(pct, text) {
  state.progress = pct;
  $('progress').value = pct;
  $('progress-text').textContent = text;
}

const mb = (b) => (b / 1048576).toFixed(b < 1048576 ? 2 : 1);

function onProgress(p) {
  state.phase = p.phase;
  if (p.phase === 'download' || p.phase === 'downloaded') {
    if (p.total > 0) {
      // 99 at most until the index is built: 100 % means "ready to search".
      const pct = Math.min(99, Math.floor((100 * p.loaded) / p.total));
      setProgress(pct, `downloading ${mb(p.loaded)} / ${mb(p.total)} MB`);
    } else {
      $('progress').removeAttribute('value'); // indeterminate
      $('progress-text').textContent = `downloading ${mb(p.loaded)} MB`;
    }
  } else if (p.phase.startsWith('init')) {
    setProgress(99, 'preparing the index…');
  }
}

function drawPixels(canvas, px, h, w, c) {
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d').putImageData(new ImageData(toRGBA(px, w, h, c), w, h), 0, 0);
}

// ---- searching ------------------------------------------------------------------------------

function searchOptions() {
  return { k: Number($('k').value), mode: $('mode').value };
}

/// Latest-wins: at most one search in the worker and one waiting; a newer query replaces the waiting one.
function requestSearch(query) {
  current = query;
  pending = query;
  pump();
}

function pump() {
  if (inFlight || !pending || !state.ready) return;
  const q = pending;
  pending = null;
  inFlight = true;
  const { k, mode } = searchOptions();
  worker.postMessage({ type: 'search', seq: ++seq, pixels: q.pixels, image: q.image, item: q.item, k, mode });
}

function renderResults(msg) {
  inFlight = false;
  const q = current;
  const list = $('results');
  list.replaceChildren();
  const [th, tw, tc] = msg.thumbShape || [0, 0, 0];
  const known = q && q.label !== null && q.label !== undefined && q.label >= 0;
  let matches = 0;
  for (const r of msg.results) {
    const li = document.createElement('li');
    li.dataset.testid = 'result';
    li.dataset.id = r.id;
    li.dataset.label = r.label;
    li.dataset.distance = r.distance;
    if (known) {
      const ok = r.label === q.label;
      matches += ok;
      li.className = ok ? 'match' : 'miss';
    }
    const cv = document.createElement('canvas');
    if (r.thumb) drawPixels(cv, r.thumb, th, tw, tc);
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = labelText(r.label);
    const dist = document.createElement('span');
    dist.className = 'dist';
    dist.textContent = `d ${Number(r.distance).toFixed(2)} · #${r.id}`;
    li.title = `gallery id ${r.id}${r.name ? ` (${r.name})` : ''}, label ${labelText(r.label)}, distance ${r.distance}; click for more like this`;
    li.append(cv, label, dist);
    if (r.name) {
      const name = document.createElement('span');
      name.className = 'name';
      name.dataset.testid = 'result-name';
      name.textContent = r.name.split('/').pop();
      li.append(name);
    }
    li.addEventListener('click', () => {
      unpressStrip();
      $('image-name').textContent = `more like #${r.id}${r.name ? ` (${r.name})` : ''}`;
      requestSearch({ item: r.position, label: r.label, source: 'result', index: r.id });
    });
    list.append(li);
  }
  state.lastResults = msg.results.map(({ id, distance, label, name }) => ({ id, distance, label, name }));
  state.lastMode = msg.mode;
  state.lastSearchMs = msg.ms;
  state.searches++;
  state.lastQuery = q ? { source: q.source, index: q.index, label: known ? q.label : null } : null;
  $('search-time').textContent = `${msg.ms < 10 ? msg.ms.toFixed(2) : msg.ms.toFixed(1)} ms`;
  if (known && msg.results.length) {
    state.lastPrecision = matches / msg.results.length;
    $('precision').textContent = `${Math.round(100 * state.lastPrecision)} % (${matches}/${msg.results.length} ${labelText(q.label)})`;
  } else {
    state.lastPrecision = null;
    $('precision').textContent = '– (label unknown)';
  }
  pump();
}

// ---- query strip ----------------------------------------------------------------------------

function shuffleStrip() {
  const strip = $('queries');
  strip.replaceChildren();
  if (!queries || !queries.n) return;
  const picks = new Set();
  const want = Math.min(STRIP_SIZE, queries.n);
  while (picks.size < want) picks.add(Math.floor(Math.random() * queries.n));
  state.strip = [...picks];
  const [h, w, c] = queries.shape;
  const dim = h * w * c;
  for (const i of state.strip) {
    const px = queries.thumbnails.subarray(i * dim, (i + 1) * dim);
    const label = queries.labels ? queries.labels[i] : -1;
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.testid = 'query';
    b.dataset.index = i;
    b.dataset.label = label;
    b.setAttribute('aria-pressed', 'false');
    b.title = `query ${i}, label ${labelText(label)}`;
    const cv = document.createElement('canvas');
    drawPixels(cv, px, h, w, c);
    const cap = document.createElement('span');
    cap.textContent = labelText(label);
    b.append(cv, cap);
    b.addEventListener('click', () => pickQuery(i, b));
    strip.append(b);
  }
}

function pickQuery(i, button) {
  for (const b of $('queries').children) b.setAttribute('aria-pressed', String(b === button));
  const [h, w, c] = queries.shape;
  const dim = h * w * c;
  const pixels = queries.thumbnails.slice(i * dim, (i + 1) * dim);
  drawPixels($('preview'), pixels, h, w, c);
  clearCanvas();
  const label = queries.labels ? queries.labels[i] : -1;
  $('query-label').textContent = label >= 0 ? `(label ${labelText(label)})` : '';
  requestSearch({ pixels, label, source: 'query', index: i });
}

// ---- drawing --------------------------------------------------------------------------------

const canvas = $('canvas');
const ctx = canvas.getContext('2d', { willReadFrequently: true });

function clearCanvas() {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}

function drawingQuery() {
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const ink = inkFromRGBA(data, canvas.width, canvas.height);
  const [h, w, c] = inputShape;
  const r = toModelInput(ink, canvas.width, canvas.height, { outH: h, outW: w, channels: c });
  if (!r) return null;
  drawPixels($('preview'), r.pixels, h, w, c);
  return { pixels: r.pixels, label: null, source: 'drawing', index: null };
}

let drawing = false;
let last = null;
let lastSearchAt = 0;

function point(e) {
  const rect = canvas.getBoundingClientRect();
  return { x: ((e.clientX - rect.left) * canvas.width) / rect.width, y: ((e.clientY - rect.top) * canvas.height) / rect.height };
}

function strokeTo(p, pressure) {
  ctx.strokeStyle = '#fff';
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  // Pen pressure varies the width a little; mouse and touch report 0.5.
  ctx.lineWidth = (canvas.width / 13) * (0.75 + 0.5 * (pressure || 0.5));
  ctx.beginPath();
  ctx.moveTo(last.x, last.y);
  ctx.lineTo(p.x, p.y);
  ctx.stroke();
  last = p;
}

function searchDrawing(force) {
  const now = performance.now();
  if (!force && now - lastSearchAt < DRAW_THROTTLE_MS) return;
  lastSearchAt = now;
  const q = drawingQuery();
  if (q) requestSearch(q);
}

canvas.addEventListener('pointerdown', (e) => {
  if (e.button !== 0) return;
  e.preventDefault();
  canvas.setPointerCapture(e.pointerId);
  if (current && current.source !== 'drawing') clearCanvas(); // a new drawing replaces a picked query
  unpressStrip();
  drawing = true;
  last = point(e);
  strokeTo(last, e.pressure); // a dot for a click
});
canvas.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const ce of events.length ? events : [e]) strokeTo(point(ce), ce.pressure);
  searchDrawing(false);
});
const endStroke = () => {
  if (!drawing) return;
  drawing = false;
  searchDrawing(true);
};
canvas.addEventListener('pointerup', endStroke);
canvas.addEventListener('pointercancel', endStroke);

function unpressStrip() {
  for (const b of $('queries').children) b.setAttribute('aria-pressed', 'false');
  $('query-label').textContent = '';
}

$('clear').addEventListener('click', () => {
  clearCanvas();
  unpressStrip();
  drawPixels($('preview'), new Float32Array(inputShape[0] * inputShape[1] * inputShape[2]), ...inputShape);
  current = null;
});
$('shuffle').addEventListener('click', shuffleStrip);
for (const id of ['k', 'mode']) {
  $(id).addEventListener('change', () => {
    if (current) requestSearch(current);
  });
}

// ---- images from the user -------------------------------------------------------------------

async function searchImageFile(file) {
  if (!state.ready) return;
  let img;
  try {
    img = await decodeImage(file);
  } catch (e) {
    showError(e.message);
    return;
  }
  unpressStrip();
  clearCanvas();
  // The preview shows the image at the model's input size (the browser's scaling, for the eye only:
  // the package resizes by area averaging for the search).
  const [h, w] = inputShape;
  const src = new OffscreenCanvas(img.width, img.height);
  src.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(img.data.buffer), img.width, img.height), 0, 0);
  const pv = $('preview');
  pv.width = w;
  pv.height = h;
  const pctx = pv.getContext('2d');
  pctx.fillStyle = '#fff';
  pctx.fillRect(0, 0, w, h);
  pctx.drawImage(src, 0, 0, w, h);
  $('image-name').textContent = `${img.name} (${img.width}×${img.height})`;
  state.lastImage = { name: img.name, width: img.width, height: img.height };
  requestSearch({ image: { data: img.data, width: img.width, height: img.height }, label: null, source: 'image', index: null });
}

const dropzone = $('dropzone');
for (const target of [dropzone, document.querySelector('.query-panel')]) {
  target.addEventListener('dragover', (e) => {
    e.preventDefault();
    dropzone.classList.add('over');
  });
  target.addEventListener('dragleave', () => dropzone.classList.remove('over'));
  target.addEventListener('drop', (e) => {
    e.preventDefault();
    dropzone.classList.remove('over');
    const f = imageFileOf(e.dataTransfer);
    if (f) searchImageFile(f);
    else showError('The dropped item is not an image file.');
  });
}
document.addEventListener('paste', (e) => {
  const f = imageFileOf(e.clipboardData);
  if (f) {
    e.preventDefault();
    searchImageFile(f);
  }
});
$('file').addEventListener('change', (e) => {
  const f = e.target.files && e.target.files[0];
  if (f) searchImageFile(f);
  e.target.value = ''; // the same file again is a new query
});

// ---- start-up -------------------------------------------------------------------------------

function onReady(msg) {
  inputShape = msg.inputShape;
  const dataset = msg.info.meta ? String(msg.info.meta.dataset ?? '') : '';
  // The database's own label names (an image folder's sub-folders), else the known data sets'.
  labelNames = msg.labelNames ?? (/fashion/i.test(dataset) ? FASHION : null);
  queries = msg.queries && msg.queries.n ? msg.queries : null;
  state.queries = { source: msg.queries.source, n: msg.queries.n, note: msg.queries.note ?? null };
  if (msg.queries.note) {
    $('notice').textContent = msg.queries.note;
    $('notice').hidden = false;
  }
  const info = msg.info;
  state.info = { ...info, backend: msg.backend };
  const bits = info.bits ?? (info.M && info.K ? info.M * Math.log2(info.K) : '?');
  $('info').textContent = `${info.size ?? msg.gallery.n} gallery images · ${bits}-bit codes (M = ${info.M}, K = ${info.K})` +
    ` · input ${inputShape.join('×')} · weights ${info.weightType}` +
    ` · backend ${msg.backend ?? '?'}${info.scanKernel ? `, scan kernel ${info.scanKernel}` : ''}` +
    // The page searches with the index's default options: for K = 16 that is the fast-scan.
    `${info.scanKernel && info.scanKernel !== info.exactScanKernel ? ' (4-bit fast-scan, exact re-rank)' : ''}` +
    ` · loaded in ${(msg.loadMs / 1000).toFixed(2)} s` + (dataset ? ` · ${dataset}` : '');
  $('preview').width = inputShape[1];
  $('preview').height = inputShape[0];
  // Drawing makes gray strokes: it is offered for 1-channel models only.
  canvas.hidden = inputShape[2] !== 1;
  $('clear').hidden = inputShape[2] !== 1;
  $('strip-title').hidden = !queries;
  shuffleStrip();
  setProgress(100, 'ready');
  $('loading').classList.add('done');
  $('app').setAttribute('aria-busy', 'false');
  state.ready = true;
  document.body.dataset.ready = 'true';
  pump();
  // Both WebAssembly builds (the package's two, STYLE.md §7): a visit with ?simd=false offline needs the other one.
  offline?.check(msg.queries.source === 'queries.dqdb' ? dataUrls : dataUrls.slice(0, 2),
    ['deepquan.wasm', 'deepquan-simd.wasm'].map((f) => new URL(f, pkgUrl).href));
}

function showOffline(s) {
  state.offline = s;
  $('offline').textContent = s.text;
  $('offline').dataset.state = s.state;
}

async function start() {
  clearCanvas();
  offline = await startOffline(showOffline);
  const dataBase = new URL(params.get('data') ?? './data/', location.href);
  if (!dataBase.pathname.endsWith('/')) dataBase.pathname += '/';
  pkgUrl = new URL(params.get('pkg') ?? './pkg/index.mjs', location.href).href;
  const queriesFile = params.has('queries') ? params.get('queries') : 'queries.dqdb';
  const simdParam = params.get('simd') ?? 'auto';
  const simd = simdParam === 'true' ? true : simdParam === 'false' ? false : 'auto';
  if (params.has('k')) $('k').value = params.get('k');
  if (params.get('mode') === 'adc' || params.get('mode') === 'sdc') $('mode').value = params.get('mode');

  if (typeof Worker === 'undefined') {
    showError('This browser cannot run Web Workers, which the search needs.');
    return;
  }
  try {
    worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
  } catch (e) {
    showError(`Could not start the search worker: ${e.message}`);
    return;
  }
  worker.onerror = (e) => {
    e.preventDefault();
    showError(`The search worker failed${e.message ? `: ${e.message}` : ' to start (worker.mjs or one of its imports did not load)'}`);
    setProgress(state.progress, 'failed');
    $('loading').classList.add('failed');
  };
  worker.onmessage = (e) => {
    const msg = e.data;
    if (msg.type === 'progress') onProgress(msg);
    else if (msg.type === 'ready') onReady(msg);
    else if (msg.type === 'results') renderResults(msg);
    else if (msg.type === 'error') {
      if (msg.fatal) {
        setProgress(state.progress, 'failed');
        $('loading').classList.add('failed');
      } else {
        inFlight = false;
        pump();
      }
      showError(msg.message);
    }
  };
  dataUrls = [new URL('model.dqm', dataBase).href, new URL('gallery.dqdb', dataBase).href];
  if (queriesFile) dataUrls.push(new URL(queriesFile, dataBase).href);
  worker.postMessage({
    type: 'load',
    pkgUrl,
    modelUrl: dataUrls[0],
    databaseUrl: dataUrls[1],
    queriesUrl: dataUrls[2] ?? null,
    simd,
  });
}

start();
