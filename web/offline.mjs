// The page's side of offline use: registers sw.js (scope: the page's folder), waits for it to control
// the page before the search worker starts (so the worker's downloads go through it even on the first
// visit), and writes the status line: "available offline", "offline: using the saved copy from ...",
// or why the page is not available offline.

const CONTROL_TIMEOUT_MS = 4000; // past this the page loads without offline support rather than wait

/// The page's URL as sw.js stores it: without the query (see keyOf in sw.js).
function pageKey() {
  const u = new URL(location.href);
  u.search = '';
  u.hash = '';
  return u.href;
}

function ask(sw, msg) {
  return new Promise((resolve, reject) => {
    const ch = new MessageChannel();
    const timer = setTimeout(() => reject(new Error(`the service worker did not answer '${msg.type}'`)), 30000);
    ch.port1.onmessage = (e) => {
      clearTimeout(timer);
      if (e.data && e.data.error) reject(new Error(e.data.error));
      else resolve(e.data);
    };
    sw.postMessage(msg, [ch.port2]);
  });
}

/// Registers the service worker; resolves once it controls the page, or with offline support off.
/// `report({state, text, saved})` is called with every change of the status line; state is one of
/// 'pending', 'online' (everything saved), 'offline' (served from the saved copy), 'unavailable'.
export async function startOffline(report) {
  const off = (text) => {
    report({ state: 'unavailable', text, saved: null });
    return { check: async () => {} };
  };
  if (!('serviceWorker' in navigator)) {
    return off(window.isSecureContext ? 'not available offline: this browser has no service workers'
      : 'not available offline: that needs https or localhost');
  }
  report({ state: 'pending', text: 'saving for offline use…', saved: null });
  const sw = navigator.serviceWorker;
  try {
    await sw.register(new URL('./sw.js', import.meta.url), { scope: new URL('./', import.meta.url).href });
  } catch (e) {
    return off(`not available offline: the service worker did not register (${e.message})`);
  }
  const firstVisit = !sw.controller;
  if (firstVisit) {
    const controlled = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), CONTROL_TIMEOUT_MS);
      sw.addEventListener('controllerchange', () => {
        clearTimeout(timer);
        resolve(true);
      }, { once: true });
    });
    if (!controlled) return off('not available offline: the service worker did not take over in time');
  }

  return {
    /// After the index has loaded: saves what the page loaded before sw.js controlled it (its own
    /// files, on the first visit) and `extraUrls` (e.g. the WebAssembly build this browser did not
    /// pick), then checks that the page and `dataUrls` are all saved.
    async check(dataUrls, extraUrls = []) {
      const worker = sw.controller;
      if (!worker) return void off('not available offline: the service worker stopped controlling the page');
      try {
        if (firstVisit) {
          const own = performance.getEntriesByType('resource').map((e) => e.name)
            .filter((u) => new URL(u).origin === location.origin);
          await ask(worker, { type: 'precache', urls: [...new Set([pageKey(), ...own, ...extraUrls])] });
        }
        const urls = [pageKey(), ...dataUrls];
        const { entries } = await ask(worker, { type: 'status', urls });
        const missing = entries.filter((e) => !e.cached).map((e) => e.url.split('/').pop() || e.url);
        const data = entries.slice(1);
        const fromCache = entries.some((e) => e.from === 'cache');
        // The data's date: the oldest saved file of the set the index was built from.
        const saved = Math.min(...data.map((e) => e.saved ?? Infinity));
        const when = Number.isFinite(saved) ? new Date(saved).toLocaleString() : 'an earlier visit';
        if (fromCache) report({ state: 'offline', text: `offline: using the saved copy from ${when}`, saved });
        else if (missing.length) off(`not available offline: ${missing.join(', ')} could not be saved`);
        else report({ state: 'online', text: 'available offline', saved });
      } catch (e) {
        off(`not available offline: ${e.message}`);
      }
    },
  };
}
