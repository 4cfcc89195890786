// Runs one adapter (scripts/bench/peers/<engine>.mjs) over the prepared data: open, then per setting R timed
// builds and R timed passes over the queries, recall@10 against the exact ranking and MAP@All where the
// adapter gives a complete ranking. An adapter whose package is not installed is recorded, not thrown.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { recallAtK, mapAll, latencySummary, durationSummary } from './metrics.mjs';
import { timedPasses } from './timing.mjs';
import { sharedBuilds } from './builds.mjs';

const MISSING = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/// { status: 'ok', lib } | { status: 'missing' | 'failed', message }.
export async function openAdapter(adapter, ctx) {
  try {
    return { status: 'ok', lib: await adapter.open(ctx) };
  } catch (e) {
    const message = String(e?.message ?? e).split('\n')[0];
    return { status: MISSING.has(e?.code) ? 'missing' : 'failed', message };
  }
}

/// The installed version of npm package `name` under root/node_modules, or null.
export function packageVersion(root, name) {
  try { return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return null; }
}

/// Sum of the gzip -9 sizes of `files` (paths relative to dir); null if one is missing.
export function gzipBytes(dir, files) {
  let s = 0;
  for (const f of files) {
    const p = path.join(dir, f);
    if (!fs.existsSync(p)) return null;
    s += zlib.gzipSync(fs.readFileSync(p), { level: 9 }).length;
  }
  return s;
}

const rss = () => { globalThis.gc?.(); return process.memoryUsage().rss; };

/// One engine's rows: [{ engine, setting, ... }]. ctx: { root, quick, runs, k, truth, labels, log }.
export async function runEngine(adapter, ctx, data) {
  const head = { engine: adapter.engine, package: adapter.pkg, version: adapter.pkg ? packageVersion(ctx.root, adapter.pkg) : null,
                 browser: adapter.browser };
  const opened = await openAdapter(adapter, ctx);
  if (opened.status !== 'ok') {
    ctx.log(`${adapter.engine}: ${opened.status}: ${opened.message}`);
    return [{ ...head, setting: null, status: opened.status, message: opened.message }];
  }
  const pageBytes = adapter.pageFiles === undefined ? ctx.packageGzip?.(adapter.engine) ?? null
    : adapter.pageFiles === null ? null : gzipBytes(path.join(ctx.root, 'node_modules', adapter.pkg), adapter.pageFiles);
  const rows = [];
  const cache = sharedBuilds(adapter, opened.lib, data);
  for (const s of adapter.settings(ctx)) {
    const row = { ...head, setting: s.name, quantization: s.quantization, status: 'ok' };
    try {
      const { built, entry, reused } = await cache.get(s, async () => {
        // R timed builds; the index memory of the last one (the adapter's own figure) or the RSS delta of the first.
        const builds = [];
        let built = null, rssDelta = null;
        for (let r = 0; r < ctx.runs; r++) {
          if (built) built.dispose();
          built = null;
          const m0 = r === 0 ? rss() : 0;
          const t0 = performance.now();
          built = await adapter.build(opened.lib, s, data);
          builds.push(performance.now() - t0);
          if (r === 0) rssDelta = rss() - m0;
        }
        return { built, build: durationSummary(builds), memory: built.memory ?? { bytes: rssDelta, source: 'process RSS delta over the first build' } };
      });
      row.build = reused ? { ...entry.build, shared_with: entry.name } : entry.build;
      row.memory = entry.memory;
      const k = ctx.k;
      const { passes, found } = await timedPasses(built, data.nq, k, ctx.runs);
      row.latency = latencySummary(passes);
      row.recall_at_10 = recallAtK(found, ctx.truth, k);
      if (ctx.labels && built.fullRanking) {
        const rankings = [];
        for (let i = 0; i < data.nq; i++) rankings.push(built.fullRanking(i));
        row.map_all = mapAll(rankings, ctx.labels.gallery, ctx.labels.queries);
      } else {
        row.map_all = null;
        row.map_all_note = !ctx.labels ? 'no labels' : 'top-k only (no complete ranking)';
      }
      row.page = adapter.browser.startsWith('no') ? null : { package_gzip_bytes: pageBytes, index: built.pageIndex };
      ctx.log(`${adapter.engine} / ${s.name}: recall@10 ${row.recall_at_10.toFixed(3)}, p50 ${row.latency.p50_ms.median.toFixed(3)} ms`);
    } catch (e) {
      row.status = 'failed';
      row.message = String(e?.message ?? e).split('\n')[0];
      ctx.log(`${adapter.engine} / ${s.name}: failed: ${row.message}`);
    }
    rows.push(row);
  }
  cache.release();
  return rows;
}
