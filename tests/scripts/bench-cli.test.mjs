// scripts/bench.sh (a wrapper of scripts/bench.mjs) as a command: --help, the option checks, --dry-run. Nothing
// here builds or runs a benchmark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sourceHash } from '../../scripts/bench/runner.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bench = (args, env = {}) => spawnSync('bash', [path.join(root, 'scripts/bench.sh'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

test('--help documents every option and exits 0', () => {
  const r = bench(['--help']);
  assert.equal(r.status, 0);
  for (const f of ['--quick', '--out', '--seeds', '--datasets', '--resume', '--keep-sources', '--rerun', '--dry-run', 'BUILD_DIR', 'DQ_PKG_DIR', 'THREADS'])
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
  ]) {
    const r = bench(args);
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
