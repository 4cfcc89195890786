// The peers benchmark inside a Chromium page (issue 22: query latency in the browser for the engines that
// have a browser build). browser.mjs serves the data bench-peers.mjs prepared and calls runPage in a fresh
// page per engine; the adapter is the same file Node runs (its openPage instead of open), the timed passes
// the same code (timing.mjs). Returns per setting the latency summary, the build time and the last pass's
// results, from which Node computes recall against the exact ranking (the proof the page searched the same
// vectors). Browser-only: fetch and dynamic import of URLs.
import { timedPasses } from './timing.mjs';
import { latencySummary } from './metrics.mjs';
import { vectorHelpers } from './vectors.mjs';
import { sharedBuilds } from './builds.mjs';

export const PAGE_FILES = { deepquan: 'deepquan.mjs', exact: 'exact.mjs', edgevec: 'edgevec.mjs', 'hnswlib-wasm': 'hnswlib.mjs', 'voy-search': 'voy.mjs' };

const bytesOf = async (url) => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.arrayBuffer();
};

/// o: { engine, data (URL prefix of meta.json and the vectors), modules (of node_modules), pkg (of the deepquan
/// package), runs, k, quick, collection (whether data/collection/ holds the gallery as a collection) }. Returns [{ setting, status, message?, build_ms, latency, found }].
export async function runPage(o) {
  const meta = JSON.parse(new TextDecoder().decode(await bytesOf(`${o.data}/meta.json`)));
  const { d, n, nq, inDim } = meta;
  const gallery = new Float32Array(await bytesOf(`${o.data}/gallery.f32`));
  const queries = new Float32Array(await bytesOf(`${o.data}/queries.f32`));
  const qimg = new Uint8Array(await bytesOf(`${o.data}/query-images.u8`));
  const ids = new Uint32Array(await bytesOf(`${o.data}/ids.u32`));
  if (gallery.length !== n * d || queries.length !== nq * d || qimg.length !== nq * inDim || ids.length !== n) throw new Error('runPage: data files do not match meta.json');
  const adapter = await import(`./${PAGE_FILES[o.engine]}`);
  const lib = await adapter.openPage({ modules: o.modules, pkg: o.pkg });
  const files = { model: `${o.data}/model.dqm`, database: `${o.data}/gallery.dqdb` };
  const data = {
    d, n, nq, gallery, queries, ...vectorHelpers(gallery, n, d), vectorsGzipBytes: meta.vectorsGzipBytes, deepquanPageIndex: null,
    queryImages: Array.from({ length: nq }, (_, i) => qimg.subarray(i * inDim, (i + 1) * inDim)),
    deepquanIndex: async ({ pool } = {}) => ({ index: pool ? await lib.loadSearchPool({ ...files, workers: pool }) : await lib.loadIndex(files), ids }),
    ids, deepquanCollection: !o.collection ? null : {
      pageIndex: null,
      open: async () => { const c = await lib.openCollection({ model: files.model, collection: `${o.data}/collection/collection.json` }); await c.loaded; return c; },
    },
  };
  const out = [];
  const cache = sharedBuilds(adapter, lib, data); // the runner's rule (builds.mjs): one build per buildKey
  for (const s of adapter.settings({ quick: o.quick, collection: !!o.collection })) {
    try {
      const { built, entry } = await cache.get(s, async () => {
        const t0 = performance.now();
        const b = await adapter.build(lib, s, data);
        return { built: b, buildMs: performance.now() - t0 };
      });
      const { passes, found } = await timedPasses(built, nq, o.k, o.runs);
      out.push({ setting: s.name, status: 'ok', build_ms: entry.buildMs, latency: latencySummary(passes), found: found.map((f) => Array.from(f)) });
    } catch (e) {
      out.push({ setting: s.name, status: 'failed', message: String(e?.message ?? e).split('\n')[0] });
    }
  }
  cache.release();
  return out;
}
