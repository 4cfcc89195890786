// scripts/bench-report.mjs on a small synthetic raw directory: the figures it prints are recomputed here
// from the runs it was given, so a wrong mean, std, median or seed count, a failed run shown as a figure,
// or a crash on an incomplete run fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'scripts/bench-report.mjs');

const evalOf = (mode, mapAll, mapK, pK) => ({ mode, map_all: mapAll, map_at_k: mapK, map_k: 1000, precision_at_k: pK, precision_k: 100, queries: 1000 });
const trainLog = (perIt, perPre, cache = 'written') => ({
  settings: { variant: 'deepquan', pretrain_iterations: 4000, pretrain_noise: 0.6 }, iterations_run: 800,
  seconds_per_iteration: perIt, seconds_per_pretrain_iteration: perPre, pretrain_seconds: 4000 * perPre,
  alternate_seconds: 800 * perIt, total_seconds: 4000 * perPre + 800 * perIt, kmeans_seconds: 1, encode_seconds: 1,
  pretrained_cache: cache, epoch_iteration: [0, 100, 200], codeword_distance: [3, 2.5, 2.4],
});

function makeRaw() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-report-'));
  const raw = path.join(dir, 'raw');
  fs.mkdirSync(path.join(raw, 'runs'), { recursive: true });
  fs.writeFileSync(path.join(raw, 'machine.json'), JSON.stringify({
    mode: 'full', seeds: 3, scan_n: 1000, cpu: 'test CPU', simd_flags: ['avx2'], cores: 2, mem_gib: 1, node: 'v20',
    gxx: 'g++', emcc: '3.1.6', kernel: 'Linux', train_flags: '', date: '2026-01-01 00:00 UTC', revision: 'abc', sources: 'aaaaaaaaaaaa',
    keep_sources: [], load_at_start: [0.1, 0.2, 0.3], started_unix: 1000,
  }));
  const put = (id, run, report) => {
    fs.writeFileSync(path.join(raw, 'runs', `${id}.json`), JSON.stringify({ id, message: '', seconds: 10, command: `/x/build/bench/trainer/deepquan ${id}`, sources: 'aaaaaaaaaaaa', ...run }));
    if (report) fs.writeFileSync(path.join(raw, 'runs', `${id}.report.json`), JSON.stringify(report));
  };
  // PQ, seeds 0 and 1 of the three asked for.
  const pq = [[0.40, 0.50, 0.60], [0.44, 0.52, 0.64]];
  pq.forEach(([a, k, p], seed) => put(`mnist10k-pq-b16-s${seed}`, { status: 'ok' },
    { command: 'baseline', trials: [{ seed, evals: [evalOf('sdc', a, k, p), evalOf('adc', a - 0.01, k, p)] }] }));
  // DeepQuan, all three seeds; their per-iteration times give an even-count median in no row and an odd one here.
  const dq = [[0.60, 0.2, 0.030], [0.63, 0.4, 0.034], [0.57, 0.3, 0.038]];
  dq.forEach(([a, it, pre], seed) => put(`mnist10k-deepquan-b16-s${seed}`, { status: 'ok' },
    { command: 'train', config: { pretrain_iterations: -1 }, model: { layers: [500, 500, 2000, 32], model_bytes: 1 },
      eval: [evalOf('sdc', a, 0.7, 0.8), evalOf('adc', a - 0.02, 0.7, 0.8)], training: { log: trainLog(it, pre) } }));
  // Quad: two runs, so the median of their per-iteration times is the mean of the two.
  [[0.50, 0.1], [0.52, 0.3]].forEach(([a, it], seed) => put(`mnist10k-quad-b16-s${seed}`, { status: 'ok' },
    { command: 'train', config: { pretrain_iterations: -1 }, model: { layers: [500, 500, 2000, 32], model_bytes: 1 },
      eval: [evalOf('sdc', a, 0.6, 0.7)], training: { log: trainLog(it, 0.03) } }));
  put('mnist10k-itq-b16-s0', { status: 'failed', message: 'itq: something went wrong' });
  // Marked ok but its report is missing (a run interrupted between the two files): shown, never a crash.
  put('mnist10k-weights-f16-b32-s0', { status: 'ok' });
  return { dir, raw, out: path.join(dir, 'BENCHMARKS.md') };
}

const row = (md, re) => md.split('\n').find((l) => re.test(l)) ?? assert.fail(`no line matches ${re}`);
const cells = (line) => line.split('|').slice(1, -1).map((c) => c.trim());
const sampleStd = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

test('bench-report recomputes means, sample stds, medians and seed counts from the runs', () => {
  const { dir, raw, out } = makeRaw();
  try {
    execFileSync('node', [script, '--raw', raw, '--pkg', path.join(dir, 'no-pkg'), '--out', out], { stdio: 'pipe' });
    const md = fs.readFileSync(out, 'utf8');
    const t1 = md.slice(md.indexOf('### mnist10k: Table 1'));
    assert.match(t1, /Table 1 analogue \(MAP@All %, 3 seeds\)/);

    const pqSdc = cells(row(t1, /^\| PQ \| SDC \|/));
    const pqVals = [40, 44];
    assert.equal(pqSdc[2], `${(42).toFixed(2)} ± ${sampleStd(pqVals).toFixed(2)} (2 of 3 seeds so far)`);

    const dqSdc = cells(row(t1, /^\| DeepQuan \(default variant\) \| SDC \|/));
    assert.equal(dqSdc[2], `60.00 ± ${sampleStd([60, 63, 57]).toFixed(2)}`, 'three seeds of three: no "so far"');
    const dqAdc = cells(row(t1, /^\| DeepQuan \(default variant\) \| ADC \|/));
    assert.equal(dqAdc[2], `58.00 ± ${sampleStd([58, 61, 55]).toFixed(2)}`);

    assert.match(cells(row(t1, /^\| ITQ \|/))[2], /\*\*failed\*\* \(1\/1\)/, 'a failed run is shown as failed, not as a figure');
    assert.match(md, /mnist10k-itq-b16-s0`: itq: something went wrong/);

    const p100 = md.slice(md.indexOf('### mnist10k: P@100'));
    assert.equal(cells(row(p100, /^\| PQ \| SDC \|/))[3], `62.00 ± ${sampleStd([60, 64]).toFixed(2)} (2 of 3 seeds so far)`);

    const time = md.slice(md.indexOf('### Training time'));
    const dqT = cells(row(time, /^\| mnist10k \| deepquan \| 16 \|/));
    assert.equal(dqT[3], '3');
    assert.equal(dqT[4], '0.034 (0.030–0.038; 3)', 'median pretraining s/it. of 0.030, 0.034, 0.038');
    assert.equal(dqT[5], '0.300 (0.200–0.400)');
    const quadT = cells(row(time, /^\| mnist10k \| quad \| 16 \|/));
    assert.equal(quadT[5], '0.200 (0.100–0.300)', 'the median of two runs is their mean, not the larger');
    assert.equal(quadT[7], '4000+800');

    assert.match(row(md, /^\| f16 \|/), /\*\*failed\*\*/, 'a run without its report is not read as a model');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bench-report shows the end-of-run timing of the same invocation only', () => {
  const { dir, raw, out } = makeRaw();
  try {
    const report = (started) => {
      fs.writeFileSync(path.join(raw, 'timing.json'), JSON.stringify({ elapsed_seconds: 600, resumed: false, load_at_end: [1.5, 1, 1], started_unix: started }));
      execFileSync('node', [script, '--raw', raw, '--pkg', path.join(dir, 'no-pkg'), '--out', out], { stdio: 'pipe' });
      return fs.readFileSync(out, 'utf8');
    };
    const same = report(1000);
    assert.match(same, /\| wall-clock time of the command \| 10 min \|/);
    assert.match(same, /\| load average at end \| 1\.50, 1\.00, 1\.00 \|/);
    const stale = report(500);
    assert.doesNotMatch(stale, /wall-clock time of the command|load average at end/, 'an earlier invocation\'s timing is not this one\'s');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bench-report lists the keep checks made against this build only, and the runs --rerun dropped', () => {
  const { dir, raw, out } = makeRaw();
  try {
    const check = (name, current, run) => fs.writeFileSync(path.join(raw, name), JSON.stringify(
      { sources: 'bbbbbbbbbbbb', current, run, reproduced: true, differences: [] }));
    check('keep-check-bbbbbbbbbbbb-mnist10k.json', 'aaaaaaaaaaaa', 'mnist10k-deepquan-b32-s0');
    check('keep-check-bbbbbbbbbbbb-fashion70k.json', 'aaaaaaaaaaaa', 'fashion70k-paper-b16-s0');
    check('keep-check-bbbbbbbbbbbb.json', 'cccccccccccc', 'mnist10k-old-check');  // made against an older build
    const m = JSON.parse(fs.readFileSync(path.join(raw, 'machine.json'), 'utf8'));
    fs.writeFileSync(path.join(raw, 'machine.json'), JSON.stringify({ ...m, rerun: ['fashion70k-deepquan-*'] }));
    execFileSync('node', [script, '--raw', raw, '--pkg', path.join(dir, 'no-pkg'), '--out', out], { stdio: 'pipe' });
    const md = fs.readFileSync(out, 'utf8');
    assert.match(md, /because `mnist10k-deepquan-b32-s0`, run again with the build of `aaaaaaaaaaaa`, gave the very same/);
    assert.match(md, /because `fashion70k-paper-b16-s0`, run again/);
    assert.doesNotMatch(md, /mnist10k-old-check/, 'a check against another build proves nothing about this one');
    assert.match(md, /Runs matching `fashion70k-deepquan-\*` were dropped and run again/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bench-report refuses an unknown flag and a directory without machine.json', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-report-'));
  try {
    const bad = spawnSync('node', [script, '--bogus', 'x'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unexpected argument '--bogus'/);
    const none = spawnSync('node', [script, '--raw', dir, '--out', path.join(dir, 'o.md')], { encoding: 'utf8' });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /machine\.json not found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the report modules: buildReport returns the markdown and its figures without touching the disk', async () => {
  const { loadReportData, buildReport } = await import('../../scripts/bench/report/index.mjs');
  const { svgPlot } = await import('../../scripts/bench/report/svg-plot.mjs');
  const { dir, raw, out } = makeRaw();
  try {
    const before = fs.readdirSync(raw).sort();
    const rep = buildReport(loadReportData({ raw, out, pkg: path.join(dir, 'no-pkg') }));
    assert.deepEqual(fs.readdirSync(raw).sort(), before, 'nothing written');
    assert.ok(!fs.existsSync(out));
    assert.equal(rep.runs, 9);
    assert.equal(rep.failed, 1);
    assert.match(rep.markdown, /^# DeepQuan benchmarks\n/);
    // Fig. 2 from the Quad and DeepQuan training logs (16 bits, seed 0): both curves, linked relative to the report.
    assert.deepEqual([...rep.figures.keys()].sort(), ['fig2-codeword-distance-relative.svg', 'fig2-codeword-distance.svg']);
    assert.match(rep.markdown, /!\[mean codeword distance per epoch\]\(raw\/fig2-codeword-distance\.svg\)/);
    const svg = rep.figures.get('fig2-codeword-distance.svg');
    assert.equal((svg.match(/<polyline /g) || []).length, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(svgPlot({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', x: [1], y: [NaN] }] }), null, 'no finite point: no figure');
  const s = svgPlot({ title: 'a < b', xLabel: 'x', yLabel: 'y', logX: true, series: [{ name: 's', x: [0.01, 0.1, 1], y: [1, 2, 3] }] });
  assert.match(s, /a &lt; b/);
  assert.equal((s.match(/<circle /g) || []).length, 3);
  for (const label of ['0.01', '0.1', '1']) assert.match(s, new RegExp(`text-anchor="middle">${label.replace('.', '\\.')}</text>`), `log tick ${label}`);
});
