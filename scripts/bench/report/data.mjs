// What the report reads from a raw directory (scripts/bench.sh's results/bench/): machine.json, timing.json of the
// same invocation, runs/*.json with their *.report.json, the keep checks against the last build; and the queries
// the tables make over the runs (find, cell, ...). A run that failed or did not happen stays visible as such.
import fs from 'node:fs';
import path from 'node:path';
import { meanStd } from '../stats.mjs';
import { pct } from './markdown.mjs';
import { benchParts, partsStatus, readPartRecords } from '../parts.mjs';
import { benchSettings, buildMatrix } from '../matrix.mjs';

export const readJson = (p) => (fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) : null);

/// A run id split into its parts: DATASET-NAME-bBITS-sSEED (grid: DATASET-grid-lambdaL-sS-b64-s0; l2: DATASET-l2-sSEED),
/// or null for an id of no dataset the report knows.
export function parseRunId(id) {
  const m = id.match(/^(mnist10k|fashion70k|clipart)-(.+?)(?:-b(\d+))?-s(\d+)$/);
  return m ? { dataset: m[1], name: m[2], bits: m[3] ? +m[3] : null, seed: +m[4] } : null;
}

/// The runs recorded in RAW/runs, each with its report (or null) and its parsed id.
export function loadRuns(raw) {
  const runs = [];
  for (const f of fs.readdirSync(path.join(raw, 'runs')).filter((f) => f.endsWith('.json') && !f.endsWith('.report.json'))) {
    const r = readJson(path.join(raw, 'runs', f));
    if (!r || !r.id) continue;
    r.report = readJson(path.join(raw, 'runs', `${r.id}.report.json`));
    const p = parseRunId(r.id);
    if (!p) continue;
    Object.assign(r, p);
    runs.push(r);
  }
  return runs;
}

/// The evaluations of a run: a training's eval list, or every trial's of a baseline.
export function evalsOf(r) {
  if (!r.report) return [];
  if (r.report.command === 'baseline') return r.report.trials.flatMap((t) => t.evals);
  return r.report.eval || [];
}

/// The table queries over `runs`, with the seed count asked for in machine.json.
export function runQueries(runs, machine) {
  // Seeds a dataset's tables cover: the seeds the benchmark was asked for (machine.json), or more if older
  // runs used more. A cell with fewer runs (an interrupted benchmark) says so.
  const seedsOf = (dataset) => Math.max(machine.seeds ?? 0, ...runs.filter((r) => r.dataset === dataset && !r.name.startsWith('speed-')).map((r) => r.seed + 1));
  const find = (dataset, name, bits) => runs.filter((r) => r.dataset === dataset && r.name === name && (bits == null || r.bits === bits));
  // One cell: mean ± std over the runs of one (dataset, name, bits) for an eval mode and metric.
  function cell(dataset, name, bits, mode, metric = 'map_all') {
    const rs = find(dataset, name, bits);
    if (rs.length === 0) return 'not run';
    const vals = [];
    for (const r of rs) {
      const e = evalsOf(r).find((x) => x.mode === mode);
      if (r.status === 'ok' && e) vals.push(e[metric]);
    }
    const failed = rs.filter((r) => r.status !== 'ok');
    if (vals.length === 0) return failed.length ? `**failed** (${failed.length}/${rs.length})` : '–';
    const s = meanStd(vals);
    let t = vals.length > 1 ? `${pct(s.mean)} ± ${pct(s.std)}` : pct(s.mean);
    if (failed.length) t += ` (${failed.length} of ${rs.length} failed)`;
    else if (vals.length < seedsOf(dataset)) t += ` (${vals.length} of ${seedsOf(dataset)} seeds so far)`;
    return t;
  }
  const modesOf = (dataset, name) => {
    const ms = new Set();
    for (const r of find(dataset, name)) for (const e of evalsOf(r)) ms.add(e.mode);
    return ms.size ? [...ms] : ['sdc', 'adc'];
  };
  return { seedsOf, find, cell, modesOf, evalsOf };
}

/// The runs a standalone results file of RAW (k16/, clipart/) may use: those of one source hash when RAW was made in
/// parts (`sources`, default the hash of the most recently finished part, as in the report), else all of them (a
/// whole invocation keeps only its own sources, and the runs --keep-sources admitted after their checks).
/// { runs, sources (null: not made in parts), left_out (how many runs of other sources were dropped) }.
export function standaloneRuns(RAW, sources = null) {
  const all = loadRuns(RAW);
  const records = readPartRecords(RAW);
  const h = sources ?? (records.length ? partsStatus(records, []).sources : null);
  const runs = h ? all.filter((r) => r.sources === h) : all;
  return { runs, sources: h, left_out: all.length - runs.length };
}

/// The part records of RAW (bench.sh --part) and what they make: null when there are none (a whole invocation's
/// raw outputs); else { records, status (parts.mjs partsStatus: the source hash the report is for, what is missing, behind,
/// incomplete or of other sources), wanted (the part names of the whole benchmark), excluded (runs of other sources) }.
export function loadParts(RAW, machine, runs, sources = null) {
  const records = readPartRecords(RAW);
  if (records.length === 0) return null;
  const settings = benchSettings({ quick: machine.mode === 'quick', seeds: machine.seeds ?? 3 });
  const all = benchParts(buildMatrix(settings), settings);
  const wanted = all.map((p) => p.name);
  const status = partsStatus(records, all, sources);
  // A missing part may be under way (or stopped): its finished runs are already here and in the tables.
  const started = Object.fromEntries(all.filter((p) => status.missing.includes(p.name)).map((p) => [p.name,
    { done: p.runs.filter((x) => runs.some((r) => r.id === x.id && r.sources === status.sources)).length, of: p.runs.length }]).filter(([, v]) => v.done > 0));
  return { records, status, wanted, all, started, excluded: runs.filter((r) => r.sources !== status.sources).map((r) => r.id) };
}

/// Everything the report sections read, from the raw directory `raw`, for a report written to `out` (links
/// are relative to it) about the package in `pkg`. Throws when raw/machine.json is missing. When the raw outputs
/// were made in parts, only the runs of one source hash (`sources`, default that of the newest part) are read.
export function loadReportData({ raw, out, pkg, sources = null }) {
  const RAW = path.resolve(raw);
  const OUT = path.resolve(out);
  const machine = readJson(path.join(RAW, 'machine.json'));
  if (!machine) throw Object.assign(new Error(`${RAW}/machine.json not found (run scripts/bench.sh first)`), { code: 'NO_MACHINE' });
  // timing.json is written when a bench.sh invocation ends; one from another invocation than machine.json's
  // (this one still running or interrupted) says nothing about this one. Older files carry no start time.
  const timingAny = readJson(path.join(RAW, 'timing.json'));
  let timing = timingAny && (timingAny.started_unix == null || timingAny.started_unix === machine.started_unix) ? timingAny : null;
  const all = loadRuns(RAW);
  const parts = loadParts(RAW, machine, all, sources);
  // A report of parts describes the machine of its speed part (the timings), from that part's record; machine.json
  // is of whichever invocation wrote it first. Older records carry no description: machine.json stays, marked.
  const speed = parts?.records.find((r) => r.part === 'speed' && r.sources === parts.status.sources);
  if (parts) {
    // timing.json is of a whole invocation; the parts table gives each part's own start and end.
    timing = null;
    Object.assign(machine, speed?.describe ? { ...speed.describe, machine_of: 'the speed part' }
      : { machine_of: `machine.json (written ${machine.date}; the speed part${speed ? '\'s record' : ''} ${speed ? 'carries no description' : 'is not here'})` });
  }
  const runs = parts ? all.filter((r) => r.sources === parts.status.sources) : all;
  // Only the checks made against the last invocation's build count: an older one proved nothing about it.
  const keepChecks = fs.existsSync(RAW) ? fs.readdirSync(RAW).filter((f) => /^keep-check-[0-9a-f]+(-[a-z0-9]+)?\.json$/.test(f))
    .map((f) => readJson(path.join(RAW, f))).filter((c) => c && c.current === machine.sources) : [];
  // Datasets with quality runs (the speed runs alone do not make a dataset's tables).
  // The paper's dataset first (it also serves Fig. 2 and Fig. 4), whatever order the files list in.
  const datasets = ['mnist10k', 'fashion70k'].filter((d) => runs.some((r) => r.dataset === d && !r.name.startsWith('speed-')));
  return {
    RAW, OUT, pkg: path.resolve(pkg), rel: (p) => path.relative(path.dirname(OUT), p), readJson,
    machine, timing, runs, parts, quick: machine.mode === 'quick', datasets, keepChecks, ...runQueries(runs, machine),
  };
}

/// Which sources the runs were built from: one hash, unless --keep-sources admitted earlier ones.
export function sourcesLine({ runs, machine }) {
  const count = {};
  for (const r of runs) count[r.sources || 'not recorded'] = (count[r.sources || 'not recorded'] || 0) + 1;
  return Object.entries(count).sort((a, b) => b[1] - a[1])
    .map(([h, n]) => `\`${h}\`: ${n} run${n > 1 ? 's' : ''}${h === machine.sources ? ' (the last invocation\'s build)' : ''}`).join('; ');
}
