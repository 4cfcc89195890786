// scripts/bench.sh (a wrapper of scripts/bench.mjs) as a command: --help, the option checks, --dry-run. Nothing
// here builds or runs a benchmark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stubBuild } from './fixtures/stub-build.mjs';
import { sourceHash } from '../../scripts/bench/runner.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bench = (args, env = {}) => spawnSync('bash', [path.join(root, 'scripts/bench.sh'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

test('--help documents every option and exits 0', () => {
  const r = bench(['--help']);
  assert.equal(r.status, 0);
  for (const f of ['--quick', '--out', '--seeds', '--datasets', '--resume', '--keep-sources', '--rerun', '--only', '--dry-run', 'BUILD_DIR', 'DQ_PKG_DIR', 'THREADS'])
    assert.ok(r.stdout.includes(f), `--help mentions ${f}`);
});

test('bad options exit 2 with the reason, before anything is built', () => {
  for (const [args, re] of [
    [['--bogus'], /unknown argument '--bogus'/],
    [['--seeds'], /--seeds needs a number/],
    [['--seeds', 'two'], /--seeds: 'two' is not a positive whole number/],
    [['--datasets', 'mnist10k cifar10'], /--datasets: unknown dataset 'cifar10'/],
    [['--keep-sources', 'abc', '--resume'], /'abc' is not a 12-digit source hash/],
    [['--keep-sources', '0123456789ab'], /--keep-sources only makes sense with --resume/],
    [['--rerun', 'mnist10k-*'], /--rerun only makes sense with --resume/],
    [['--rerun', 'a/b', '--resume'], /'a\/b' is not a run-id pattern/],
    [['--only'], /--only needs run-id patterns/],
    [['--only', ','], /--only needs run-id patterns/],
    [['--only', 'mnist10k-pq-*,a;b'], /--only: 'a;b' is not a run-id pattern/],
    [['--only', 'cifar10-*'], /--only cifar10-\*: no run of the full matrix matches/],
    [['--quick', '--only', 'mnist10k-deepquan-k16-*'], /no run of the quick matrix matches/],
  ]) {
    const r = bench(args, { BUILD_DIR: path.join(os.tmpdir(), 'dq-bench-cli-no-build') });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, re);
  }
});

test('--dry-run prints the matrix; with --resume it tells the runs of the last build\'s sources that are done', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-bench-cli-'));
  try {
    const quick = bench(['--quick', '--dry-run', '--out', path.join(dir, 'B.md')], { BUILD_DIR: path.join(dir, 'build'), THREADS: '3' });
    assert.equal(quick.status, 0, quick.stderr);
    assert.match(quick.stdout, /^quick mode: datasets mnist10k, 1 seed\(s\)/);
    assert.match(quick.stdout, /44 entries, 43 runs\n$/);
    assert.match(quick.stdout, / mnist10k-deepquan-b16-s0 .*--threads 3 --pretrain-iterations 300 --iterations 150 \[--pretrained quick-mnist10k-b16-s0\.dqae\]/);
    assert.ok(!fs.existsSync(path.join(dir, 'bench')) && !fs.existsSync(path.join(dir, 'build')), 'a dry run writes nothing');

    // A raw directory with two finished runs: one of the last build's sources, one of other sources.
    const build = path.join(dir, 'build'), raw = path.join(dir, 'bench');
    fs.mkdirSync(build, { recursive: true });
    fs.writeFileSync(path.join(build, 'CMakeCache.txt'), 'DQ_TRAINER_MARCH:STRING=x86-64-v3\n');
    const sources = sourceHash(root, 'x86-64-v3');
    fs.mkdirSync(path.join(raw, 'runs'), { recursive: true });
    fs.writeFileSync(path.join(raw, 'machine.json'), JSON.stringify({ mode: 'full' }));
    const bin = path.join(build, 'trainer/deepquan');
    const put = (id, cmd, src) => {
      fs.writeFileSync(path.join(raw, 'runs', `${id}.json`), JSON.stringify({ id, status: 'ok', message: '', seconds: 1, command: `${bin} ${cmd}`, sources: src }));
      fs.writeFileSync(path.join(raw, 'runs', `${id}.report.json`), '{}');
    };
    put('mnist10k-pq-b16-s0', 'baseline --dataset mnist10k --method pq --bits 16 --seed 0 --threads 2', sources);
    put('mnist10k-pq-b32-s0', 'baseline --dataset mnist10k --method pq --bits 32 --seed 0 --threads 2', 'ffffffffffff');
    const r = bench(['--dry-run', '--resume', '--datasets', 'mnist10k', '--out', path.join(dir, 'B.md')], { BUILD_DIR: build });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`sources of the last build: ${sources}`));
    const state = (id) => r.stdout.split('\n').find((l) => l.includes(` ${id} `)).split(/\s+/)[4];
    assert.equal(state('mnist10k-pq-b16-s0'), 'done');
    assert.equal(state('mnist10k-pq-b32-s0'), 'to', 'other sources: to run');
    assert.equal(r.stdout.split('\n').filter((l) => / done /.test(l)).length, 1);
    const kept = bench(['--dry-run', '--resume', '--keep-sources', 'ffffffffffff', '--out', path.join(dir, 'B.md')], { BUILD_DIR: build });
    assert.equal(kept.stdout.split('\n').filter((l) => / done /.test(l)).length, 2, 'a kept hash counts (after its check, in a real run)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--dry-run --only lists the matching runs alone, in the matrix order, and the steps it leaves out', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-bench-cli-'));
  try {
    const r = bench(['--dry-run', '--only', 'fashion70k-deepquan-k16-b64-*,mnist10k-opq-k16-b32-s1', '--out', path.join(dir, 'B.md')], { BUILD_DIR: path.join(dir, 'build') });
    assert.equal(r.status, 0, r.stderr);
    const listed = r.stdout.split('\n').filter((l) => /^ +\d+ /.test(l)).map((l) => l.trim().split(/\s+/)[2]);
    assert.deepEqual(listed, ['mnist10k-opq-k16-b32-s1', 'fashion70k-deepquan-k16-b64-s0', 'fashion70k-deepquan-k16-b64-s1', 'fashion70k-deepquan-k16-b64-s2']);
    assert.match(r.stdout, /\[--pretrained full-fashion70k-b64-k16-s0\.dqae\]/);
    assert.match(r.stdout, /^steps \(--only [^)]*\): machine, build, data, keep checks, the runs below, the K = 16 results$/m);
    assert.match(r.stdout, /4 entries, 4 runs\n$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// --only with a stub cmake and the fake trainer: the matching runs and nothing else (no scan, package, encode or
// end-to-end step), added to raw outputs that already hold a run (kept, and machine.json with it), the report left
// alone, the K = 16 results written; run again, everything is found done.
test('--only runs the matching runs alone, keeps the raw outputs, writes the K = 16 results and not the report', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-bench-only-'));
  try {
    const { calls, env } = stubBuild(dir);
    const out = path.join(dir, 'res', 'B.md'), raw = path.join(dir, 'res', 'bench');
    fs.mkdirSync(path.join(raw, 'runs'), { recursive: true });
    const earlier = JSON.stringify({ id: 'fashion70k-pq-b16-s0', status: 'ok', message: '', seconds: 1, command: 'x', sources: 'ffffffffffff' });
    fs.writeFileSync(path.join(raw, 'runs', 'fashion70k-pq-b16-s0.json'), earlier);
    fs.writeFileSync(path.join(raw, 'machine.json'), JSON.stringify({ mode: 'full', seeds: 3, marker: 'the earlier invocation' }));
    const only = ['--only', 'mnist10k-deepquan-k16-b64-s0,mnist10k-deepquan-b64-s0,mnist10k-opq-*b64-s0', '--out', out];
    const r = bench(only, env);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const runs = fs.readFileSync(calls, 'utf8').trim().split('\n').filter((l) => /^(train|baseline|encode) /.test(l));
    assert.deepEqual(runs.map((l) => l.split(' --out ')[1].replace(/.*\//, '')),
      ['mnist10k-opq-b64-s0', 'mnist10k-deepquan-b64-s0', 'mnist10k-opq-k16-b64-s0', 'mnist10k-deepquan-k16-b64-s0'], 'the four, in the matrix order, nothing else');
    assert.match(runs[3], /--codeword-bits 4 --pretrained \S+\/full-mnist10k-b64-k16-s0\.dqae/);
    assert.match(fs.readFileSync(calls, 'utf8'), /cmake --build \S+ -j2 --target deepquan\n/, 'the trainer alone is built');
    assert.ok(!fs.existsSync(path.join(raw, 'logs/bench-scan.log')) && !fs.existsSync(path.join(raw, 'logs/bench-wasm.log')), 'no scan, no package step');
    assert.ok(!fs.existsSync(out), 'the report is not rewritten from a subset');
    assert.equal(fs.readFileSync(path.join(raw, 'runs', 'fashion70k-pq-b16-s0.json'), 'utf8'), earlier, 'the raw outputs are not emptied');
    assert.equal(JSON.parse(fs.readFileSync(path.join(raw, 'machine.json'), 'utf8')).marker, 'the earlier invocation');
    const rec = JSON.parse(fs.readFileSync(path.join(raw, 'runs', 'mnist10k-deepquan-k16-b64-s0.json'), 'utf8'));
    assert.match(rec.revision, /^[0-9a-f]{12}(-dirty)?$/, 'each run records the revision of its sources');
    const k = JSON.parse(fs.readFileSync(path.join(raw, 'k16', 'k16.json'), 'utf8'));
    const b64 = k.datasets[0].bits.find((b) => b.bits === 64);
    // The fake trainer: 0.5 + 64 / 1000 at seed 0, K = 16 two points lower: more than the goal's one point.
    assert.ok(Math.abs(b64.goal[0].gap + 0.02) < 1e-12, `gap ${b64.goal[0].gap}`);
    assert.equal(b64.goal[0].met, 'no');
    assert.match(fs.readFileSync(path.join(raw, 'k16', 'k16.md'), 'utf8'), /\| DeepQuan \| 16 \| SDC \| 54\.40 \(1 of 3 seeds\) \|/);
    assert.ok(fs.existsSync(path.join(raw, 'k16', 'k16.svg')));
    assert.deepEqual(fs.readdirSync(path.join(raw, 'k16')).filter((f) => f.includes('.tmp')), []);
    const quick = bench(['--quick', '--only', 'mnist10k-pq-b16-s0', '--out', out], env);
    assert.equal(quick.status, 2, 'a quick subset does not go into full-mode raw outputs');
    assert.match(quick.stderr, /--only: \S+ holds a run of another mode/);
    const again = bench(only, env);
    assert.equal(again.status, 0, again.stderr.slice(-2000));
    assert.equal(fs.readFileSync(calls, 'utf8').trim().split('\n').filter((l) => /^(train|baseline) /.test(l)).length, 4, 'all four found done');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// A whole quick benchmark in seconds: `cmake` on PATH is a stub whose build puts the fake trainer where the
// trainer would be; the scan and package scripts then fail for want of their binaries, which the bench records
// and goes on. What it checks: every run of the matrix recorded once, the cache flag only where the matrix says,
// the raw files the report reads, the report itself, and a --resume that reruns nothing.
test('a quick run end to end with a stub cmake and the fake trainer, then --resume, then --rerun', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-bench-run-'));
  try {
    const bin = path.join(dir, 'bin'), build = path.join(dir, 'build'), calls = path.join(dir, 'calls.txt');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'cmake'), `#!/bin/sh
if [ "$1" = "--build" ]; then mkdir -p "$2/trainer" && ln -sf ${path.join(root, 'tests/scripts/fixtures/fake-trainer.mjs')} "$2/trainer/deepquan"; exit 0; fi
case " $* " in *" -B ${build} "*) printf 'DQ_TRAINER_MARCH:STRING=x86-64-v3\\n' > "${build}/CMakeCache.txt" ;; esac
exit 0
`, { mode: 0o755 });
    fs.mkdirSync(build);
    const env = { PATH: `${bin}:${process.env.PATH}`, BUILD_DIR: build, FAKE_TRAINER_CALLS: calls, DQ_PKG_DIR: path.join(dir, 'no-pkg') };
    const out = path.join(dir, 'res', 'B.md'), raw = path.join(dir, 'res', 'bench');
    const r = bench(['--quick', '--out', out], env);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const lines = fs.readFileSync(calls, 'utf8').trim().split('\n');
    const trainings = lines.filter((l) => /^(train|baseline) /.test(l));
    assert.equal(trainings.length, 43, 'each of the 43 runs once: the repeated 32-bit model is found done');
    assert.equal(lines.filter((l) => l.startsWith('encode ')).length, 7, 'two 10,000-image databases and the 1,000-query one, the timed pair 3 times');
    const withCache = trainings.filter((l) => l.includes('--pretrained'));
    assert.ok(withCache.every((l) => new RegExp(`--pretrained ${build}/runs/pretrained/${sourceHash(root, 'x86-64-v3')}/quick-mnist10k-b\\d+-s0\\.dqae`).test(l)));
    assert.ok(!trainings.some((l) => /--weights f16/.test(l) && /--pretrained/.test(l)), 'size-only runs pretrain themselves');
    const speed = trainings.filter((l) => /--out \S+\/mnist10k-speed-t[12]-b32-s[012]$/.test(l));
    assert.equal(speed.length, 6);
    assert.ok(speed.every((l) => !l.includes('--pretrained')), 'speed runs never share a pretraining');
    const recs = fs.readdirSync(path.join(raw, 'runs')).filter((f) => f.endsWith('.json') && !f.endsWith('.report.json'));
    assert.equal(recs.length, 43);
    const machine = JSON.parse(fs.readFileSync(path.join(raw, 'machine.json'), 'utf8'));
    assert.equal(machine.mode, 'quick');
    assert.equal(machine.sources, sourceHash(root, 'x86-64-v3'));
    assert.equal(machine.trainer_march, 'x86-64-v3');
    assert.equal(machine.train_flags, '--pretrain-iterations 300 --iterations 150');
    const db = JSON.parse(fs.readFileSync(path.join(raw, 'db10k-thumbs.json'), 'utf8'));
    assert.equal(db.raw, 1000);
    assert.ok(db.gzip > 0 && db.gzip < 1000);
    assert.equal(JSON.parse(fs.readFileSync(path.join(raw, 'timing.json'), 'utf8')).started_unix, machine.started_unix);
    assert.match(r.stderr, /bench-scan\.sh failed/, 'a failing step is reported, not fatal');
    const md = fs.readFileSync(out, 'utf8');
    assert.match(md, /\*\*QUICK mode\*\*/);
    assert.match(md, /\| `mnist10k-deepquan-b16-s0` \| sdc \| 51\.60 \| 61\.60 \| 71\.60 \|/);
    assert.ok(fs.existsSync(path.join(raw, 'fig4-lambda.svg')), 'the figures beside the raw files');

    // --resume: nothing runs again; --rerun drops its matches, which run again.
    const n = lines.length;
    const again = bench(['--quick', '--resume', '--out', out], env);
    assert.equal(again.status, 0, again.stderr.slice(-2000));
    const after = fs.readFileSync(calls, 'utf8').trim().split('\n');
    assert.equal(after.slice(n).filter((l) => /^(train|baseline) /.test(l)).length, 0, 'all 43 kept');
    assert.match(again.stderr, /already done/);
    const re = bench(['--quick', '--resume', '--rerun', 'mnist10k-grid-*', '--out', out], env);
    assert.equal(re.status, 0);
    assert.match(re.stderr, /--rerun mnist10k-grid-\*: 4 finished run\(s\) dropped/);
    const last = fs.readFileSync(calls, 'utf8').trim().split('\n').slice(after.length).filter((l) => /^(train|baseline) /.test(l));
    assert.equal(last.length, 4);
    assert.ok(last.every((l) => l.includes('--lambda')));
    // --keep-sources: pretend every run came from older sources; their mnist10k reference reruns and reproduces,
    // so nothing else runs; a build whose figures moved stops the bench with exit status 1.
    const old = 'bbbbbbbbbbbb';
    for (const f of fs.readdirSync(path.join(raw, 'runs')).filter((f) => f.endsWith('.json') && !f.endsWith('.report.json'))) {
      const p = path.join(raw, 'runs', f);
      fs.writeFileSync(p, JSON.stringify({ ...JSON.parse(fs.readFileSync(p, 'utf8')), sources: old }));
    }
    const before = fs.readFileSync(calls, 'utf8').trim().split('\n').length;
    const keep = bench(['--quick', '--resume', '--keep-sources', old, '--out', out], env);
    assert.equal(keep.status, 0, keep.stderr.slice(-2000));
    const kc = fs.readFileSync(calls, 'utf8').trim().split('\n').slice(before).filter((l) => /^(train|baseline) /.test(l));
    assert.equal(kc.length, 1, 'only the check');
    assert.match(kc[0], /keep-check-bbbbbbbbbbbb-mnist10k$/);
    assert.match(fs.readFileSync(out, 'utf8'), /Runs of sources `bbbbbbbbbbbb` were kept \(`--keep-sources`\) because `mnist10k-deepquan-b32-s0`/);
    const moved = bench(['--quick', '--resume', '--keep-sources', old, '--out', out], { ...env, FAKE_TRAINER_SHIFT: '0.01' });
    assert.match(moved.stderr, /already reproduced with this build/, 'the same build\'s check is not repeated');
    fs.writeFileSync(path.join(build, 'CMakeCache.txt'), 'placeholder');  // another -march: another build
    fs.writeFileSync(path.join(bin, 'cmake'), fs.readFileSync(path.join(bin, 'cmake'), 'utf8').replace('x86-64-v3', 'x86-64-v4'));
    const moved2 = bench(['--quick', '--resume', '--keep-sources', old, '--out', out], { ...env, FAKE_TRAINER_SHIFT: '0.01' });
    assert.equal(moved2.status, 1);
    assert.match(moved2.stderr, /--keep-sources bbbbbbbbbbbb: mnist10k-deepquan-b32-s0 did not reproduce with the current build/);

    // Another mode cannot resume this one.
    const other = bench(['--resume', '--out', out], env);
    assert.equal(other.status, 2);
    assert.match(other.stderr, /holds a run of another mode/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
