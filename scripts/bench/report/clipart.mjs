// Issue 19: the real collection, Debian's openclipart-png (matrix.mjs CLIPART): DeepQuan at 32 and 64 bits
// against PQ, OPQ, ITQ and exact float L2 on the same 32x32 RGB pixels, category as relevance: MAP@All and
// P@10, mean ± std over seeds, the revision of every figure, and the goal (DeepQuan above every classic
// baseline at the same bits, MAP@All: PQ, OPQ and ITQ, the compressed methods, as in the paper's tables and
// k16.mjs), with exact L2 (uncompressed float pixels) compared on its own line. writeClipartFiles writes it standalone (RAW/clipart/clipart.{json,md,svg}), as
// k16.mjs does for issue 21, so that `bench.sh --only 'clipart-*'` can publish it.
import fs from 'node:fs';
import path from 'node:path';
import { standaloneRuns } from './data.mjs';
import { markdownDoc, pct } from './markdown.mjs';
import { svgBars } from './svg-plot.mjs';
import { rowFigures } from './k16.mjs';
import { poolMeanStd } from '../stats.mjs';
import { writeAtomic } from '../peers/report.mjs';

export const CLIPART_BITS = [32, 64];
export const CLIPART_SEEDS = 3;
const METRICS = [['map_all', 'MAP@All'], ['precision_at_10', 'P@10']];
const ROWS = [
  { name: 'deepquan', method: 'DeepQuan', ours: true },
  { name: 'pq', method: 'PQ' },
  { name: 'opq', method: 'OPQ' },
  { name: 'itq', method: 'ITQ' },
  { name: 'l2', method: 'exact L2 (float pixels)', anyBits: true, reference: true },
];

/// Joins `carried` (the rows of an earlier clipart.json) into `rows` (figures of the runs at hand): a row of the
/// same (name, ranking) gets the carried seeds pooled into its figures (exactly: poolMeanStd), a carried row
/// without runs here is kept as it is. Refused (throws): a carried seed that was also run here, or carried figures
/// of other sources than the runs they join, since a mean over two builds names neither. Each joined row lists
/// its carried runs, so the report can say which figures no raw record here backs.
export function joinCarried(rows, carried) {
  const out = rows.map((r) => ({ ...r, carried_runs: [] }));
  for (const c of carried) {
    if (!c.ranking || !c.map_all?.n) continue;
    const r = out.find((x) => x.name === c.name && x.ranking === c.ranking && x.ranking);
    if (!r) {
      out.push({ ...c, failed: c.failed ?? [], carried_runs: [...c.runs] });
      continue;
    }
    const twice = c.seeds.filter((s) => r.seeds.includes(s));
    if (twice.length) throw new Error(`carried ${c.name} ${c.ranking}: seed ${twice.join(', ')} is also in the runs at hand`);
    const other = (c.sources ?? ['not recorded']).filter((h) => !r.sources.includes(h)).concat(r.sources.filter((h) => !(c.sources ?? []).includes(h)));
    if (other.length) throw new Error(`carried ${c.name} ${c.ranking}: sources ${(c.sources ?? []).join(', ')} against ${r.sources.join(', ')} of the runs at hand`);
    const order = [...c.seeds.map((s, i) => [s, c.runs[i]]), ...r.seeds.map((s, i) => [s, r.runs[i]])].sort((a, b) => a[0] - b[0]);
    Object.assign(r, { seeds: order.map((x) => x[0]), runs: order.map((x) => x[1]), revisions: [...new Set([...c.revisions, ...r.revisions])],
                       carried_runs: [...c.runs] });
    for (const [k] of METRICS) r[k] = poolMeanStd(c[k], r[k]);
  }
  const rank = (r) => ROWS.findIndex((x) => x.name === r.name);
  return out.map((r, i) => [r, i]).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([r]) => r);
}

/// [{ bits, rows, goal }] from the loaded runs (and the rows of an earlier clipart.json's `carried` summary, see
/// joinCarried), or [] when there is no clip-art figure at all.
export function clipartSummary(runs, carried = null) {
  if (!runs.some((r) => r.dataset === 'clipart') && !carried?.length) return [];
  return CLIPART_BITS.map((bits) => {
    const fresh = ROWS.flatMap((row) => rowFigures(runs, 'clipart', row.name, row.anyBits ? null : bits, METRICS).map((f) => ({ ...row, ...f })));
    const rows = joinCarried(fresh, carried?.find((b) => b.bits === bits)?.rows ?? []);
    const baselines = rows.filter((r) => !r.ours && !r.reference && r.ranking && r.map_all.n > 0);
    const l2 = rows.find((r) => r.reference && r.ranking && r.map_all.n > 0) ?? null;
    const best = baselines.length ? baselines.reduce((a, b) => (b.map_all.mean > a.map_all.mean ? b : a)) : null;
    const goal = rows.filter((r) => r.ours && r.ranking && r.map_all.n > 0).map((d) => {
      const margin = best ? d.map_all.mean - best.map_all.mean : null;
      const seeds = Math.min(d.map_all.n, best?.map_all.n ?? 0);
      const missing = ROWS.filter((x) => !x.ours && !x.reference && !baselines.some((b) => b.name === x.name)).map((x) => x.method);
      return { ranking: d.ranking, margin_over_best_baseline: margin, best_baseline: best ? { method: best.method, ranking: best.ranking, map_all: best.map_all.mean } : null,
               seeds, baselines_missing: missing, margin_over_exact_l2: l2 ? d.map_all.mean - l2.map_all.mean : null,
               met: margin == null ? 'not known' : margin <= 0 ? 'no' : missing.length || seeds < CLIPART_SEEDS ? 'provisional' : 'yes' };
    });
    return { bits, rows, goal };
  });
}

const cellOf = (f) => (f.n === 0 ? '–' : `${pct(f.mean)}${f.n > 1 ? ` ± ${pct(f.std)}` : ''}${f.n < CLIPART_SEEDS ? ` (${f.n} of ${CLIPART_SEEDS} seeds)` : ''}`);
const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)}`;

function writeBody(summary, doc) {
  const { w, table } = doc;
  w('The collection: every PNG under `/usr/share/openclipart/png` (Debian openclipart-png), read as `deepquan train --images`');
  w('reads a folder: RGB, composited over white, area-resized to 32x32; 15 files over the decoder\'s size limit are skipped');
  w('(`--skip-bad`) and the 1,221 links count once, leaving 6,885 images in 22 categories of 3 to 1,797 images. Queries: 10 % of');
  w('each category (at least one; `--queries-per-class 10%`, 679 queries), the rest is gallery and training set. Relevance =');
  w('same category, which is **noisy**: a category ("computer", "shapes", "signs_and_symbols") holds very different drawings, and');
  w('the big categories dominate MAP@All (a random ranking scores about the sum of squared category shares). MAP@All and P@10');
  w('in %, mean ± sample std over the seeds that finished; DeepQuan and PQ / OPQ by both rankings (SDC, ADC), ITQ by Hamming');
  w('distance, L2 by exact float distance on the pixels (no code at all: 12 KiB of floats per image, not a compressed method).');
  w('Goal (issue 19): DeepQuan above every classic baseline at the same bits (PQ, OPQ, ITQ; MAP@All, each ranking against their');
  w('best); exact L2 is compared on its own line.');
  w();
  for (const { bits, rows, goal } of summary) {
    w(`## ${bits} bits`);
    w();
    table(['method', 'ranking', ...METRICS.map(([, l]) => l), 'seeds', 'revision'],
      rows.map((r) => (r.ranking == null
        ? [r.method, '–', `**failed** (${r.failed.length})`, '', '', '']
        : [r.method, r.ranking.toUpperCase(), ...METRICS.map(([k]) => cellOf(r[k])),
           `${r.seeds.map((x, i) => `${x}${r.carried_runs?.includes(r.runs[i]) ? '†' : ''}`).join(', ')}${r.failed.length ? ` (${r.failed.length} failed)` : ''}`, r.revisions.map((x) => `\`${x}\``).join(', ')])));
    const missing = ROWS.filter((x) => !rows.some((r) => r.name === x.name)).map((x) => x.method);
    if (missing.length) w(`Not run: ${missing.join(', ')}.`);
    for (const g of goal) {
      const best = g.best_baseline ? `${signed(g.margin_over_best_baseline)} points against the best baseline (${g.best_baseline.method} ${g.best_baseline.ranking.toUpperCase()}, ${pct(g.best_baseline.map_all)})` : 'no baseline run';
      const short = g.met === 'provisional' ? ` (over ${g.seeds} seed${g.seeds === 1 ? '' : 's'}${g.baselines_missing.length ? `; not run: ${g.baselines_missing.join(', ')}` : ''})` : '';
      const l2 = g.margin_over_exact_l2 == null ? '' : ` Against exact L2: ${signed(g.margin_over_exact_l2)}.`;
      w(`- DeepQuan ${g.ranking.toUpperCase()} MAP@All: ${best}; goal: **${g.met}**${short}.${l2}`);
    }
    w();
  }
}

export function clipartChart(summary) {
  const keys = [];
  for (const b of summary) for (const r of b.rows) if (r.ranking && r.map_all.n > 0) {
    const key = `${r.method} ${r.ranking.toUpperCase()}`;
    if (!keys.includes(key)) keys.push(key);
  }
  const bar = (b, key) => b.rows.find((r) => r.ranking && `${r.method} ${r.ranking.toUpperCase()}` === key && r.map_all.n > 0);
  return {
    title: 'openclipart (22 categories): MAP@All (%), DeepQuan against the baselines on the same pixels', yLabel: 'MAP@All %',
    groups: summary.map((b) => `${b.bits} bits`),
    series: keys.map((key) => ({ name: key, y: summary.map((b) => (bar(b, key) ? 100 * bar(b, key).map_all.mean : NaN)),
                                 err: summary.map((b) => (bar(b, key) ? 100 * bar(b, key).map_all.std : NaN)) })),
  };
}

/// Writes RAW/clipart/clipart.{json,md,svg} (atomically) from the runs in RAW, joined with the figures of an
/// earlier clipart.json `carry` when given (joinCarried); null when there is no clip-art figure. RAW made in parts:
/// only the runs of one source hash (`sources`, default the parts': data.mjs standaloneRuns).
export function writeClipartFiles({ raw, machine, out = path.join(raw, 'clipart'), carry = null, sources: asked = null }) {
  const carried = carry ? JSON.parse(fs.readFileSync(carry, 'utf8')) : null;
  const { runs, sources: hash, left_out: leftOut } = standaloneRuns(raw, asked);
  const summary = clipartSummary(runs, carried?.bits ?? null);
  if (summary.length === 0) return null;
  fs.mkdirSync(out, { recursive: true });
  const mach = { cpu: machine.cpu, cores: machine.cores, mem_gib: machine.mem_gib, kernel: machine.kernel, gxx: machine.gxx,
                 trainer_march: machine.trainer_march, date: machine.date };
  const revisions = [...new Set(summary.flatMap((b) => b.rows.flatMap((r) => r.revisions)))];
  const sources = [...new Set(summary.flatMap((b) => b.rows.flatMap((r) => r.sources ?? [])))];
  const carriedRuns = [...new Set(summary.flatMap((b) => b.rows.flatMap((r) => r.carried_runs ?? [])))].sort();
  const from = carried && carriedRuns.length ? { file: path.basename(carry), date: carried.machine?.date ?? null, cpu: carried.machine?.cpu ?? null,
                                                 runs: carriedRuns, from: carried.carried_from ?? null } : null;
  writeAtomic(path.join(out, 'clipart.json'), JSON.stringify({ what: 'issue 19: DeepQuan against PQ, OPQ, ITQ and exact L2 on openclipart-png',
    seeds_wanted: CLIPART_SEEDS, revisions, sources, parts_sources: hash, runs_left_out: leftOut, machine: mach, ...(from ? { carried_from: from } : {}), bits: summary }, null, 1) + '\n');
  const doc = markdownDoc();
  doc.w('# openclipart: DeepQuan against the classic baselines (issue 19)');
  doc.w();
  doc.w(`Written by \`scripts/bench.sh\` on ${mach.date}; figures from revision${revisions.length > 1 ? 's' : ''} ${revisions.map((x) => `\`${x}\``).join(', ')}`);
  doc.w(`(per row), source hash${sources.length > 1 ? 'es' : ''} ${sources.map((x) => `\`${x}\``).join(', ')}. Machine: ${[mach.cpu, mach.cores && `${mach.cores} cores`, mach.kernel, mach.gxx].filter(Boolean).join(', ')}.`);
  doc.w('Command: `scripts/bench.sh --only \'clipart-*\'` (full mode; THREADS sets the trainer threads, which do not change the bits).');
  if (hash) doc.w(`Made in parts: only runs of the parts' source hash \`${hash}\` count${leftOut ? ` (${leftOut} run${leftOut > 1 ? 's' : ''} of other sources in the raw outputs left out)` : ''}.`);
  if (from) {
    doc.w();
    doc.w(`Seeds marked † are carried from the ${from.file} written on ${from.date} (${from.cpu}; same source hash), whose raw records`);
    doc.w('did not survive that machine: their mean, std and count are pooled exactly with the runs of this invocation');
    doc.w(`(\`node scripts/bench-clipart.mjs --carry\`). Carried runs: ${from.runs.join(', ')}.`);
  }
  doc.w();
  writeBody(summary, doc);
  doc.w('![MAP@All on openclipart](clipart.svg)');
  doc.w();
  writeAtomic(path.join(out, 'clipart.md'), doc.text());
  const files = [path.join(out, 'clipart.json'), path.join(out, 'clipart.md')];
  const svg = svgBars(clipartChart(summary));
  if (svg) {
    writeAtomic(path.join(out, 'clipart.svg'), svg);
    files.push(path.join(out, 'clipart.svg'));
  }
  return { files, summary };
}
