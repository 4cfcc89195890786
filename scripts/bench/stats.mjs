// Summary statistics the benchmark prints, in one place: the report's mean ± sample std and median, and the
// latency quantiles of the timing scripts (bench-e2e.mjs, bench/wasm-latency.mjs).

export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/// Mean, sample standard deviation (n − 1; 0 for a single value) and count.
export function meanStd(xs) {
  const m = mean(xs);
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) : 0;
  return { mean: m, std: Math.sqrt(v), n: xs.length };
}

/// The meanStd of the union of two samples from the meanStd of each, exactly (the pooled sum of squares): how
/// figures whose single values are lost (a committed summary) join new runs without being re-derived.
export function poolMeanStd(a, b) {
  if (a.n === 0) return { ...b };
  if (b.n === 0) return { ...a };
  const n = a.n + b.n, m = (a.n * a.mean + b.n * b.mean) / n;
  const ss = (a.n - 1) * a.std ** 2 + (b.n - 1) * b.std ** 2 + (a.n * b.n / n) * (a.mean - b.mean) ** 2;
  return { mean: m, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n };
}

/// The middle value, or the mean of the two middle ones: with two runs neither run alone is the median.
export function median(xs) {
  const v = [...xs].sort((a, b) => a - b), h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/// The element at floor(p · n) of the ascending `sorted` (clamped to the last): the timing scripts' quantile,
/// so their "median" of an even count is the upper middle value, as they have always printed it.
export const quantile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/// Latency summary of a list of milliseconds (bench-e2e.mjs's e2e.json fields).
export function latencyStats(times) {
  const s = [...times].sort((a, b) => a - b);
  return { runs: s.length, median_ms: quantile(s, 0.5), p10_ms: quantile(s, 0.1), p90_ms: quantile(s, 0.9), min_ms: s[0], max_ms: s[s.length - 1] };
}

/// latencyStats over repeated passes (arrays of per-query ms): each figure the median over the passes of that
/// pass's figure, plus the number of passes and the range of the pass medians (the spread between runs).
export function passStats(passes) {
  const per = passes.map(latencyStats);
  const mid = (k) => median(per.map((p) => p[k]));
  return { runs: per[0]?.runs ?? 0, passes: per.length, median_ms: mid('median_ms'), p10_ms: mid('p10_ms'), p90_ms: mid('p90_ms'),
           min_ms: Math.min(...per.map((p) => p.min_ms)), max_ms: Math.max(...per.map((p) => p.max_ms)),
           median_ms_range: [Math.min(...per.map((p) => p.median_ms)), Math.max(...per.map((p) => p.median_ms))] };
}
