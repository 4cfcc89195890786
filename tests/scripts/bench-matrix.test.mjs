// scripts/bench/matrix.mjs: what --quick, the full mode and --datasets ask scripts/bench.sh to run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchSettings, buildMatrix, commandOf } from '../../scripts/bench/matrix.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ids = (m) => m.map((r) => r.id);

test('quick: mnist10k only, one seed, shortened trainings, the small grid, size-only weight runs', () => {
  const s = benchSettings({ quick: true, seeds: 5 });
  assert.equal(s.seeds, 1, '--quick runs one seed whatever --seeds says');
  assert.equal(s.scanN, 200000);
  assert.equal(s.runTimeout, 900);
  const m = buildMatrix(s);
  assert.equal(m.length, 44);
  assert.equal(new Set(ids(m)).size, 43, 'the 32-bit model of seed 0 is listed twice (models, then quality)');
  assert.ok(m.every((r) => r.dataset === 'mnist10k'));
  assert.ok(!ids(m.filter((r) => r.phase !== 'speed')).some((id) => /-s[1-9]$/.test(id)), 'seed 0 only (the speed runs are three seeds in both modes)');
  assert.equal(m.filter((r) => r.phase === 'speed').length, 6);
  assert.ok(!ids(m).includes('fashion70k-speed-it3500-b32-s0') && !ids(m).includes('mnist10k-paper-b8-s0'), 'full-mode runs are left out');
  assert.ok(!ids(m).some((id) => id.includes('-k16-')), 'so are the K = 16 runs');
  const dq = m.find((r) => r.id === 'mnist10k-deepquan-b16-s0');
  assert.deepEqual(dq.argv, ['train', '--dataset', 'mnist10k', '--bits', '16', '--seed', '0', '--threads', '2', '--pretrain-iterations', '300', '--iterations', '150']);
  assert.equal(dq.cache, 'quick-mnist10k-b16-s0');
  const f16 = m.find((r) => r.id === 'mnist10k-weights-f16-b32-s0');
  assert.deepEqual(f16.argv.slice(-6), ['--pretrain-iterations', '100', '--iterations', '5', '--weights', 'f16']);
  assert.equal(f16.cache, null, 'a size-only run does not share a pretraining');
  assert.deepEqual(m.find((r) => r.id === 'mnist10k-daepq-b8-s0').argv.slice(-2), ['--pretrain-iterations', '300']);
  assert.deepEqual(ids(m.filter((r) => r.phase === 'grid')),
    ['mnist10k-grid-lambda0.01-s1-b64-s0', 'mnist10k-grid-lambda0.1-s1-b64-s0', 'mnist10k-grid-lambda0.2-s1-b64-s0', 'mnist10k-grid-lambda0.1-s0.01-b64-s0'],
    'the s sweep skips s = 1, already the λ sweep\'s centre');
});

test('full: both datasets, every seed, the phases in order, headers where a group starts', () => {
  const m = buildMatrix(benchSettings({ seeds: 3 }), { threads: 4 });
  assert.equal(new Set(ids(m)).size, 277, '214 runs, then 2 K = 16 trainings and 4 K = 16 baselines per dataset and seed, then 9 clip-art runs per seed');
  const phases = [...new Set(m.map((r) => r.phase))];
  assert.deepEqual(phases, ['speed', 'models', 'sizes', 'quality', 'grid']);
  assert.ok(m.findIndex((r) => r.phase === 'quality') > m.findLastIndex((r) => r.phase === 'sizes'), 'phases are contiguous');
  assert.deepEqual(ids(m.filter((r) => r.phase === 'models')), ['mnist10k-deepquan-b32-s0', 'fashion70k-deepquan-b32-s0']);
  const it3500 = m.find((r) => r.id === 'fashion70k-speed-it3500-b32-s0');
  assert.ok(it3500.argv.includes('3500') && it3500.argv.join(' ').includes('--threads 2'), 'the 15-minute target runs at 2 threads whatever THREADS is');
  assert.deepEqual(ids(m).filter((x) => x.includes('speed-it3500')), [0, 1, 2].map((s) => `fashion70k-speed-it3500-b32-s${s}`), 'three runs, as every timing');
  assert.equal(m.find((r) => r.id === 'mnist10k-deepquan-b64-s2').argv[8], '4', 'THREADS reaches the quality runs');
  assert.deepEqual(m.filter((r) => r.header).map((r) => r.header), [
    '== speed: training s / iteration at 1 and 2 threads (mnist10k, 32 bits, 3 runs each)',
    '== sizes: model at f32 / f16 / int8 / int4, database per 10,000 items',
    ...['mnist10k', 'fashion70k'].flatMap((d) => [0, 1, 2].map((s) => `== quality: ${d}, seed ${s}`)),
    ...[0, 1, 2].map((s) => `== quality: clipart (/usr/share/openclipart/png), seed ${s}`),
    '== λ / s sensitivity, 64 bits, mnist10k']);
  // The clip-art collection (issue 19): a folder read as train --images reads it, a share of each category as queries,
  // the same data flags for the baselines, and its own pretraining cache per bits and seed.
  const clip = ids(m.filter((r) => r.dataset === 'clipart' && r.id.endsWith('-s1')));
  assert.deepEqual(clip, ['pq', 'opq', 'itq'].flatMap((x) => [`clipart-${x}-b32-s1`, `clipart-${x}-b64-s1`])
    .concat(['clipart-l2-s1', 'clipart-deepquan-b32-s1', 'clipart-deepquan-b64-s1']));
  const dq = m.find((r) => r.id === 'clipart-deepquan-b64-s1'), itq = m.find((r) => r.id === 'clipart-itq-b32-s1');
  const data = ['--images', '/usr/share/openclipart/png', '--size', '32x32', '--channels', '3', '--skip-bad', '--queries-per-class', '10%'];
  assert.deepEqual(dq.argv, ['train', ...data, '--bits', '64', '--seed', '1', '--threads', '4', '--iterations', '2000']);
  assert.deepEqual(itq.argv, ['baseline', ...data, '--method', 'itq', '--bits', '32', '--seed', '1', '--threads', '4']);
  assert.equal(dq.cache, 'full-clipart-b64-s1');
  assert.equal(itq.cache, null);
  assert.equal(buildMatrix(benchSettings({ quick: true })).filter((r) => r.dataset === 'clipart').length, 0, 'quick mode has no clip-art runs');
  const l2 = m.find((r) => r.id === 'fashion70k-l2-s1');
  assert.deepEqual(l2.argv, ['baseline', '--dataset', 'fashion70k', '--method', 'l2', '--bits', '16', '--seed', '1', '--threads', '4']);
  assert.equal(l2.cache, null);
  assert.equal(m.find((r) => r.id === 'fashion70k-daepq-b16-s1').cache, 'full-fashion70k-b16-s1');
  // K = 16: its own pretraining cache (a latent of 4B dimensions, not 2B), the flag in the recorded command.
  const k16 = m.find((r) => r.id === 'fashion70k-deepquan-k16-b64-s2'), k256 = m.find((r) => r.id === 'fashion70k-deepquan-b64-s2');
  assert.deepEqual(k16.argv, ['train', '--dataset', 'fashion70k', '--bits', '64', '--seed', '2', '--threads', '4', '--codeword-bits', '4']);
  assert.equal(k16.cache, 'full-fashion70k-b64-k16-s2');
  assert.equal(k256.cache, 'full-fashion70k-b64-s2');
  const caches = m.filter((r) => r.cache).map((r) => [r.cache, r.argv.includes('--codeword-bits')]);
  for (const [key, isK16] of caches) assert.equal(key.includes('-k16-'), isK16, `${key}: a cache key is K = 16's exactly when its run is`);
  for (const d of ['mnist10k', 'fashion70k']) for (const s of [0, 1, 2]) {
    assert.deepEqual(ids(m.filter((r) => r.id.includes('-k16-') && r.id.startsWith(`${d}-`) && r.id.endsWith(`-s${s}`))),
      [`${d}-pq-k16-b32-s${s}`, `${d}-pq-k16-b64-s${s}`, `${d}-opq-k16-b32-s${s}`, `${d}-opq-k16-b64-s${s}`, `${d}-deepquan-k16-b32-s${s}`, `${d}-deepquan-k16-b64-s${s}`]);
  }
  assert.deepEqual(m.find((r) => r.id === 'mnist10k-opq-k16-b32-s1').argv.slice(-2), ['--codeword-bits', '4']);
  assert.equal(m.find((r) => r.id === 'mnist10k-opq-k16-b32-s1').cache, null);
  assert.equal(commandOf('/b/deepquan', m.find((r) => r.id === 'mnist10k-grid-lambda0.5-s1-b64-s0')),
    '/b/deepquan train --dataset mnist10k --bits 64 --seed 0 --threads 4 --lambda 0.5 --s 1');
});

test('--datasets: the given order decides sizes and grid (first) and end to end (last); unknown names are refused', () => {
  const m = buildMatrix(benchSettings({ datasets: ['fashion70k', 'mnist10k'] }));
  assert.deepEqual(ids(m.filter((r) => r.phase === 'models')), ['fashion70k-deepquan-b32-s0', 'mnist10k-deepquan-b32-s0']);
  assert.ok(m.filter((r) => r.phase === 'grid').every((r) => r.id.startsWith('fashion70k-grid-')));
  assert.equal(m.find((r) => r.phase === 'quality').id, 'fashion70k-itq-b16-s0');
  const one = buildMatrix(benchSettings({ datasets: ['mnist10k'] }));
  assert.ok(!ids(one).some((id) => id.startsWith('fashion70k')), 'no fashion70k run, not even its speed target');
  assert.deepEqual(ids(one.filter((r) => r.phase === 'models')), ['mnist10k-deepquan-b32-s0'], 'one dataset: its model once');
  assert.throws(() => benchSettings({ datasets: ['cifar10'] }), /unknown dataset 'cifar10'/);
  const q = benchSettings({ quick: true, datasets: ['fashion70k'] });
  assert.deepEqual(q.datasets, ['fashion70k'], '--datasets applies to quick mode too');
});

test('the matrix gives the very commands the recorded benchmark ran (results/bench)', () => {
  const raw = path.join(root, 'results/bench');
  const machine = JSON.parse(fs.readFileSync(path.join(raw, 'machine.json'), 'utf8'));
  const recs = fs.readdirSync(path.join(raw, 'runs')).filter((f) => f.endsWith('.json') && !f.endsWith('.report.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(raw, 'runs', f), 'utf8')));
  const datasets = ['mnist10k', 'fashion70k'].filter((d) => recs.some((r) => r.id.startsWith(`${d}-`) && !r.id.includes('-speed-')));
  const m = buildMatrix(benchSettings({ quick: machine.mode === 'quick', seeds: machine.seeds, datasets }));
  const byId = new Map(m.map((r) => [r.id, r]));
  assert.ok(recs.length > 0);
  for (const rec of recs) {
    const r = byId.get(rec.id);
    assert.ok(r, `${rec.id} is in the matrix`);
    assert.equal(commandOf(rec.command.split(' ')[0], r), rec.command, rec.id);
  }
});
