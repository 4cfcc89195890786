// scripts/demo.sh as a command: --dataset picks the data and the training flags, an unknown one or a
// missing value is refused with the reason. --dry-run stops after parsing, so nothing here installs,
// builds or trains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const demo = (args) => spawnSync('bash', [path.join(root, 'scripts/demo.sh'), ...args], { encoding: 'utf8' });

/// demo.sh --dry-run's answer as { dataset, out, train, install? }.
function plan(args) {
  const r = demo([...args, '--dry-run']);
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
}

test('--help documents --dataset and its three values', () => {
  const r = demo(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--dataset mnist10k\|fashion70k\|clipart/);
  assert.match(r.stdout, /openclipart-png/);
});

test('the default stays mnist10k, in runs/demo, with the page-size flags', () => {
  const p = plan([]);
  assert.equal(p.dataset, 'mnist10k');
  assert.equal(p.out, 'runs/demo');
  assert.equal(p.train, 'build/native/trainer/deepquan train --dataset mnist10k --bits 32 --seed 0 --weights int4 --thumbnail-levels 8 --out runs/demo');
});

test('--dataset fashion70k and clipart train on their data, each in its own directory', () => {
  const f = plan(['--dataset', 'fashion70k', '--bits', '64']);
  assert.equal(f.out, 'runs/demo-fashion70k');
  assert.match(f.train, /^build\/native\/trainer\/deepquan train --dataset fashion70k --bits 64 .*--out runs\/demo-fashion70k$/);
  const c = plan(['--dataset', 'clipart', '--out', '/tmp/dq-clip']);
  assert.equal(c.dataset, 'clipart');
  assert.equal(c.out, '/tmp/dq-clip');
  assert.match(c.train, /train --images \/usr\/share\/openclipart\/png --size 32x32 --channels 3 --thumbnail-size 48x48 --skip-bad --queries-per-class 2 --pretrain-iterations 1000 --bits 32 /);
  assert.ok(!c.train.includes('--thumbnail-levels'), 'colour thumbnails are kept exact');
  assert.ok(!f.train.includes('--images'));
});

test('an unknown dataset or a missing value is refused with the reason, exit 2, before anything runs', () => {
  for (const [args, re] of [
    [['--dataset', 'cifar10'], /^demo\.sh: unknown dataset 'cifar10' \(expected mnist10k, fashion70k or clipart\)$/],
    [['--dataset'], /^demo\.sh: --dataset needs a value: mnist10k, fashion70k or clipart$/],
    [['--dataset', ''], /^demo\.sh: --dataset needs a value/],
    [['--bits'], /^demo\.sh: --bits needs a value$/],
    [['--datasets', 'clipart'], /^demo\.sh: unknown argument '--datasets' \(see --help\)$/],
  ]) {
    // Without --dry-run: a bad option must stop demo.sh before setup, build or training start.
    const r = demo(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), re);
    assert.equal(r.stdout, '', 'nothing ran');
  }
});
