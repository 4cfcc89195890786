// The benchmark (scripts/bench.sh execs this): machine, build, speed and sizes, then the quality runs, then the
// report. The run list is scripts/bench/matrix.mjs, its execution scripts/bench/runner.mjs, the report
// scripts/bench/report/. `node scripts/bench.mjs --help` (or bench.sh --help) describes the options.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HELP, UsageError, parseOptions } from './bench/options.mjs';
import { CLIPART, benchSettings, buildMatrix, commandOf } from './bench/matrix.mjs';
import { Runner, sourceHash, sourceRevision, packageHash, trainerMarch, dropRuns, dropStaleChecks, keepCheck, globRegExp } from './bench/runner.mjs';
import { describeMachine } from './bench/machine.mjs';
import { logged, tail, encodeSizes } from './bench/steps.mjs';
import { writeReport } from './bench/report/index.mjs';
import { writeK16Files } from './bench/report/k16.mjs';
import { writeClipartFiles } from './bench/report/clipart.mjs';
import { benchParts, selectParts, writePartRecord, STEPS, PEER_RUNS } from './bench/parts.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const die = (msg, code = 1) => {
  console.error(`bench.sh: ${msg}`);
  process.exit(code);
};

let opts, settings;
try {
  opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    console.log(HELP);
    process.exit(0);
  }
  settings = benchSettings({ quick: opts.quick, seeds: opts.seeds, datasets: opts.datasets });
} catch (e) {
  if (e instanceof UsageError || /^--datasets/.test(e.message)) die(e.message, 2);
  throw e;
}

const BUILD_DIR = path.resolve(process.env.BUILD_DIR || path.join(ROOT, 'build/bench'));
const PKG = path.resolve(process.env.DQ_PKG_DIR || path.join(ROOT, 'wasm/dist'));
const THREADS = process.env.THREADS || '2';
const RAW = path.join(path.dirname(path.resolve(opts.out)), 'bench');
const RUNS = path.join(BUILD_DIR, 'runs');
const BIN = path.join(BUILD_DIR, 'trainer/deepquan');
const matrix = buildMatrix(settings, { threads: THREADS });
process.env.NODE_PATH = '/usr/share/nodejs';
const parts = benchParts(matrix, settings);
// --part: the chosen parts (null: none chosen).
let chosen = null;
try {
  chosen = opts.part.length ? selectParts(parts, opts.part) : null;
} catch (e) {
  die(e.message, 2);
}
// --only / --part: the runs of this mode's matrix chosen, in its order (null: the whole benchmark).
const only = chosen ? chosen.flatMap((p) => p.runs)
  : opts.only.length ? matrix.filter((r) => opts.only.some((g) => globRegExp(g).test(r.id))) : null;
if (only && only.length === 0 && !chosen) die(`--only ${opts.only.join(',')}: no run of the ${settings.mode} matrix matches (see --dry-run)`, 2);

if (opts.dryRun) {
  // The sources of the last build (its -march as configured), so that --resume can say what it would keep.
  const sources = fs.existsSync(path.join(BUILD_DIR, 'CMakeCache.txt')) ? sourceHash(ROOT, trainerMarch(BUILD_DIR)) : null;
  const kept = opts.keepSources;
  const known = opts.resume && sources && fs.existsSync(path.join(RAW, 'machine.json'));
  const probe = known ? new Runner({ raw: RAW, runsDir: RUNS, bin: BIN, sources, kept }) : null;
  console.log(`${settings.mode} mode: datasets ${settings.datasets.join(' ')}, ${settings.seeds} seed(s), scans over N = ${settings.scanN.toLocaleString('en')},` +
    ` training flags '${settings.trainFlags.join(' ')}', per-run timeout ${settings.runTimeout ? `${settings.runTimeout}s` : 'none'}, ${THREADS} trainer threads`);
  console.log(`raw outputs ${RAW}, training directories ${RUNS}, trainer ${BIN}`);
  console.log(`sources of the last build: ${sources ?? 'no build yet'}${kept.length ? `; --keep-sources ${kept.join(' ')} (kept after their checks)` : ''}` +
    `${opts.rerun.length ? `; --rerun ${opts.rerun.join(' ')} drops its matches first` : ''}`);
  if (chosen) console.log(`steps (--part ${opts.part.join(',')}): machine, build, data, keep checks, then per part its runs and steps below, its record`);
  else if (only) console.log(`steps (--only ${opts.only.join(',')}): machine, build, data, keep checks, the runs below, the K = 16 results`);
  else console.log('steps: machine, build, data, keep checks, scan (bench-scan.sh), package (bench-wasm.sh), the speed, models and sizes runs,' +
    ` database sizes, end to end (bench-e2e.mjs), the quality and grid runs${settings.mode === 'full' ? ', peers (bench-peers.mjs)' : ''}, report`);
  const ids = new Set();
  (only ?? matrix).forEach((r, i) => {
    const state = ids.has(r.id) ? 'again' : probe ? (probe.isDone(r) ? 'done' : 'to run') : '';
    ids.add(r.id);
    console.log(`${String(i + 1).padStart(4)} ${r.phase.padEnd(7)} ${r.id.padEnd(38)} ${state.padEnd(6)} ${commandOf(BIN, r).replace(BIN, 'deepquan')}` +
      `${r.cache ? ` [--pretrained ${r.cache}.dqae]` : ''}`);
  });
  console.log(`${(only ?? matrix).length} entries, ${ids.size} runs`);
  if (settings.mode === 'full' && (chosen || !only)) {
    console.log(`parts (--part NAME; ${chosen ? 'chosen: ' + chosen.map((p) => p.name).join(', ') : 'each resumable, records RAW/parts/NAME.json'}):`);
    for (const p of chosen ?? parts) {
      console.log(`  ${p.name.padEnd(22)} ${String(p.runs.length).padStart(3)} runs${p.steps.length ? ` + ${p.steps.join(', ')}` : ''}${p.needs ? ` (trains ${p.needs.id} if its directory is gone)` : ''}: ${p.what}`);
    }
  }
  // Exit only once stdout has drained: the listing is larger than a pipe's buffer, and a reader that is slow to
  // drain it (a loaded machine) otherwise got it cut off at the exit.
  await new Promise((resolve) => process.stdout.write('', resolve));
  process.exit(0);
}

const T0 = Math.floor(Date.now() / 1000);
const progress = (s) => {
  const d = new Date(), el = Math.floor(Date.now() / 1000) - T0, p2 = (n) => String(n).padStart(2, '0');
  console.error(`[bench ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} +${Math.floor(el / 60)}m${p2(el % 60)}s] ${s}`);
};

// --only adds to the raw outputs whatever they hold, so it never empties them (nor the pretraining cache).
if ((opts.resume || only) && fs.existsSync(path.join(RAW, 'machine.json'))) {
  // An unreadable machine.json is no proof of the same mode either: nothing is deleted then.
  let prev = null;
  try {
    prev = JSON.parse(fs.readFileSync(path.join(RAW, 'machine.json'), 'utf8'));
  } catch {}
  if (prev?.mode !== settings.mode) {
    die(opts.resume ? `--resume: ${RAW} holds a run of another mode; run without --resume`
      : `--only: ${RAW} holds a run of another mode; give its mode (--quick or not) or another --out`, 2);
  }
} else if (!only) {
  fs.rmSync(RAW, { recursive: true, force: true });
  fs.rmSync(path.join(RUNS, 'pretrained'), { recursive: true, force: true });
}
// The sources as they are on disk (committed or not): what the build below compiles, and the instruction-set
// level the trainer is compiled for on this CPU (trainer/CMakeLists.txt), on which a run's bits depend too.
fs.mkdirSync(path.join(RAW, 'logs'), { recursive: true });
const buildLog = path.join(RAW, 'logs/build.log');
if (logged(['cmake', '-S', ROOT, '-B', BUILD_DIR, '-DCMAKE_BUILD_TYPE=Release', '-DDQ_BUILD_TESTS=ON', '-DDQ_BUILD_TRAINER=ON'], buildLog) !== 0) {
  console.error(tail(buildLog, 20));
  die(`cmake failed, see ${buildLog}`);
}
const march = trainerMarch(BUILD_DIR);
const SOURCES = sourceHash(ROOT, march);
const PRE = path.join(RUNS, 'pretrained', SOURCES);
if (fs.existsSync(path.join(RUNS, 'pretrained'))) {
  for (const f of fs.readdirSync(path.join(RUNS, 'pretrained'))) if (f !== SOURCES) fs.rmSync(path.join(RUNS, 'pretrained', f), { recursive: true, force: true });
}
for (const d of [path.join(RAW, 'runs'), PRE]) fs.mkdirSync(d, { recursive: true });
for (const { pattern, dropped } of dropRuns({ raw: RAW, runsDir: RUNS }, opts.rerun)) progress(`--rerun ${pattern}: ${dropped} finished run(s) dropped, to run again`);

progress('machine description');
const machine = describeMachine({ root: ROOT, settings, opts, sources: SOURCES, march, t0: T0 });
// machine.json describes the invocation the report's tables come from: a subset run writes it only into raw
// outputs that have none, and its K = 16 results carry their own description.
if (!only || !fs.existsSync(path.join(RAW, 'machine.json'))) fs.writeFileSync(path.join(RAW, 'machine.json'), JSON.stringify(machine, null, 1) + '\n');

// dq_golden serves the package step only, which --only (and a --part without it) leaves out.
// bench_query (with dq_golden) serves the k16-e2e step only.
const stepChosen = (name) => (chosen ? chosen.some((p) => p.steps.includes(name)) : !only && (name !== 'k16-e2e' || settings.mode === 'full'));
const targets = ['deepquan', ...(stepChosen('package') || stepChosen('k16-e2e') ? ['dq_golden'] : []), ...(stepChosen('k16-e2e') ? ['bench_query'] : [])];
progress(`build: ${targets.join(', ')} in ${BUILD_DIR}`);
if (logged(['cmake', '--build', BUILD_DIR, '-j2', '--target', ...targets], buildLog, { append: true }) !== 0) {
  console.error(tail(buildLog, 20));
  die(`build failed, see ${buildLog}`);
}
// The wasm package the package, end-to-end and peers steps load: built (incrementally, so it is of the sources on
// disk) with the wasm preset unless DQ_PKG_DIR names another one (taken as it is: a step that finds no package
// there fails and says so, and its part is recorded incomplete).
const PKG_STEPS = ['package', 'e2e', 'k16-e2e', ...Object.keys(PEER_RUNS)];
if (chosen ? chosen.some((p) => p.steps.some((x) => PKG_STEPS.includes(x))) : !only) {
  if (process.env.DQ_PKG_DIR) {
    if (!fs.existsSync(path.join(PKG, 'index.mjs'))) progress(`DQ_PKG_DIR=${PKG} holds no package (index.mjs): the steps that load it will fail`);
  } else {
    progress('build: the wasm package (cmake --preset wasm)');
    const wasmLog = path.join(RAW, 'logs/build-wasm.log');
    if (logged(['cmake', '--preset', 'wasm'], wasmLog, { cwd: ROOT }) !== 0 || logged(['cmake', '--build', '--preset', 'wasm', '-j2'], wasmLog, { append: true, cwd: ROOT }) !== 0) {
      console.error(tail(wasmLog, 20));
      die(`wasm package build failed, see ${wasmLog}`);
    }
  }
}
const needed = chosen ? chosen.flatMap((p) => [...p.runs, ...(p.needs ? [p.needs] : [])]) : only;
for (const d of new Set(needed ? needed.map((r) => r.dataset) : [...settings.datasets, ...matrix.map((r) => r.dataset)])) {
  if (d === 'clipart') {
    if (fs.existsSync(CLIPART.dir)) continue;
    // A Debian package like the benchmark's other data (scripts/demo.sh --dataset clipart installs it the same way).
    progress(`data: installing Debian openclipart-png (${CLIPART.dir} is missing)`);
    const asRoot = process.getuid?.() === 0 ? [] : ['sudo'];
    const apt = (...a) => logged([...asRoot, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...a], path.join(RAW, 'logs', 'install-clipart.log'), { append: true });
    if (apt('install', '-y', '-qq', '--no-install-recommends', 'openclipart-png') !== 0 && (apt('update', '-qq') !== 0 ||
        apt('install', '-y', '-qq', '--no-install-recommends', 'openclipart-png') !== 0)) die(`could not install openclipart-png, see ${RAW}/logs/install-clipart.log`);
    continue;
  }
  if (fs.existsSync(`data/${d}/images-idx3-ubyte.gz`)) continue;
  progress(`data: preparing ${d}`);
  if (logged(['node', 'scripts/prepare-data.mjs', d], path.join(RAW, 'logs', `prepare-${d}.log`)) !== 0) die(`could not prepare ${d}, see ${RAW}/logs/prepare-${d}.log`);
}

const runner = new Runner({ raw: RAW, runsDir: RUNS, bin: BIN, sources: SOURCES, revision: sourceRevision(ROOT), timeoutSeconds: settings.runTimeout,
  pretrainedDir: PRE, progress });
// ---------------------------------------------------------------- kept sources: the proof
dropStaleChecks(RAW, SOURCES);
for (const h of opts.keepSources) {
  if (h === SOURCES) continue;
  const res = keepCheck(runner, h);
  if (res.reason === 'none') {
    progress(`--keep-sources ${h}: no finished training of those sources, so none of its runs can be checked; nothing of it is kept`);
    continue;
  }
  if (!res.kept) {
    const { dataset: d, id, file } = res.failed;
    die(`--keep-sources ${h}: ${id} did not reproduce with the current build (see ${file}, ${RAW}/logs/keep-check-${h}-${d}.log); run without it, or drop the runs it moves with --rerun`);
  }
  runner.kept.push(h);
}

let step = 0;
const runOne = (r) => {
  if (r.header) progress(r.header);
  step++;
  progress(`(${step}${only ? `/${only.length}` : ''}) ${r.kind} ${r.id}${r.note ? ` ${r.note}` : ''}`);
  runner.run(r);
};
const runPhase = (phase) => {
  for (const r of matrix.filter((x) => x.phase === phase)) runOne(r);
};
// The K = 16 results (results/bench/k16/), written whenever the raw outputs hold K = 16 runs.
// A part or --only invocation: of this build's sources only (the raw outputs may hold runs of older ones).
const k16Files = () => {
  const sources = chosen || only ? SOURCES : null;
  const k = writeK16Files({ raw: RAW, machine, sources });
  if (k) progress(`K = 16 results: ${k.files.join(', ')}`);
  const c = writeClipartFiles({ raw: RAW, machine, sources });
  if (c) progress(`openclipart results: ${c.files.join(', ')}`);
};

// ---------------------------------------------------------------- the steps that are not runs (parts.mjs STEPS)
const d0 = settings.datasets[0], dl = settings.datasets[settings.datasets.length - 1];
const stepRun = {
  scan() {
    // Full mode: three repetitions of the whole script (the report gives their median and spread) and the AVX2
    // Faiss anchor in the same invocation (issue 22: the ratios are against it, not against Debian's generic
    // build; its first run fetches and builds Faiss, scripts/bench-faiss-avx2.sh --build-only does that ahead).
    const full = settings.mode !== 'quick';
    progress(`== speed: scan over N = ${settings.scanN} (bench-scan.sh: native, wasm SIMD128, wasm scalar, Faiss${full ? ', Faiss AVX2; 3 repetitions' : ''})`);
    const scanLog = path.join(RAW, 'logs/bench-scan.log');
    const rc = logged(['scripts/bench-scan.sh', String(settings.scanN)], scanLog,
      { env: { BUILD_DIR: path.join(BUILD_DIR, 'scan'), OUT_DIR: path.join(RAW, 'scan'),
               ...(full ? { FAISS_AVX2: '1', REPEAT: '3' } : { SKIP_VERIFY: '1' }) } });
    if (rc !== 0) progress(`   bench-scan.sh failed (exit ${rc}), see ${scanLog}`);
    if (fs.existsSync(path.join(RAW, 'scan'))) {
      for (const f of fs.readdirSync(path.join(RAW, 'scan'))) {
        if (f === 'dump' || f === 'inc' || f.endsWith('.js')) fs.rmSync(path.join(RAW, 'scan', f), { recursive: true, force: true });
      }
    }
    console.error(tail(scanLog, 14).replace(/\n$/, ''));
    return rc;
  },
  package() {
    progress('== speed: wasm package encode / search latency, module sizes (bench-wasm.sh)');
    const rc = logged(['scripts/bench-wasm.sh'], path.join(RAW, 'logs/bench-wasm.log'),
      { env: { DQ_GOLDEN_BIN: path.join(BUILD_DIR, 'tests/tools/dq_golden'), DQ_PKG_DIR: PKG } });
    if (rc !== 0) progress(`   bench-wasm.sh failed (exit ${rc}), see ${RAW}/logs/bench-wasm.log`);
    return rc;
  },
  'db-sizes'() {
    const model32 = path.join(RUNS, `${d0}-deepquan-b32-s0`, 'model.dqm');
    if (!fs.existsSync(model32)) {
      progress(`   no 32-bit model from ${d0}-deepquan-b32-s0: database sizes skipped`);
      return 1;
    }
    encodeSizes({ bin: BIN, model: model32, raw: RAW, runsDir: RUNS, root: ROOT });
    return 0;
  },
  // End to end on the 32-bit model of the last dataset (fashion70k in full mode): encode + top-10 in Node against
  // brute-force float L2 and hnswlib-wasm over the same gallery and queries.
  e2e() {
    const e2eDir = path.join(RUNS, `${dl}-deepquan-b32-s0`);
    if (!fs.existsSync(path.join(e2eDir, 'model.dqm'))) {
      progress(`   no 32-bit model from ${dl}-deepquan-b32-s0: end-to-end latency skipped`);
      return 1;
    }
    progress(`== speed: end-to-end query latency in Node on ${dl} (bench-e2e.mjs)`);
    const rc = logged(['node', 'scripts/bench-e2e.mjs', '--run', e2eDir, '--pkg', PKG, '--out', path.join(RAW, 'e2e.json')], path.join(RAW, 'logs/bench-e2e.log'));
    if (rc !== 0) progress(`   bench-e2e.mjs failed, see ${RAW}/logs/bench-e2e.log`);
    return rc;
  },
  // Issue 21's end to end, K = 16 against K = 256 over 1 M and 10 M codes (dq_golden's models: no run needed).
  'k16-e2e'() {
    progress(`== k16-e2e: ${STEPS['k16-e2e']}`);
    const log = path.join(RAW, 'logs/bench-k16-e2e.log');
    const rc = logged(['node', 'scripts/bench-k16-e2e.mjs', '--build', BUILD_DIR, '--pkg', PKG, '--sources', SOURCES, '--out', path.join(RAW, 'k16-e2e'),
      '--sizes', '1000000,10000000', '--reps', '3'], log);
    if (rc !== 0) progress(`   bench-k16-e2e.mjs failed (exit ${rc}), see ${log}`);
    return rc;
  },
  // The npm peers (issue 22) on the same vectors: the last dataset's gallery (Node and Chromium), then 1,000,000
  // synthetic items for speed, cut by engine (parts.mjs PEER_RUNS).
  ...Object.fromEntries(Object.entries(PEER_RUNS).map(([name, { out, args }]) => [name, () => {
    const dir = path.join(RUNS, `${dl}-deepquan-b32-s0`);
    progress(`== ${name}: ${STEPS[name]} (bench-peers.mjs)`);
    const r = logged(['node', '--expose-gc', 'scripts/bench-peers.mjs', '--run', dir, '--dataset', dl, '--pkg', PKG, '--trainer', BIN, '--out', path.join(RAW, out), ...args],
      path.join(RAW, 'logs', `bench-${out}.log`));
    if (r !== 0) progress(`   bench-peers.mjs failed (exit ${r}), see ${RAW}/logs/bench-${out}.log`);
    return r;
  }])),
};
const BEFORE_RUNS = ['scan', 'package'];

if (chosen) {
  for (const p of chosen) {
    const started = new Date().toISOString(), load0 = os.loadavg();
    progress(`== part ${p.name}: ${p.runs.length} runs${p.steps.length ? `, ${p.steps.join(', ')}` : ''}`);
    const steps = [];
    const step = (name) => steps.push({ name, what: STEPS[name], rc: stepRun[name]() });
    for (const name of p.steps.filter((x) => BEFORE_RUNS.includes(x))) step(name);
    const runs = [];
    // The models a step reads are made again when their directory is gone (Runner.run needDir).
    const needs = [...p.runs.filter((r) => r.phase === 'models'), ...(p.needs ? [p.needs] : [])];
    const todo = [...(p.needs && !p.runs.includes(p.needs) ? [p.needs] : []), ...p.runs];
    for (const r of todo) {
      if (r.header) progress(r.header);
      progress(`(${p.name} ${runs.length + 1}/${todo.length}) ${r.kind} ${r.id}${r.note ? ` ${r.note}` : ''}`);
      const status = runner.run(r, { needDir: needs.includes(r) });
      runs.push({ id: r.id, status });
    }
    for (const name of p.steps.filter((x) => !BEFORE_RUNS.includes(x))) step(name);
    const complete = runs.every((r) => r.status !== 'failed') && steps.every((x) => x.rc === 0);
    // package_sources: the hash of wasm/, which SOURCES leaves out; the report checks the package's parts agree on it.
    writePartRecord(RAW, { part: p.name, mode: settings.mode, sources: SOURCES, package_sources: packageHash(ROOT), revision: sourceRevision(ROOT),
      started, finished: new Date().toISOString(),
      // describe: the whole machine description of this invocation, so a report assembled from parts run on
      // different days (machine.json is written once) names the machine each part's figures come from.
      complete, runs, steps, machine: { cpu: machine.cpu, cores: machine.cores, load_at_start: load0, load_at_end: os.loadavg() },
      describe: { ...machine, load_at_start: load0 } });
    progress(`part ${p.name}: ${complete ? 'complete' : 'INCOMPLETE'} (${runs.filter((r) => r.status === 'failed').length} failed runs, ` +
      `${steps.filter((x) => x.rc !== 0).length} failed steps); record ${path.join(RAW, 'parts', `${p.name}.json`)}`);
  }
  k16Files();
  progress(`done: part${chosen.length > 1 ? 's' : ''} ${chosen.map((p) => p.name).join(', ')}; node scripts/bench-report.mjs --raw ${path.relative(ROOT, RAW) || RAW} assembles the report from the parts`);
  process.exit(0);
}

if (only) {
  for (const r of only) runOne(r);
  k16Files();
  progress(`done: ${only.length} run(s) of --only (${runner.failed} failed); the report is not rewritten from a subset` +
    ` (node scripts/bench-report.mjs --raw ${path.relative(ROOT, RAW) || RAW} rebuilds it)`);
  process.exit(0);
}

// ---------------------------------------------------------------- speed
stepRun.scan();
stepRun.package();
runPhase('speed');
runPhase('models');
runPhase('sizes');
stepRun['db-sizes']();
stepRun.e2e();
if (settings.mode === 'full') stepRun['k16-e2e']();

// ---------------------------------------------------------------- quality
runPhase('quality');
runPhase('grid');
// The npm peers read the last dataset's 32-bit model; the whole benchmark runs every part's steps.
if (settings.mode === 'full') for (const name of Object.keys(PEER_RUNS)) stepRun[name]();

// ---------------------------------------------------------------- report
progress(`== report: ${opts.out}`);
// started_unix ties this file to the machine.json of the same invocation (the report ignores a stale one).
fs.writeFileSync(path.join(RAW, 'timing.json'), JSON.stringify({ elapsed_seconds: Math.floor(Date.now() / 1000) - T0, resumed: opts.resume,
  load_at_end: os.loadavg(), started_unix: T0 }) + '\n');
try {
  const r = writeReport({ raw: RAW, pkg: PKG, out: opts.out });
  console.error(`bench-report: wrote ${r.out} (${r.runs} runs, ${r.failed} failed)`);
  k16Files();
} catch (e) {
  console.error(e.stack || String(e));
  die('bench-report.mjs failed');
}
progress(`done: ${opts.out} (${runner.failed} failed runs recorded as failed)`);
