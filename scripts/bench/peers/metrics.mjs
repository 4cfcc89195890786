// Quality and timing figures of scripts/bench-peers.mjs: exact float ranking, recall@k against it, MAP@All by
// label, and latency summaries over repeated passes. Pure functions over typed arrays.
import { median, quantile } from '../stats.mjs';

/// Squared L2 distance of row i of `a` (dim d) to row j of `b`.
function dist2(a, i, b, j, d) {
  let s = 0;
  for (let t = 0; t < d; t++) { const x = a[i * d + t] - b[j * d + t]; s += x * x; }
  return s;
}

/// Exact top-k gallery positions of every query by squared L2 (ties by position): queries nq × d,
/// gallery n × d row-major Float32Arrays. Returns an array of nq Int32Array(k).
export function exactTopK(gallery, queries, d, k) {
  const n = gallery.length / d, nq = queries.length / d, out = [];
  const dist = new Float64Array(n), idx = new Int32Array(n);
  for (let q = 0; q < nq; q++) {
    for (let j = 0; j < n; j++) { dist[j] = dist2(queries, q, gallery, j, d); idx[j] = j; }
    // Partial selection: keep the k best in a small sorted buffer (k ≪ n).
    const best = [];
    for (let j = 0; j < n; j++) {
      const v = dist[j];
      if (best.length === k && (v > best[k - 1][0] || (v === best[k - 1][0] && j > best[k - 1][1]))) continue;
      let p = best.length;
      while (p > 0 && (best[p - 1][0] > v || (best[p - 1][0] === v && best[p - 1][1] > j))) p--;
      best.splice(p, 0, [v, j]);
      if (best.length > k) best.pop();
    }
    out.push(Int32Array.from(best, (b) => b[1]));
  }
  return out;
}

/// Mean over queries of |found[q][:k] ∩ truth[q][:k]| / k (found may be shorter than k: misses count).
export function recallAtK(found, truth, k) {
  if (found.length !== truth.length) throw new Error(`recallAtK: ${found.length} result lists for ${truth.length} queries`);
  if (found.length === 0) return NaN;
  let s = 0;
  for (let q = 0; q < found.length; q++) {
    const t = new Set(Array.from(truth[q]).slice(0, k));
    s += Array.from(found[q]).slice(0, k).filter((p) => t.has(p)).length / k;
  }
  return s / found.length;
}

/// MAP@All: mean over queries of the average precision of the complete ranking `rankings[q]` (every
/// gallery position once) with relevance = same label as the query. Queries with no relevant item count 0.
export function mapAll(rankings, galleryLabels, queryLabels) {
  if (rankings.length !== queryLabels.length) throw new Error(`mapAll: ${rankings.length} rankings for ${queryLabels.length} queries`);
  let s = 0;
  for (let q = 0; q < rankings.length; q++) {
    let hits = 0, ap = 0;
    const r = rankings[q];
    for (let i = 0; i < r.length; i++) if (galleryLabels[r[i]] === queryLabels[q]) { hits++; ap += hits / (i + 1); }
    s += hits ? ap / hits : 0;
  }
  return s / rankings.length;
}

/// Summary of repeated timed passes: runs = array of arrays of per-query milliseconds. The p50 / p99 of each
/// pass, then their median and spread (min, max) over passes.
export function latencySummary(runs) {
  const per = runs.map((t) => { const s = [...t].sort((a, b) => a - b); return { p50: quantile(s, 0.5), p99: quantile(s, 0.99) }; });
  const agg = (key) => { const v = per.map((p) => p[key]); return { median: median(v), min: Math.min(...v), max: Math.max(...v) }; };
  return { runs: runs.length, queries: runs[0]?.length ?? 0, p50_ms: agg('p50'), p99_ms: agg('p99') };
}

/// Median and spread of a list of durations (ms), e.g. repeated builds.
export function durationSummary(ms) {
  return { runs: ms.length, median_ms: median(ms), min_ms: Math.min(...ms), max_ms: Math.max(...ms) };
}
