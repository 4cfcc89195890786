// The outputs of scripts/bench-peers.mjs: peers.json (everything), peers.md (one table row per engine and
// setting) and peers-latency-recall.svg (p50 latency against recall@10), each naming revision and machine,
// each written to a temporary file and renamed into place.
import fs from 'node:fs';
import path from 'node:path';
import { svgPlot } from '../report/svg-plot.mjs';
import { leaderLines } from './leaders.mjs';

/// Writes `text` to `file` through `file.tmp-PID` + rename, so a reader never sees half a file.
export function writeAtomic(file, text) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

const num = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : null);
const bytes = (b) => (!Number.isFinite(b) ? null : b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : b >= 1e3 ? `${(b / 1e3).toFixed(1)} kB` : `${b} B`);
const spread = (m, lo, hi, d) => `${num(m, d)} (${num(lo, d)}–${num(hi, d)})`;

/// One table cell per column for a row of runEngine's output; a missing or failed engine says so.
export function rowCells(r) {
  const name = `${r.engine}${r.version ? ` ${r.version}` : ''}`;
  if (r.status !== 'ok') {
    const why = r.status === 'missing' ? `not installed: ${r.message}` : `failed: ${r.message}`;
    return [name, r.setting ?? '—', why, '', '', '', '', '', '', '', r.browser ?? ''];
  }
  const l = r.latency, b = r.build;
  const page = r.page == null ? 'no browser build'
    : [r.page.package_gzip_bytes == null ? 'package ?' : `${bytes(r.page.package_gzip_bytes)} package gz`,
       r.page.index ? `+ ${bytes(r.page.index.bytes)} ${r.page.index.what}` : '+ index: not measured'].join(' ');
  return [name, r.setting, num(r.recall_at_10, 3), r.map_all == null ? `n/a: ${r.map_all_note}` : num(100 * r.map_all, 2),
          spread(l.p50_ms.median, l.p50_ms.min, l.p50_ms.max, 3), spread(l.p99_ms.median, l.p99_ms.min, l.p99_ms.max, 3), chromiumCell(r.chromium),
          spread(b.median_ms / 1000, b.min_ms / 1000, b.max_ms / 1000, 2),
          r.memory?.bytes == null ? 'not measured' : `${bytes(r.memory.bytes)} (${r.memory.source})`, page, r.browser];
}

/// The Chromium figures of a row (bench-peers.mjs --chromium): p50 / p99 medians, the page's one build (or load)
/// of the index, recall@10 of what the page returned; or why there are none.
export function chromiumCell(c) {
  if (c == null) return 'not run';
  if (c.status !== 'ok') return c.status === 'failed' ? `failed: ${c.message}` : c.status;
  return `${num(c.latency.p50_ms.median, 3)} / ${num(c.latency.p99_ms.median, 3)}, build ${num(c.build_ms / 1000, 2)} s, recall ${num(c.recall_at_10, 3)}`;
}

export const COLUMNS = ['engine', 'setting', 'recall@10 vs exact', 'MAP@All %', 'p50 ms (min–max of runs)', 'p99 ms', 'Chromium p50 / p99 ms, build, recall',
                        'build / load s', 'index memory', 'page download', 'browser'];

/// peers.md: header (revision, machine, data), then the table.
export function toMarkdown(result) {
  const m = result.machine, d = result.data;
  const esc = (s) => String(s ?? '').replace(/\|/g, '\\|');
  let o = `# DeepQuan and its peers, same vectors and queries\n\n`;
  if (result.quick) o += `**Quick (smoke) run: the figures mean nothing.**\n\n`;
  o += `Revision \`${result.revision}\`, ${m.date}. Machine: ${m.cpu} (${m.cores} cores, ${m.mem_gib} GiB), ${m.kernel}, Node ${m.node}, load at start ${m.load_at_start.map((x) => x.toFixed(2)).join(' ')}.\n\n`;
  o += `Data: ${d.source}; ${d.n} gallery vectors of dimension ${d.d} (the model's latent z), ${d.nq} queries, k = ${result.k}; `;
  o += `timings: median and spread of ${result.runs} run(s) (p50 / p99 over the queries of each run, single query, one thread).`;
  const cv = result.rows.find((r) => r.chromium?.version)?.chromium.version;
  o += result.chromium ? ` Chromium ${cv ?? ''} (Debian, headless): the same settings, passes and queries in a page, one fresh browser per engine; the medians of the passes' p50 / p99, and the recall@10 of what the page returned.\n\n`
    : ' Chromium: not run (`--chromium`).\n\n';
  o += `| ${COLUMNS.join(' | ')} |\n| ${COLUMNS.map(() => '---').join(' | ')} |\n`;
  for (const r of result.rows) o += `| ${rowCells(r).map(esc).join(' | ')} |\n`;
  const lead = leaderLines(result.rows, result.data);
  if (lead.length) o += `\nWho leads, criterion by criterion (computed from the rows above):\n\n${lead.join('\n')}\n`;
  if (result.notes?.length) o += `\n${result.notes.map((n) => `- ${n}`).join('\n')}\n`;
  return o;
}

/// The SVG: one series per engine, one point per setting (x = p50 ms, log scale; y = recall@10).
export function toSvg(result) {
  const series = [];
  for (const r of result.rows.filter((r) => r.status === 'ok')) {
    let s = series.find((x) => x.name === r.engine);
    if (!s) series.push(s = { name: r.engine, x: [], y: [] });
    s.x.push(r.latency.p50_ms.median);
    s.y.push(r.recall_at_10);
    if (r.chromium?.status === 'ok') { // the page's figures as a series of their own beside the engine's Node one
      let c = series.find((x) => x.name === `${r.engine} (Chromium)`);
      if (!c) series.push(c = { name: `${r.engine} (Chromium)`, x: [], y: [] });
      c.x.push(r.chromium.latency.p50_ms.median);
      c.y.push(r.chromium.recall_at_10);
    }
  }
  for (const s of series) { // points in latency order, so each engine's line runs left to right
    const o = s.x.map((x, i) => [x, s.y[i]]).sort((a, b) => a[0] - b[0]);
    s.x = o.map((p) => p[0]); s.y = o.map((p) => p[1]);
  }
  const svg = svgPlot({ title: `Latency against recall@10 (${result.data.source}, n = ${result.data.n}) — rev ${result.revision.slice(0, 12)}, ${result.machine.cpu}`,
                        xLabel: 'p50 single-query latency, ms (log)', yLabel: 'recall@10 vs exact', series, logX: true });
  return svg;
}

/// Writes OUT/peers.json, OUT/peers.md and (when some engine ran) OUT/peers-latency-recall.svg.
export function writeOutputs(outDir, result) {
  fs.mkdirSync(outDir, { recursive: true });
  const files = { json: path.join(outDir, 'peers.json'), md: path.join(outDir, 'peers.md'), svg: path.join(outDir, 'peers-latency-recall.svg') };
  writeAtomic(files.json, JSON.stringify(result, null, 1) + '\n');
  writeAtomic(files.md, toMarkdown(result));
  const svg = toSvg(result);
  if (svg) writeAtomic(files.svg, svg); else delete files.svg;
  return files;
}
