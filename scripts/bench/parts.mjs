// The full benchmark in parts (issue 22): most of a day on 2 cores in one go, so it is cut into parts that each
// fit well inside a working session, run with `bench.sh --part NAME` (resumable: a part run again skips what
// finished with the same command and sources), each leaving a record RAW/parts/NAME.json. The report is
// assembled from the parts, and only from parts of one source hash (partsStatus): a figure of other sources is
// not silently mixed in.
//
// A part is a set of matrix runs (by their id) plus the steps that are not runs (scan, package, database
// sizes, end to end, peers). Which run belongs where follows the matrix's phases, so a new run in matrix.mjs
// lands in a part without being listed here.
import fs from 'node:fs';
import path from 'node:path';
import { writeAtomic } from './peers/report.mjs';

/// The steps that are not matrix runs, in the order bench.mjs runs them, with the part they belong to.
export const STEPS = {
  scan: 'scan kernels against Faiss (generic and AVX2), bench-scan.sh',
  package: 'wasm package encode / search latency and module sizes, bench-wasm.sh',
  'db-sizes': 'database bytes per 10,000 items and native encode time',
  e2e: 'end-to-end query latency in Node, bench-e2e.mjs',
  'k16-e2e': 'K = 16 against K = 256 end to end (encode + top-10) over 1 M and 10 M codes, native and package, bench-k16-e2e.mjs',
  peers: 'npm peers on the last dataset\'s gallery, bench-peers.mjs --chromium (Node and Chromium)',
  'peers-1m': 'npm peers over 1,000,000 synthetic items: DeepQuan, exact, usearch, voy-search (200 queries)',
  'peers-1m-edgevec': 'edgevec over the same 1,000,000 items (its HNSW builds take most of an hour)',
  'peers-1m-hnswlib': 'hnswlib-wasm over the same 1,000,000 items',
};

/// The peers steps' bench-peers.mjs arguments and output directory (under RAW): the 1 M runs are cut by engine,
/// since edgevec's and hnswlib's three timed HNSW builds each over a million items would not fit one part.
export const PEER_RUNS = {
  peers: { out: 'peers', args: ['--chromium'] },
  'peers-1m': { out: 'peers-1m', args: ['--synthetic', '1000000', '--queries', '200', '--engines', 'deepquan,exact,usearch,voy-search'] },
  'peers-1m-edgevec': { out: 'peers-1m-edgevec', args: ['--synthetic', '1000000', '--queries', '200', '--engines', 'edgevec'] },
  'peers-1m-hnswlib': { out: 'peers-1m-hnswlib', args: ['--synthetic', '1000000', '--queries', '200', '--engines', 'hnswlib-wasm'] },
};

/// The part of a matrix run: speed / models / sizes -> 'speed'; quality -> 'quality-DATASET-sSEED' (clip art:
/// 'clipart-sSEED'); grid -> 'grid'.
export function partOf(run) {
  if (run.phase === 'speed' || run.phase === 'models' || run.phase === 'sizes') return 'speed';
  if (run.phase === 'grid') return 'grid';
  const seed = run.argv[run.argv.indexOf('--seed') + 1];
  return run.dataset === 'clipart' ? `clipart-s${seed}` : `quality-${run.dataset}-s${seed}`;
}

/// The parts of a matrix, in the order a whole benchmark would run them: [{ name, what, runs, steps }]. The
/// runs of a part keep the matrix's order; a run id met twice in the matrix (the 32-bit model of seed 0 in
/// models and in quality) belongs to the first part that lists it. The peers part needs the last dataset's
/// 32-bit model, which it trains itself when its directory is missing (same bytes: the trainer is deterministic).
export function benchParts(matrix, settings) {
  const parts = new Map();
  const add = (name, what) => {
    if (!parts.has(name)) parts.set(name, { name, what, runs: [], steps: [] });
    return parts.get(name);
  };
  add('speed', 'scan kernels, package latency, training speed, model and database sizes, end-to-end latency').steps.push('scan', 'package', 'db-sizes', 'e2e');
  const seen = new Set();
  for (const r of matrix) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    const name = partOf(r);
    const [kind, d, s] = name.split('-');
    add(name, name === 'speed' ? '' : name === 'grid' ? `λ / s sensitivity at 64 bits, ${settings.datasets[0]}`
      : kind === 'clipart' ? `openclipart quality, seed ${name.slice('clipart-s'.length)}` : `${d} quality, seed ${s.slice(1)}`).runs.push(r);
  }
  const dl = settings.datasets[settings.datasets.length - 1];
  const model = matrix.find((r) => r.id === `${dl}-deepquan-b32-s0`);
  if (settings.mode === 'full') {
    // Issue 21's end-to-end figure: dq_golden's models and codes, no trained model needed; a part of its own so
    // that adding it did not put the speed part behind (it needs a quiet machine all the same).
    add('k16-e2e', STEPS['k16-e2e']).steps.push('k16-e2e');
    for (const name of Object.keys(PEER_RUNS)) {
      const p = add(name, STEPS[name]);
      p.steps.push(name);
      if (model) p.needs = model;
    }
  }
  return [...parts.values()];
}

/// The parts named in `names` (each a part name or a shell-style pattern, * and ?), in the matrix's order; throws
/// an Error naming the parts when one names none.
export function selectParts(parts, names) {
  const out = [];
  for (const n of names) {
    const re = new RegExp(`^${n.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    const hit = parts.filter((p) => re.test(p.name));
    if (hit.length === 0) throw new Error(`--part ${n}: no such part (${parts.map((p) => p.name).join(', ')})`);
    for (const p of hit) if (!out.includes(p)) out.push(p);
  }
  return parts.filter((p) => out.includes(p));
}

const recordPath = (raw, name) => path.join(raw, 'parts', `${name}.json`);

/// Writes RAW/parts/NAME.json atomically: { part, mode, sources, revision, started, finished, complete, runs,
/// failed, steps } (complete: every run finished ok or was already done, every step exited 0).
export function writePartRecord(raw, rec) {
  fs.mkdirSync(path.join(raw, 'parts'), { recursive: true });
  writeAtomic(recordPath(raw, rec.part), JSON.stringify(rec, null, 1) + '\n');
}

/// The part records in RAW/parts, by name (an unreadable one is reported as such, not skipped).
export function readPartRecords(raw) {
  const dir = path.join(raw, 'parts');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch (e) {
      return { part: f.slice(0, -'.json'.length), unreadable: e.message };
    }
  });
}

/// Whether the records make one report of one source hash: { sources, one_source, complete, missing, incomplete,
/// behind, other_sources, unreadable }. `wanted`: the parts of the whole benchmark (benchParts; their names
/// alone will do), `sources`: the hash the report is for (default: that of the most recently finished part).
/// `behind` lists the records of that hash made before their part grew (a run or step the matrix has now and the
/// record lacks: a part run again with more repeats, say): { part, runs: the missing run ids, steps: the missing
/// step names }. Such a part is not complete; it is known only when `wanted` holds the parts themselves.
export function partsStatus(records, wanted, sources = null) {
  const plan = wanted.filter((w) => typeof w === 'object');
  const names = wanted.map((w) => (typeof w === 'object' ? w.name : w));
  const ok = records.filter((r) => !r.unreadable);
  const newest = [...ok].sort((a, b) => String(b.finished).localeCompare(String(a.finished)))[0];
  const h = sources ?? newest?.sources ?? null;
  const other = ok.filter((r) => r.sources !== h).map((r) => ({ part: r.part, sources: r.sources }));
  const mine = ok.filter((r) => r.sources === h);
  const missing = names.filter((w) => !mine.some((r) => r.part === w));
  const incomplete = mine.filter((r) => !r.complete).map((r) => r.part);
  const behind = [];
  for (const p of plan) {
    const r = mine.find((x) => x.part === p.name);
    if (!r) continue;
    const runs = p.runs.map((x) => x.id).filter((id) => !(r.runs ?? []).some((x) => x.id === id));
    const steps = p.steps.filter((n) => !(r.steps ?? []).some((x) => x.name === n));
    if (runs.length || steps.length) behind.push({ part: p.name, runs, steps });
  }
  const unreadable = records.filter((r) => r.unreadable).map((r) => r.part);
  return { sources: h, one_source: other.length === 0 && unreadable.length === 0,
           complete: missing.length === 0 && incomplete.length === 0 && behind.length === 0 && unreadable.length === 0,
           missing, incomplete, behind, other_sources: other, unreadable };
}
