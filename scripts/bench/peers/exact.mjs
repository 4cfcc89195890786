// Exact float search in plain JavaScript: a scan of the gallery's z by squared L2 (the ranking every recall
// is measured against, timed here as an engine of its own).
export const engine = 'exact';
export const pkg = null;
export const browser = 'yes (plain JS)';

export async function open() { return {}; }
export const openPage = open;

export const settings = () => [{ name: 'brute force f32 (JS)', quantization: 'f32' }];

export async function build(_lib, _setting, data) {
  const { d, n, gallery, queries } = data;
  const dist = new Float32Array(n);
  const topk = (qi, k) => {
    const q = queries.subarray(qi * d, qi * d + d);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0, o = j * d; t < d; t++) { const x = q[t] - gallery[o + t]; s += x * x; }
      dist[j] = s;
    }
    if (k >= n) return Int32Array.from({ length: n }, (_, j) => j).sort((a, b) => dist[a] - dist[b] || a - b);
    // k smallest by a bounded insertion buffer
    const best = new Int32Array(k).fill(-1);
    let m = 0;
    for (let j = 0; j < n; j++) {
      const v = dist[j];
      if (m === k && v >= dist[best[k - 1]]) continue;
      let p = m < k ? m++ : k - 1;
      while (p > 0 && dist[best[p - 1]] > v) { best[p] = best[p - 1]; p--; }
      best[p] = j;
    }
    return best;
  };
  return {
    search: (qi, k) => topk(qi, k),
    fullRanking: (qi) => topk(qi, n),
    memory: { bytes: gallery.byteLength, source: 'the f32 vectors (n × d × 4)' },
    pageIndex: { bytes: data.vectorsGzipBytes, what: 'f32 vectors, gzip' },
    dispose() {},
  };
}
