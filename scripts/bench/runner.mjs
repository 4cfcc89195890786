// Executes benchmark runs (matrix.mjs entries) and keeps their records, so that an interrupted benchmark can
// resume: RAW/runs/ID.json = { id, status, message, seconds, command, sources, revision } per run, plus the command's
// report.json as RAW/runs/ID.report.json (and its codeword-distance.svg) when it wrote one; its output in
// RAW/logs/ID.log. A finished run is skipped when it finished ok with the same command and was built from the
// current sources or from sources kept by a keep check (keepCheck below). A failing run is recorded as failed
// with its message; nothing throws for it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { commandOf } from './matrix.mjs';

/// Hash (12 hex digits) of the sources a run is built from, as they are on disk (committed or not): the files
/// git lists under core/, trainer/ and CMakeLists.txt, in byte order of their paths, then "march=MARCH\n" (the
/// instruction-set level the trainer is compiled for, on which a run's bits depend too). The same bytes as the
/// shell pipeline it replaces: `git ls-files ... | LC_ALL=C sort | xargs cat; echo "march=..."` | sha1sum.
export function sourceHash(root, march = '') {
  const files = execFileSync('git', ['ls-files', 'core', 'trainer', 'CMakeLists.txt'], { cwd: root, encoding: 'buffer' })
    .toString('utf8').split('\n').filter(Boolean)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const h = crypto.createHash('sha1');
  for (const f of files) {
    try {
      h.update(fs.readFileSync(path.join(root, f)));
    } catch {
      // A listed file deleted in the tree: `cat` printed nothing for it.
    }
  }
  h.update(`march=${march}\n`);
  return h.digest('hex').slice(0, 12);
}

/// A hash of the WASM package's own sources (wasm/, as git lists them) in the tree, or at git revision `rev` (then
/// read from git: the package a part of that revision measured, when its tree was clean); null when git cannot
/// say. Not part of sourceHash: the trainings do not depend on wasm/, and a change there must not retrain every
/// model. The parts that measure the package (speed, peers) record it, and the report checks they agree.
export function packageHash(root, rev = null) {
  try {
    const opts = { cwd: root, encoding: 'buffer', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 };
    const list = rev ? ['ls-tree', '-r', '--name-only', rev, '--', 'wasm'] : ['ls-files', 'wasm'];
    const files = execFileSync('git', list, opts).toString('utf8').split('\n').filter(Boolean)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    if (!files.length) return null;
    const h = crypto.createHash('sha1');
    for (const f of files) {
      h.update(f + '\0');
      if (rev) h.update(execFileSync('git', ['show', `${rev}:${f}`], opts));
      else if (fs.existsSync(path.join(root, f))) h.update(fs.readFileSync(path.join(root, f)));
    }
    return h.digest('hex').slice(0, 12);
  } catch {
    return null;
  }
}

/// The git revision of those sources, `git rev-parse --short=12 HEAD`, with "-dirty" when core/, trainer/ or
/// CMakeLists.txt differ from it (then the hash above, not the revision, names what was built); null outside git.
/// Recorded per run, so that a figure can name the commit it was trained with, which the hash cannot.
export function sourceRevision(root) {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'core', 'trainer', 'CMakeLists.txt'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return rev + (dirty ? '-dirty' : '');
  } catch {
    return null;
  }
}

/// The trainer's -march as the build recorded it (trainer/CMakeLists.txt's DQ_TRAINER_MARCH), or ''.
export function trainerMarch(buildDir) {
  try {
    const m = fs.readFileSync(path.join(buildDir, 'CMakeCache.txt'), 'utf8').match(/^DQ_TRAINER_MARCH:STRING=(.*)$/m);
    return m ? m[1] : '';
  } catch {
    return '';
  }
}

const readJson = (p) => {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
};
/// The finished-run records in RAW/runs (not the reports), by id.
export function runRecords(raw) {
  const dir = path.join(raw, 'runs');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.report.json'))
    .map((f) => readJson(path.join(dir, f))).filter((r) => r && r.id);
}

/// A shell-style pattern (* and ?) as an anchored RegExp over run ids.
export const globRegExp = (g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/// --rerun: drops the finished runs whose id matches one of `patterns` (record, report, training directory), so
/// they run again. Returns [{ pattern, dropped }].
export function dropRuns({ raw, runsDir }, patterns) {
  const out = [];
  for (const g of patterns) {
    const re = globRegExp(g);
    let dropped = 0;
    for (const f of fs.existsSync(path.join(raw, 'runs')) ? fs.readdirSync(path.join(raw, 'runs')).sort() : []) {
      if (!f.endsWith('.json') || f.endsWith('.report.json')) continue;
      const id = f.slice(0, -'.json'.length);
      if (!re.test(id)) continue;
      for (const p of [path.join(raw, 'runs', f), path.join(raw, 'runs', `${id}.report.json`), path.join(runsDir, id)]) fs.rmSync(p, { recursive: true, force: true });
      dropped++;
    }
    out.push({ pattern: g, dropped });
  }
  return out;
}

/// The line of a failed run's log that says why (the last one naming an error), else its last line.
export function failureMessage(log, status) {
  const lines = log.split('\n').filter((l) => !/^\s*$/.test(l)).join('\n').replace(/\r/g, '\n').split('\n');
  const hits = lines.filter((l) => /error|diverg|fail|expected|collapse/i.test(l));
  if (hits.length) return hits[hits.length - 1];
  const rest = log.replace(/\r/g, '\n').split('\n').filter((l) => !/^\s*$/.test(l));
  return `exit status ${status}: ${rest.length ? rest[rest.length - 1] : ''}`;
}

/// "sdc MAP@All 60.59, adc MAP@All 59.88": the evaluation lines of a finished run's log, for the progress line.
export function summaryOf(log) {
  return log.split('\n').filter((l) => /^ +[a-z0-9]+ +MAP@All/.test(l))
    .map((l) => l.trim().split(/\s+/)).map((f) => `${f[0]} MAP@All ${f[2]}`).join(', ');
}

export class Runner {
  /// raw: the raw output directory; runsDir: training directories (--out of each run); bin: the trainer;
  /// sources: the current source hash; kept: further hashes whose finished runs count (after their keep check);
  /// timeoutSeconds: 0 for none; pretrainedDir: where the shared pretrained autoencoders live (null: no cache);
  /// revision: the git revision of the sources (sourceRevision), recorded beside the hash when given;
  /// progress: a line sink.
  constructor({ raw, runsDir, bin, sources, kept = [], timeoutSeconds = 0, pretrainedDir = null, revision = null, progress = () => {} }) {
    Object.assign(this, { raw, runsDir, bin, sources, kept, timeoutSeconds, pretrainedDir, revision, progress });
    this.failed = 0;
  }

  /// The run finished ok with the same command, from the current or a kept source hash, and left its report.
  isDone(run) {
    const rec = readJson(path.join(this.raw, 'runs', `${run.id}.json`));
    return !!rec && rec.status === 'ok' && rec.command === commandOf(this.bin, run) &&
      [this.sources, ...this.kept].includes(rec.sources) && fs.existsSync(path.join(this.raw, 'runs', `${run.id}.report.json`));
  }

  /// Runs `run` unless it is done; returns 'done', 'ok' or 'failed'. Without --resume the raw directory was emptied
  /// at the start, so a finished run found here is one of this invocation (the 32-bit model met again in quality).
  /// needDir: a later step reads the run's training directory (its model), so a record whose directory is gone
  /// (raw outputs committed, build/ of another machine) does not count as done: the run is made again, and
  /// since the trainer is deterministic its new record says what the old one said.
  run(run, { needDir = false } = {}) {
    if (this.isDone(run) && (!needDir || fs.existsSync(path.join(this.runsDir, run.id, 'model.dqm')))) {
      this.progress('   already done');
      return 'done';
    }
    const { id } = run;
    for (const d of ['runs', 'logs']) fs.mkdirSync(path.join(this.raw, d), { recursive: true });
    const outdir = path.join(this.runsDir, id), logPath = path.join(this.raw, 'logs', `${id}.log`);
    fs.rmSync(outdir, { recursive: true, force: true });
    const cache = run.cache && this.pretrainedDir ? ['--pretrained', path.join(this.pretrainedDir, `${run.cache}.dqae`)] : [];
    const fd = fs.openSync(logPath, 'w');
    const t0 = process.hrtime.bigint();
    const r = spawnSync(this.bin, [...run.argv, ...cache, '--out', outdir], {
      stdio: ['ignore', fd, fd], timeout: this.timeoutSeconds > 0 ? this.timeoutSeconds * 1000 : undefined, killSignal: 'SIGTERM' });
    fs.closeSync(fd);
    const seconds = +(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(3);
    const log = fs.readFileSync(logPath, 'utf8');
    let status = 'failed', message = '';
    if (r.status === 0 && fs.existsSync(path.join(outdir, 'report.json'))) {
      status = 'ok';
      fs.copyFileSync(path.join(outdir, 'report.json'), path.join(this.raw, 'runs', `${id}.report.json`));
      const svg = path.join(outdir, 'codeword-distance.svg');
      if (fs.existsSync(svg)) fs.copyFileSync(svg, path.join(this.raw, 'runs', `${id}.codeword-distance.svg`));
    } else {
      const timedOut = r.error?.code === 'ETIMEDOUT';
      const code = r.error && !timedOut ? 127 : r.status ?? 128 + (os.constants.signals[r.signal] ?? 0);
      message = timedOut ? `timed out after ${this.timeoutSeconds}s` : failureMessage(log, code);
      this.failed++;
    }
    fs.writeFileSync(path.join(this.raw, 'runs', `${id}.json`),
      JSON.stringify({ id, status, message, seconds, command: commandOf(this.bin, run), sources: this.sources,
        ...(this.revision ? { revision: this.revision } : {}) }) + '\n');
    this.progress(status === 'ok' ? `   ok in ${Math.trunc(seconds)}s: ${summaryOf(log)}` : `   FAILED in ${Math.trunc(seconds)}s: ${message}`);
    return status;
  }
}

// ------------------------------------------------------------------ keep checks
// --keep-sources HASH keeps the finished runs of earlier sources only after proof: per dataset, one of its
// finished trainings runs again with the current build and must give the very same figures (the trainer is
// deterministic: same seed, same bits). One per dataset, because a change can move one dataset's runs only.

/// The reference trainings of source hash `h` in RAW: per dataset (sorted), <dataset>-deepquan-b32-s0 if it is one
/// of them, else the shortest; speed runs never. [{ dataset, id, argv }] (argv: the recorded command's arguments).
export function keepReferences(raw, h) {
  const rs = runRecords(raw).filter((r) => r.sources === h && r.status === 'ok' && / train /.test(r.command) && !/-speed-/.test(r.id) &&
    fs.existsSync(path.join(raw, 'runs', `${r.id}.report.json`)));
  const ds = [...new Set(rs.map((r) => r.id.split('-')[0]))].sort();
  return ds.map((d) => {
    const pref = (r) => (r.id === `${d}-deepquan-b32-s0` ? 0 : 1);
    const mine = rs.filter((r) => r.id.split('-')[0] === d).sort((a, b) => pref(a) - pref(b) || a.seconds - b.seconds);
    return { dataset: d, id: mine[0].id, argv: mine[0].command.split(/\s+/).slice(1).filter(Boolean) };
  });
}

/// The differences between two report.json evaluations in MAP@All, MAP@1000 and P@100, ranking by ranking.
export function compareEvals(oldReport, newReport) {
  const A = oldReport?.eval || [], B = newReport?.eval || [], differences = [];
  for (const a of A) {
    const b = B.find((x) => x.mode === a.mode);
    for (const k of ['map_all', 'map_at_k', 'precision_at_k']) if (!b || b[k] !== a[k]) differences.push(`${a.mode} ${k}: ${a[k]} then, ${b ? b[k] : 'nothing'} now`);
  }
  return { reproduced: A.length > 0 && differences.length === 0, differences };
}

const checkPath = (raw, h, d) => path.join(raw, `keep-check-${h}-${d}.json`);

/// Removes the keep checks made against another build than `current`: they prove nothing about this one.
export function dropStaleChecks(raw, current) {
  if (!fs.existsSync(raw)) return;
  for (const f of fs.readdirSync(raw).filter((f) => /^keep-check-.*\.json$/.test(f))) {
    if (readJson(path.join(raw, f))?.current !== current) fs.rmSync(path.join(raw, f), { force: true });
  }
}

/// Proves source hash `h` for the current build (runner.sources): for each dataset's reference, reuses a passing check
/// of this build or reruns it (no timeout, no shared pretraining) and records RAW/keep-check-H-D.json.
/// Returns { kept: bool, checks: [{ dataset, id, reproduced, reused }] }; kept is false when no reference exists or
/// one did not reproduce (the caller stops the benchmark in that case: `failed` names the check).
export function keepCheck(runner, h) {
  const { raw, runsDir, bin, sources, progress } = runner;
  const refs = keepReferences(raw, h);
  if (refs.length === 0) return { kept: false, checks: [], reason: 'none' };
  const checks = [];
  for (const { dataset: d, id, argv } of refs) {
    const file = checkPath(raw, h, d);
    const prev = readJson(file);
    if (prev && prev.current === sources && prev.run === id && prev.reproduced === true) {
      progress(`--keep-sources ${h}: ${id} already reproduced with this build`);
      checks.push({ dataset: d, id, reproduced: true, reused: true });
      continue;
    }
    progress(`== --keep-sources ${h}: ${id} again with the current build (${sources})`);
    const out = path.join(runsDir, `keep-check-${h}-${d}`);
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(path.join(raw, 'logs'), { recursive: true });
    const fd = fs.openSync(path.join(raw, 'logs', `keep-check-${h}-${d}.log`), 'w');
    spawnSync(bin, [...argv, '--out', out], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    const res = compareEvals(readJson(path.join(raw, 'runs', `${id}.report.json`)), readJson(path.join(out, 'report.json')));
    fs.writeFileSync(file, JSON.stringify({ sources: h, current: sources, run: id, reproduced: res.reproduced, differences: res.differences }, null, 1) + '\n');
    checks.push({ dataset: d, id, reproduced: res.reproduced, reused: false });
    if (!res.reproduced) return { kept: false, checks, reason: 'differs', failed: { dataset: d, id, file } };
    progress(`   reproduced: ${h}'s ${d} runs pass`);
  }
  return { kept: true, checks };
}
