// Where DeepQuan leads and where a peer does (issue 22: "the peers' table shows where we lead and where we do
// not"), computed from the rows rather than written by hand, so the lines change when the figures do. Each
// criterion names the best row over every engine and DeepQuan's best row, and says which one leads. Latency
// without recall says little (usearch's sign bits are the fastest and find a tenth of the neighbours), so the
// latency criteria are also taken over the rows at least as accurate as DeepQuan's most accurate one.

const ok = (r) => r.status === 'ok';
const name = (r) => `${r.engine}${r.version ? ` ${r.version}` : ''} ${r.setting}`;
const pageBytes = (r) => (r.page?.index && Number.isFinite(r.page.index.bytes) && Number.isFinite(r.page.package_gzip_bytes)
  ? r.page.package_gzip_bytes + r.page.index.bytes : null);
const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
const ms = (v) => `${v.toFixed(3)} ms`;

/// Bytes a row's index keeps per vector for its search, from its quantization label (the adapters' settings):
/// PQ codes M log2(K) / 8, f32 4 d, i8 d, sign bits d / 8 (with the f32 vectors too when it rescores); null
/// for a label this does not know.
export function bytesPerVector(quantization, { d, M, K }) {
  switch (quantization) {
    case 'PQ': return M && K ? (M * Math.log2(K)) / 8 : null;
    case 'f32': return 4 * d;
    case 'i8': return d;
    case 'b1': return d / 8;
    case 'b1 + f32 rescore': return d / 8 + 4 * d;
    default: return null;
  }
}

/// The criteria: { what, value(row) -> number | null (not comparable), better: 'low' | 'high', show(v, row) }.
function criteria(dqRecall, data) {
  const compact = data?.d ? data.d / 8 : null; // one bit per dimension: the binary codes' size
  const small = (r) => { const b = bytesPerVector(r.quantization, data ?? {}); return b != null && compact != null && b <= compact; };
  const withRecall = (f) => (r) => `${f(r)} (recall ${r.recall_at_10.toFixed(3)})`;
  const p50 = (r) => r.latency?.p50_ms.median ?? null;
  const chrome = (r) => (r.chromium?.status === 'ok' ? r.chromium.latency.p50_ms.median : null);
  const atLeast = (f) => (r) => (r.recall_at_10 >= dqRecall - 1e-9 ? f(r) : null);
  return [
    { what: 'recall@10 against exact', value: (r) => r.recall_at_10, better: 'high', show: (v) => v.toFixed(3) },
    ...(compact == null ? [] : [{ what: `recall@10 at ≤ 1 bit per dimension (≤ ${compact} bytes a vector)`, value: (r) => (small(r) ? r.recall_at_10 : null), better: 'high',
                                  show: (v, r) => `${v.toFixed(3)} (${bytesPerVector(r.quantization, data)} bytes a vector)` }]),
    { what: 'MAP@All (needs a complete ranking)', value: (r) => (r.map_all == null ? null : 100 * r.map_all), better: 'high', show: (v) => v.toFixed(2) },
    { what: 'p50 latency in Node, any recall', value: p50, better: 'low', show: (v, r) => withRecall(() => ms(v))(r) },
    { what: `p50 latency in Node at recall@10 ≥ DeepQuan's best (${dqRecall.toFixed(3)})`, value: atLeast(p50), better: 'low', show: (v, r) => withRecall(() => ms(v))(r) },
    { what: 'p50 latency in Chromium, any recall', value: chrome, better: 'low', show: (v, r) => withRecall(() => ms(v))(r) },
    { what: `p50 latency in Chromium at recall@10 ≥ DeepQuan's best (${dqRecall.toFixed(3)})`, value: atLeast(chrome), better: 'low', show: (v, r) => withRecall(() => ms(v))(r) },
    { what: 'page download before the first search (package + index)', value: pageBytes, better: 'low', show: (v) => mb(v) },
    { what: 'index memory', value: (r) => r.memory?.bytes ?? null, better: 'low', show: (v) => mb(v) },
    { what: 'build / load time', value: (r) => (r.build ? r.build.median_ms / 1000 : null), better: 'low', show: (v) => `${v.toFixed(2)} s` },
  ];
}

/// [{ what, best: { row, value, text }, deepquan: { row, value, text } | null, leads }] for the rows of one
/// bench-peers result (data: its { d, M, K }); a criterion no row has a value for is left out. leads:
/// DeepQuan's best equals the best (a tie counts as leading: it is not behind).
export function leaders(rows, data) {
  const good = rows.filter(ok);
  const dqRows = good.filter((r) => r.engine === 'deepquan');
  const dqRecall = Math.max(0, ...dqRows.map((r) => r.recall_at_10));
  const out = [];
  for (const c of criteria(dqRecall, data)) {
    const pick = (rs) => {
      let best = null;
      for (const r of rs) {
        const v = c.value(r);
        if (v == null || !Number.isFinite(v)) continue;
        if (!best || (c.better === 'low' ? v < best.value : v > best.value)) best = { row: r, value: v };
      }
      return best && { ...best, text: `${name(best.row)}: ${c.show(best.value, best.row)}` };
    };
    const best = pick(good);
    if (!best) continue;
    const dq = pick(dqRows);
    out.push({ what: c.what, best, deepquan: dq, leads: !!dq && dq.value === best.value });
  }
  return out;
}

/// Markdown lines: one bullet per criterion.
export function leaderLines(rows, data) {
  return leaders(rows, data).map((l) => `- **${l.what}**: ${l.leads ? 'DeepQuan leads' : 'a peer leads'}: ${l.best.text}` +
    (l.leads ? '' : `; DeepQuan's best: ${l.deepquan ? l.deepquan.text : 'no value (DeepQuan cannot do this)'}`));
}
