// scripts/bench/runner.mjs with a fake trainer (fixtures/fake-trainer.mjs): what a finished run records, when
// --resume skips it, --rerun, failure messages, the source hash, and the keep checks of --keep-sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Runner, sourceHash, sourceRevision, dropRuns, failureMessage, summaryOf, keepReferences, keepCheck, compareEvals, dropStaleChecks, globRegExp }
  from '../../scripts/bench/runner.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const fake = path.join(here, 'fixtures/fake-trainer.mjs');

function setup(env = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-runner-'));
  const calls = path.join(dir, 'calls.txt');
  const saved = { ...process.env };
  Object.assign(process.env, { FAKE_TRAINER_CALLS: calls, FAKE_TRAINER_FAIL: '', FAKE_TRAINER_SHIFT: '', FAKE_TRAINER_SLEEP: '' }, env);
  const lines = [];
  const make = (opts = {}) => new Runner({ raw: path.join(dir, 'raw'), runsDir: path.join(dir, 'runs'), bin: fake, sources: 'aaaaaaaaaaaa',
    pretrainedDir: path.join(dir, 'pre'), progress: (s) => lines.push(s), ...opts });
  const nCalls = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n').length : 0);
  const done = () => { process.env = saved; fs.rmSync(dir, { recursive: true, force: true }); };
  return { dir, raw: path.join(dir, 'raw'), make, lines, calls, nCalls, done };
}
const train = (id, seed = 0, extra = []) => ({ id, phase: 'quality', kind: 'train', dataset: id.split('-')[0], cache: `full-${id.split('-')[0]}-b32-s${seed}`,
  argv: ['train', '--dataset', id.split('-')[0], '--bits', '32', '--seed', String(seed), '--threads', '2', ...extra] });
const readRec = (raw, id) => JSON.parse(fs.readFileSync(path.join(raw, 'runs', `${id}.json`), 'utf8'));

test('a finished run records its command without the cache flag, its report, and is skipped when met again', () => {
  const t = setup();
  try {
    const r = t.make();
    const run = train('mnist10k-deepquan-b32-s0');
    assert.equal(r.run(run), 'ok');
    const rec = readRec(t.raw, run.id);
    assert.equal(rec.status, 'ok');
    assert.equal(rec.command, `${fake} train --dataset mnist10k --bits 32 --seed 0 --threads 2`, 'no --pretrained, no --out');
    assert.equal(rec.sources, 'aaaaaaaaaaaa');
    assert.equal(typeof rec.seconds, 'number');
    const rep = JSON.parse(fs.readFileSync(path.join(t.raw, 'runs', `${run.id}.report.json`), 'utf8'));
    assert.equal(rep.pretrained, true, 'the cache flag reached the trainer');
    assert.match(fs.readFileSync(t.calls, 'utf8'), new RegExp(`--pretrained ${path.join(t.dir, 'pre', 'full-mnist10k-b32-s0.dqae')} --out `));
    assert.match(t.lines.at(-1), /^ {3}ok in \d+s: sdc MAP@All 53\.20$/);
    assert.equal(r.run(run), 'done');
    assert.equal(t.nCalls(), 1, 'not run twice');
    // Built from other sources: runs again, unless those sources are kept.
    assert.equal(t.make({ sources: 'bbbbbbbbbbbb' }).run(run), 'ok');
    assert.equal(t.nCalls(), 2);
    assert.equal(t.make({ sources: 'cccccccccccc', kept: ['bbbbbbbbbbbb'] }).run(run), 'done');
    assert.equal(t.nCalls(), 2);
    // Another command under the same id (a changed flag) runs again.
    assert.equal(t.make({ sources: 'bbbbbbbbbbbb' }).run(train(run.id, 0, ['--variant', 'quad'])), 'ok');
    assert.equal(t.nCalls(), 3);
    // A record without its report (interrupted between the two files) is not done.
    const quad = train(run.id, 0, ['--variant', 'quad']);
    assert.equal(t.make({ sources: 'bbbbbbbbbbbb' }).run(quad), 'done');
    fs.rmSync(path.join(t.raw, 'runs', `${run.id}.report.json`));
    assert.equal(t.make({ sources: 'bbbbbbbbbbbb' }).run(quad), 'ok');
    assert.equal(t.nCalls(), 4);
  } finally {
    t.done();
  }
});

test('a failing run is recorded as failed with the line that says why, and runs again next time', () => {
  const t = setup({ FAKE_TRAINER_FAIL: '--seed 1' });
  try {
    const r = t.make();
    const bad = train('mnist10k-deepquan-b32-s1', 1);
    assert.equal(r.run(bad), 'failed');
    assert.equal(r.failed, 1);
    const rec = readRec(t.raw, bad.id);
    assert.equal(rec.status, 'failed');
    assert.equal(rec.message, 'error: training diverged at iteration 12');
    assert.ok(!fs.existsSync(path.join(t.raw, 'runs', `${bad.id}.report.json`)));
    assert.match(t.lines.at(-1), /FAILED in \d+s: error: training diverged/);
    assert.equal(r.run(bad), 'failed', 'a failed run is not done');
    assert.equal(t.nCalls(), 2);
    assert.equal(r.run(train('mnist10k-deepquan-b32-s0', 0)), 'ok', 'one failure stops nothing');
  } finally {
    t.done();
  }
  assert.equal(failureMessage('step 1\r\nstep 2\n\nsegfault?\n', 139), 'exit status 139: segfault?');
  assert.equal(failureMessage('a\nFailed: x\nb\nExpected y\nz\n', 1), 'Expected y', 'the last matching line');
  assert.equal(summaryOf('  sdc     MAP@All 60.59  MAP@1000 74\n  adc     MAP@All 59.88\n  weights f32 1 bytes  MAP@All sdc 1\n'), 'sdc MAP@All 60.59, adc MAP@All 59.88');
});

test('a run over its time limit is stopped and recorded as timed out', () => {
  const t = setup({ FAKE_TRAINER_SLEEP: '5' });
  try {
    const r = t.make({ timeoutSeconds: 1 });
    const t0 = Date.now();
    assert.equal(r.run(train('mnist10k-deepquan-b32-s0')), 'failed');
    assert.ok(Date.now() - t0 < 4000, 'killed, not waited for');
    assert.equal(readRec(t.raw, 'mnist10k-deepquan-b32-s0').message, 'timed out after 1s');
  } finally {
    t.done();
  }
});

test('--rerun drops the matching finished runs only', () => {
  const t = setup();
  try {
    const r = t.make();
    for (const id of ['fashion70k-deepquan-b32-s0', 'fashion70k-deepquan-b32-s1', 'fashion70k-quad-b32-s0', 'mnist10k-deepquan-b32-s0']) r.run(train(id, +id.at(-1)));
    assert.deepEqual(dropRuns({ raw: t.raw, runsDir: path.join(t.dir, 'runs') }, ['fashion70k-deepquan-*', 'nothing-?']),
      [{ pattern: 'fashion70k-deepquan-*', dropped: 2 }, { pattern: 'nothing-?', dropped: 0 }]);
    const left = fs.readdirSync(path.join(t.raw, 'runs')).sort();
    assert.deepEqual(left, ['fashion70k-quad-b32-s0.json', 'fashion70k-quad-b32-s0.report.json', 'mnist10k-deepquan-b32-s0.json', 'mnist10k-deepquan-b32-s0.report.json']);
    assert.ok(!fs.existsSync(path.join(t.dir, 'runs', 'fashion70k-deepquan-b32-s0')), 'its training directory too');
    assert.equal(r.run(train('fashion70k-deepquan-b32-s0')), 'ok', 'runs again');
    assert.ok(globRegExp('a.b?').test('a.bc') && !globRegExp('a.b?').test('axbc'), '. is literal');
  } finally {
    t.done();
  }
});

test('sourceHash is the shell pipeline\'s hash, and changes with the trainer\'s -march', () => {
  const sh = (m) => execSync(`{ git ls-files core trainer CMakeLists.txt | LC_ALL=C sort | xargs cat; echo "march=${m}"; } | sha1sum | cut -c1-12`,
    { cwd: root, encoding: 'utf8', shell: '/bin/bash' }).trim();
  assert.equal(sourceHash(root, 'x86-64-v3'), sh('x86-64-v3'));
  assert.equal(sourceHash(root, ''), sh(''));
  assert.notEqual(sourceHash(root, 'x86-64-v4'), sourceHash(root, 'x86-64-v3'));
});

test('sourceRevision: HEAD\'s 12-digit hash, "-dirty" for changes in the sources only, null outside git; a run records it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-rev-'));
  try {
    const git = (args) => execSync(`git -c user.name=t -c user.email=t@example.org ${args}`, { cwd: dir, encoding: 'utf8', stdio: 'pipe' }).trim();
    assert.equal(sourceRevision(dir), null, 'not a repository');
    git('init -q');
    for (const f of ['core/a.cpp', 'scripts/b.mjs']) {
      fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), 'x\n');
    }
    git('add -A');
    git('commit -q -m one');
    const head = git('rev-parse --short=12 HEAD');
    assert.match(head, /^[0-9a-f]{12}$/);
    assert.equal(sourceRevision(dir), head);
    fs.writeFileSync(path.join(dir, 'scripts/b.mjs'), 'y\n');
    assert.equal(sourceRevision(dir), head, 'a change outside the trained sources leaves the revision clean');
    fs.writeFileSync(path.join(dir, 'core/a.cpp'), 'y\n');
    assert.equal(sourceRevision(dir), `${head}-dirty`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const t = setup();
  try {
    t.make({ revision: '0123456789ab' }).run(train('mnist10k-deepquan-b32-s0'));
    assert.equal(readRec(t.raw, 'mnist10k-deepquan-b32-s0').revision, '0123456789ab');
    t.make().run(train('mnist10k-deepquan-b32-s1', 1));
    assert.ok(!('revision' in readRec(t.raw, 'mnist10k-deepquan-b32-s1')), 'none given, none recorded');
  } finally {
    t.done();
  }
});

test('keep checks: one reference per dataset, reproduced runs keep their sources, a moved figure does not', () => {
  const t = setup();
  try {
    // Runs of the old sources bbb…: mnist10k's 32-bit seed-0 model is the reference; fashion70k has none, so its
    // shortest training is; baselines and speed runs never are.
    const old = t.make({ sources: 'bbbbbbbbbbbb' });
    for (const id of ['mnist10k-quad-b32-s0', 'mnist10k-deepquan-b32-s0', 'fashion70k-quad-b32-s1', 'fashion70k-paper-b32-s0', 'mnist10k-speed-t1-b32-s0']) old.run(train(id, +id.at(-1)));
    old.run({ id: 'fashion70k-pq-b16-s0', argv: ['baseline', '--dataset', 'fashion70k', '--method', 'pq', '--bits', '16', '--seed', '0'], cache: null });
    const recs = path.join(t.raw, 'runs');
    const setSeconds = (id, s) => { const p = path.join(recs, `${id}.json`); fs.writeFileSync(p, JSON.stringify({ ...readRec(t.raw, id), seconds: s })); };
    setSeconds('fashion70k-quad-b32-s1', 5); setSeconds('fashion70k-paper-b32-s0', 9); setSeconds('mnist10k-quad-b32-s0', 1);
    const refs = keepReferences(t.raw, 'bbbbbbbbbbbb');
    assert.deepEqual(refs.map((r) => [r.dataset, r.id]), [['fashion70k', 'fashion70k-quad-b32-s1'], ['mnist10k', 'mnist10k-deepquan-b32-s0']]);
    assert.deepEqual(refs[0].argv, ['train', '--dataset', 'fashion70k', '--bits', '32', '--seed', '1', '--threads', '2']);

    const cur = t.make({ sources: 'cccccccccccc' });
    const before = t.nCalls();
    const ok = keepCheck(cur, 'bbbbbbbbbbbb');
    assert.equal(ok.kept, true);
    assert.equal(t.nCalls(), before + 2, 'one rerun per dataset');
    assert.doesNotMatch(fs.readFileSync(t.calls, 'utf8').trim().split('\n').at(-1), /--pretrained/, 'checked from scratch');
    const check = JSON.parse(fs.readFileSync(path.join(t.raw, 'keep-check-bbbbbbbbbbbb-mnist10k.json'), 'utf8'));
    assert.deepEqual(check, { sources: 'bbbbbbbbbbbb', current: 'cccccccccccc', run: 'mnist10k-deepquan-b32-s0', reproduced: true, differences: [] });
    // The same build again: the checks are reused, nothing reruns.
    assert.equal(keepCheck(cur, 'bbbbbbbbbbbb').checks.every((c) => c.reused), true);
    assert.equal(t.nCalls(), before + 2);
    // The kept runs then count as done for the current build.
    assert.equal(t.make({ sources: 'cccccccccccc', kept: ['bbbbbbbbbbbb'] }).run(train('fashion70k-paper-b32-s0')), 'done');

    // Another build whose figures moved: the check fails and says how.
    process.env.FAKE_TRAINER_SHIFT = '0.001';
    const moved = keepCheck(t.make({ sources: 'dddddddddddd' }), 'bbbbbbbbbbbb');
    assert.equal(moved.kept, false);
    assert.equal(moved.failed.id, 'fashion70k-quad-b32-s1', 'the first dataset\'s check stops it');
    const bad = JSON.parse(fs.readFileSync(path.join(t.raw, 'keep-check-bbbbbbbbbbbb-fashion70k.json'), 'utf8'));
    assert.equal(bad.reproduced, false);
    assert.match(bad.differences[0], /^sdc map_all: 0\.542 then, 0\.543 now$/);
    // A check made against another build is dropped; one of this build stays.
    dropStaleChecks(t.raw, 'dddddddddddd');
    assert.deepEqual(fs.readdirSync(t.raw).filter((f) => f.startsWith('keep-check-')), ['keep-check-bbbbbbbbbbbb-fashion70k.json']);
    assert.equal(keepCheck(t.make(), 'eeeeeeeeeeee').reason, 'none', 'no finished training of those sources: nothing to keep');
  } finally {
    t.done();
  }
  assert.equal(compareEvals({ eval: [] }, { eval: [] }).reproduced, false, 'nothing to compare proves nothing');
  assert.deepEqual(compareEvals({ eval: [{ mode: 'sdc', map_all: 1, map_at_k: 1, precision_at_k: 1 }] }, null).differences,
    ['sdc map_all: 1 then, nothing now', 'sdc map_at_k: 1 then, nothing now', 'sdc precision_at_k: 1 then, nothing now']);
});
