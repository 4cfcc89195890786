// The search page's service worker: the page keeps working offline after its first load.
//
// Strategy: network first, the cache as the fallback, for every GET the page and its search worker
// make (the page's files, the package's modules and both .wasm builds, model.dqm, gallery.dqdb,
// queries.dqdb). Online, each answer is stored as it streams through, so a model retrained into the
// same ?data= directory replaces the saved copy on the next visit (the search worker asks for
// cache: 'no-store', which the fetch below keeps, so no HTTP cache stands in between). Offline (no
// answer, or a 5xx), the saved copy is served. A 404 online removes the saved copy: the file is gone.
// Cache first would open faster on a slow network but would serve an old model once before
// the new one; the demo's server is local, so the page prefers being right.
//
// Messages from the page (each answered on the MessageChannel port it sends):
//   {type: 'precache', urls}  fetch and store these now (the files the page loaded before this worker
//                             controlled it, on the first visit)  -> {saved: n, failed: [url...]}
//   {type: 'status', urls}    -> {entries: [{url, cached, saved (ms since 1970) | null, from: 'network'|'cache'|null}]}
//                             (from: how this worker last answered the URL; null when it has not)

const CACHE = 'deepquan-offline-v1';
const SAVED_HEADER = 'x-dq-saved'; // when the stored copy came from the network (ms since 1970)

const lastAnswer = new Map(); // url -> 'network' | 'cache': what the status message reports
const pendingPuts = new Set(); // stores still running: 'status' waits for them

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('deepquan-offline-') && name !== CACHE) await caches.delete(name);
    }
    // Control the page that registered this worker now, so its search worker (created after this)
    // downloads through here on the very first visit.
    await self.clients.claim();
  })());
});

/// The cache key: a page navigation is stored without its query (?data=, ?k= ... select data, not a
/// different page), everything else by its full URL.
function keyOf(request) {
  if (request.mode !== 'navigate') return request.url;
  const u = new URL(request.url);
  u.search = '';
  u.hash = '';
  return u.href;
}

function track(promise) {
  pendingPuts.add(promise);
  promise.finally(() => pendingPuts.delete(promise));
  return promise;
}

/// Stores a copy of a network answer (its body is read in parallel with the caller's) stamped with
/// the time it was saved.
function store(key, response) {
  const headers = new Headers(response.headers);
  headers.set(SAVED_HEADER, String(Date.now()));
  const copy = new Response(response.clone().body, { status: response.status, statusText: response.statusText, headers });
  return track(caches.open(CACHE).then((c) => c.put(key, copy)).catch(() => {
    // Quota exceeded or the download was cut short: the old copy stays, the page still works online.
  }));
}

async function fromCache(key, request) {
  const c = await caches.open(CACHE);
  return c.match(key, { ignoreSearch: request.mode === 'navigate', ignoreVary: true });
}

async function networkFirst(event) {
  const request = event.request;
  const key = keyOf(request);
  let response;
  try {
    response = await fetch(request);
  } catch (e) {
    response = null; // no answer: offline, or the server is down
  }
  if (response && response.status < 500) {
    lastAnswer.set(key, 'network');
    if (response.status === 200 && (response.type === 'basic' || response.type === 'cors')) {
      event.waitUntil(store(key, response));
    } else if (response.status === 404 || response.status === 410) {
      event.waitUntil(track(caches.open(CACHE).then((c) => c.delete(key))));
    }
    return response;
  }
  const saved = await fromCache(key, request);
  if (saved) {
    lastAnswer.set(key, 'cache');
    return saved;
  }
  return response ?? Response.error();
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || !/^https?:$/.test(new URL(request.url).protocol)) return;
  event.respondWith(networkFirst(event));
});

async function precache(urls) {
  const c = await caches.open(CACHE);
  const failed = [];
  let saved = 0;
  for (const url of urls) {
    try {
      const r = await fetch(url, { cache: 'no-store' });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      const headers = new Headers(r.headers);
      headers.set(SAVED_HEADER, String(Date.now()));
      await c.put(url, new Response(r.body, { status: r.status, statusText: r.statusText, headers }));
      saved++;
    } catch {
      failed.push(url);
    }
  }
  return { saved, failed };
}

async function status(urls) {
  await Promise.all([...pendingPuts]);
  const c = await caches.open(CACHE);
  const entries = [];
  for (const url of urls) {
    const r = await c.match(url, { ignoreVary: true });
    const saved = r ? Number(r.headers.get(SAVED_HEADER)) || null : null;
    entries.push({ url, cached: !!r, saved, from: lastAnswer.get(url) ?? null });
  }
  return { entries };
}

self.addEventListener('message', (event) => {
  const msg = event.data || {};
  const port = event.ports && event.ports[0];
  if (!port) return;
  const work = msg.type === 'precache' ? precache(msg.urls || [])
    : msg.type === 'status' ? status(msg.urls || [])
      : Promise.resolve({ error: `sw.js: unknown message type '${msg.type}'` });
  event.waitUntil(work.then((answer) => port.postMessage(answer), (e) => port.postMessage({ error: String(e && e.message ? e.message : e) })));
});
