// Issue 21's end-to-end figure: one query image in, the top 10 out, K = 16 against K = 256 at equal bits over
// 1 M and 10 M codes, natively and in the package (scripts/bench-k16-e2e.mjs writes RAW/k16-e2e/e2e.json). One
// table renderer for both places it is read: the tool's own e2e.md and the report's K = 16 section (which takes
// the file only from the k16-e2e part of the report's sources).
import path from 'node:path';

const ms = (x) => (x == null ? '–' : x >= 10 ? x.toFixed(2) : x.toFixed(3));
// A cell: the median over the runs of each run's p50, with the range of those run medians (one run: no range).
const p50Cell = (r) => `${ms(r.p50_ms)}${r.p50_range && r.p50_range[0] !== r.p50_range[1] ? ` (${ms(r.p50_range[0])}–${ms(r.p50_range[1])})` : ''}`;

/// The table's markdown lines for an e2e.json result: one line per (codes, bits, backend, mode) that has both K.
export function k16E2eTable(result) {
  const rows = result.rows ?? [];
  const lines = [
    '| codes | bits | backend | mode | K = 256 p50 ms (range) | K = 256 q/s | K = 16 p50 ms (range) | K = 16 q/s | K = 16 / K = 256 (q/s) | K = 16 kernel |',
    '| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  const sizes = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const backends = [...new Set(rows.map((r) => r.backend))];
  for (const n of sizes) for (const bits of [32, 64]) for (const backend of backends) for (const mode of ['sdc', 'adc']) {
    const of = (K) => rows.find((r) => r.n === n && r.bits === bits && r.backend === backend && r.mode === mode && r.K === K);
    const a = of(256), b = of(16);
    if (!a || !b) continue;
    lines.push(`| ${n.toLocaleString('en')} | ${bits} | ${backend} | ${mode.toUpperCase()} | ${p50Cell(a)} | ${a.qps} | ${p50Cell(b)} | ${b.qps} | ` +
      `${(b.qps / a.qps).toFixed(2)} | \`${b.kernel}\` |`);
  }
  return lines;
}

/// The lines that say what the table is: revision, sources, machine, command, protocol.
export function k16E2eHeader(result) {
  const m = result.machine ?? {};
  const runs = result.runs ?? result.reps;
  return [
    `Revision \`${result.revision}\`${result.sources ? `, sources \`${result.sources}\`` : ''}; ${m.cores} × ${m.cpu}, Node ${m.node}, load average at the end ${(m.load_average_end ?? []).join(' ')}.`,
    `Command: \`${result.command ?? 'node scripts/bench-k16-e2e.mjs'}\`. One query image at a time, top 10, one thread;`,
    `${result.queries} queries per run, ${runs} run${runs > 1 ? 's' : ''} per cell (native: each a bench_query process of its own; package: timed passes in one`,
    'Node process); p50: the median over the runs of each run\'s median, with their range; q/s: the median over the runs of',
    '1 / mean latency. Models: dq_golden --bench (784-500-500-2000-64 encoder, random weights; random codes): encode time',
    'is the same for both K, the scan is not. K = 16: the fast-scan kernel with the default candidate pool re-ranked',
    'exactly (what every front end runs). The 10 M database is the 1 M one added ten times.',
  ];
}

/// The report's subsection (inside "K = 16 against K = 256"): from RAW/k16-e2e/e2e.json when the raw outputs were
/// not made in parts, else only from the k16-e2e part of the report's source hash (a file of another build says
/// nothing about this one, and the line says why it is left out).
export function writeK16E2e(c, doc, { level = '###' } = {}) {
  const { w } = doc;
  w(`${level} End to end over 1 M and 10 M codes: encode + top-10, K = 16 against K = 256`);
  w();
  const rec = c.parts?.records.find((r) => r.part === 'k16-e2e');
  if (c.parts && (!rec || rec.sources !== c.parts.status.sources || !rec.complete)) {
    w(`Not in this report: part \`k16-e2e\` ${!rec ? 'not run yet' : rec.sources !== c.parts.status.sources ? `is of other sources (\`${rec.sources}\`)`
      : 'did not complete (see logs/bench-k16-e2e.log)'}.`);
    w();
    return;
  }
  const result = c.readJson(path.join(c.RAW, 'k16-e2e', 'e2e.json'));
  // The file names the sources it measured: a step that failed leaves an older file behind, which must not pass
  // for this part's.
  const why = !result ? 'no k16-e2e/e2e.json (see logs/bench-k16-e2e.log)'
    : c.parts && result.sources !== c.parts.status.sources ? `k16-e2e/e2e.json is of ${result.sources ? `sources \`${result.sources}\`` : 'unrecorded sources'} (see logs/bench-k16-e2e.log)`
    : null;
  if (why) {
    w(`Not in this report: ${why}.`);
    w();
    return;
  }
  for (const l of k16E2eHeader(result)) w(l);
  w();
  for (const l of k16E2eTable(result)) w(l);
  w();
}
