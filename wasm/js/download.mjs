// download: several URLs fetched in parallel into JS memory with one summed progress, for callers
// that keep the bytes (the search page hands them to loadIndex and readDatabase, and shows one
// progress bar for all its files). The streaming is sources.mjs's, the same loop loadIndex uses.

import { describe } from './pixels.mjs';
import { openUrl } from './sources.mjs';

// A progress event per network chunk would flood a worker's message port: at most one per 50 ms
// while bytes arrive, plus the first and the last.
const REPORT_MS = 50;

function toUrl(f, i) {
  if (f === null || typeof f !== 'object' || typeof f.name !== 'string' || f.name === '') {
    throw new Error(`download: files[${i}] must be an object { name, url, optional? } with a non-empty name, got ${describe(f)}`);
  }
  if (!(f.url instanceof URL) && typeof f.url !== 'string') throw new Error(`download: ${f.name}: url must be a string or a URL, got ${describe(f.url)}`);
  try {
    return f.url instanceof URL ? f.url : new URL(f.url, globalThis.location ? globalThis.location.href : undefined);
  } catch {
    throw new Error(`download: ${f.name}: not a URL: ${describe(f.url)}`);
  }
}

/// Fetches every file ({ name, url, optional? }); resolves to their bytes in order (Uint8Array, or
/// null for an optional file the server answered 404). onProgress({ phase: 'download' | 'downloaded',
/// loaded, total, files: [{ name, loaded, total, missing }] }): total is 0 while some size is unknown
/// (no Content-Length, or a compressed response). init is passed to fetch (e.g. { cache: 'no-store' }).
export async function download(files, { onProgress, init } = {}) {
  if (!Array.isArray(files)) throw new Error(`download: expected an array of { name, url, optional? }, got ${describe(files)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new Error(`download: onProgress must be a function, got ${describe(onProgress)}`);
  const urls = files.map(toUrl);
  const opened = await Promise.allSettled(urls.map((u, i) => openUrl(u, files[i].name, init)));
  const failed = opened.find((r, i) => r.status === 'rejected' && !(files[i].optional && r.reason.status === 404));
  if (failed) {
    // Close what did open before reporting the first failure.
    await Promise.all(opened.map((r) => (r.status === 'fulfilled' ? r.value.discard() : null)));
    throw failed.reason;
  }
  const sources = opened.map((r) => (r.status === 'fulfilled' ? r.value : null));
  const state = sources.map((s, i) => ({ name: files[i].name, loaded: 0, total: s ? s.total ?? 0 : 0, missing: !s }));
  const report = (phase) => {
    if (!onProgress) return;
    const total = state.reduce((a, s) => a + s.total, 0);
    const loaded = state.reduce((a, s) => a + Math.min(s.loaded, s.total || s.loaded), 0);
    onProgress({ phase, loaded, total: state.every((s) => s.missing || s.total) ? total : 0, files: state.map((s) => ({ ...s })) });
  };
  report('download');
  let last = 0;
  const bodies = await Promise.all(sources.map(async (src, i) => {
    if (!src) return null;
    const bytes = await src.readBytes((loaded) => {
      state[i].loaded = loaded;
      const now = performance.now();
      if (now - last > REPORT_MS) {
        last = now;
        report('download');
      }
    });
    state[i].total = bytes.length;
    return bytes;
  }));
  report('downloaded');
  return bodies;
}
