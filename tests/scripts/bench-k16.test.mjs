// scripts/bench/report/k16.mjs on synthetic runs: the K = 16 against K = 256 figures are recomputed here from
// the runs given, so a wrong mean or std, a gap of the wrong sign, a goal called met on fewer seeds than asked
// or against the wrong baseline, a lost revision, or a half-written file fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { k16Summary, writeK16Files, writeK16, k16Chart } from '../../scripts/bench/report/k16.mjs';
import { markdownDoc } from '../../scripts/bench/report/markdown.mjs';
import { svgBars } from '../../scripts/bench/report/svg-plot.mjs';
import { parseRunId, loadRuns } from '../../scripts/bench/report/data.mjs';

const ev = (mode, a) => ({ mode, map_all: a, map_at_k: a + 0.1, precision_at_k: a + 0.2 });
const sampleStd = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};
const md0 = (raw) => fs.readFileSync(path.join(raw, 'k16', 'k16.md'), 'utf8');
const near = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} against ${b}`);

/// Records as loadRuns gives them: id parts, status, revision, report.
function runsOf(spec) {
  return spec.map(([id, report, extra = {}]) => ({ id, status: report ? 'ok' : 'failed', sources: 'aaaaaaaaaaaa', revision: 'r1', ...parseRunId(id), report, ...extra }));
}
const train = (sdc, adc) => ({ command: 'train', eval: [ev('sdc', sdc), ev('adc', adc)] });
const baseline = (seed, sdc, adc) => ({ command: 'baseline', trials: [{ seed, evals: [ev('sdc', sdc), ...(adc == null ? [] : [ev('adc', adc)])] }] });

// mnist10k at 64 bits: K = 256 at 0.60 / 0.61 / 0.62 (SDC), K = 16 at 0.595 / 0.600 / 0.605 (gap −1.0 point, the
// goal's edge, which counts as within),
// the best classic baseline OPQ K = 256 ADC at 0.58; at 32 bits K = 16 trails by 3 points.
function mnistRuns() {
  const spec = [];
  for (const s of [0, 1, 2]) {
    spec.push([`mnist10k-deepquan-b64-s${s}`, train(0.60 + s / 100, 0.59 + s / 100)]);
    spec.push([`mnist10k-deepquan-k16-b64-s${s}`, train(0.595 + s / 200, 0.60 + s / 200)]);
    spec.push([`mnist10k-deepquan-b32-s${s}`, train(0.58, 0.57)]);
    spec.push([`mnist10k-deepquan-k16-b32-s${s}`, train(0.55, 0.55)]);
    spec.push([`mnist10k-opq-b64-s${s}`, baseline(s, 0.55, 0.58)]);
    spec.push([`mnist10k-pq-k16-b64-s${s}`, baseline(s, 0.50, 0.52)]);
    spec.push([`mnist10k-itq-b64-s${s}`, baseline(s, 0.45)]);
  }
  return spec;
}

test('k16Summary: mean ± sample std per ranking, the gap to K = 256 and the 64-bit goal over three seeds', () => {
  const [mnist] = k16Summary(runsOf(mnistRuns()));
  assert.equal(mnist.dataset, 'mnist10k');
  const b64 = mnist.bits.find((b) => b.bits === 64);
  const k16sdc = b64.rows.find((r) => r.name === 'deepquan-k16' && r.ranking === 'sdc');
  near(k16sdc.map_all.mean, 0.6, 'K = 16 SDC mean');
  near(k16sdc.map_all.std, sampleStd([0.595, 0.6, 0.605]), 'K = 16 SDC std');
  near(k16sdc.precision_at_k.mean, 0.8, 'P@100 from the same runs');
  assert.deepEqual(k16sdc.seeds, [0, 1, 2]);
  assert.deepEqual(k16sdc.revisions, ['r1']);
  assert.equal(b64.rows.find((r) => r.name === 'itq').ranking, 'sdc', 'a hashing baseline: its one ranking');
  const [sdc, adc] = b64.goal;
  near(sdc.gap, 0.6 - 0.61, 'SDC gap: K = 16 minus K = 256');
  assert.equal(sdc.within_1_point, true);
  assert.deepEqual(sdc.best_classic, { method: 'OPQ', K: 256, ranking: 'adc', map_all: 0.58 }, 'the best classic figure, whichever ranking');
  near(sdc.margin_over_best_classic, 0.02, 'margin over OPQ ADC');
  assert.equal(sdc.met, 'yes');
  // P@100 is MAP@All + 0.2 in these runs: K = 16 SDC at 0.80, the best classic OPQ K = 256 ADC at 0.78 (PQ K = 16: 0.72).
  near(sdc.other_metrics.precision_at_k.margin_over_best_classic, 0.8 - 0.78, 'P@100 margin');
  assert.equal(sdc.other_metrics.precision_at_k.best_classic.method, 'OPQ');
  near(adc.gap, 0.605 - 0.60, 'ADC gap');
  assert.equal(adc.met, 'yes');
  const g32 = mnist.bits.find((b) => b.bits === 32).goal[0];
  near(g32.gap, -0.03, '32 bits: 3 points behind');
  assert.equal(g32.within_1_point, false);
  assert.equal(g32.met, 'no');
});

test('k16Summary: fewer seeds make the goal provisional; a classic baseline above it, or a gap over 1 point, fail it', () => {
  const two = mnistRuns().filter(([id]) => !(id.startsWith('mnist10k-deepquan-') && id.endsWith('-s2')));
  const g = k16Summary(runsOf(two))[0].bits.find((b) => b.bits === 64).goal[0];
  assert.equal(g.seeds, 2);
  assert.equal(g.met, 'provisional', 'two of three seeds: never "yes"');
  const k16row = k16Summary(runsOf(two))[0].bits.find((b) => b.bits === 64).rows.find((r) => r.name === 'deepquan-k16');
  assert.equal(k16row.map_all.n, 2);

  const strong = [...mnistRuns(), ...[0, 1, 2].map((s) => [`mnist10k-pq-b64-s${s}`, baseline(s, 0.62, 0.63)])];
  const gs = k16Summary(runsOf(strong))[0].bits.find((b) => b.bits === 64).goal[0];
  assert.equal(gs.best_classic.method, 'PQ');
  assert.equal(gs.above_every_classic, false);
  assert.equal(gs.met, 'no');

  const far = mnistRuns().map(([id, r]) => (id.startsWith('mnist10k-deepquan-b64-') ? [id, train(0.7, 0.7)] : [id, r]));
  const gf = k16Summary(runsOf(far))[0].bits.find((b) => b.bits === 64).goal;
  assert.ok(gf.every((x) => x.within_1_point === false && x.met === 'no'));

  const noK256 = mnistRuns().filter(([id]) => !id.startsWith('mnist10k-deepquan-b64-'));
  assert.equal(k16Summary(runsOf(noK256))[0].bits.find((b) => b.bits === 64).goal[0].met, 'not known', 'nothing to compare with: no verdict');
  assert.deepEqual(k16Summary(runsOf(mnistRuns().filter(([id]) => !id.includes('-k16-')))), [], 'no K = 16 run: no section');
});

test('k16Summary: a failed run is counted as failed, not averaged in; the revisions of the figures are kept apart', () => {
  const spec = mnistRuns().map(([id, r]) => (id === 'mnist10k-deepquan-k16-b64-s1' ? [id, null] : [id, r]));
  const runs = runsOf(spec);
  runs.find((r) => r.id === 'mnist10k-deepquan-b64-s2').revision = 'r2-dirty';
  delete runs.find((r) => r.id === 'mnist10k-deepquan-b64-s0').revision;
  const b64 = k16Summary(runs)[0].bits.find((b) => b.bits === 64);
  const k16 = b64.rows.find((r) => r.name === 'deepquan-k16' && r.ranking === 'sdc');
  assert.deepEqual(k16.seeds, [0, 2]);
  assert.deepEqual(k16.failed, ['mnist10k-deepquan-k16-b64-s1']);
  near(k16.map_all.mean, (0.595 + 0.605) / 2, 'the mean of the two that finished');
  const k256 = b64.rows.find((r) => r.name === 'deepquan' && r.ranking === 'sdc');
  assert.deepEqual(k256.revisions, ['sources aaaaaaaaaaaa (revision not recorded)', 'r1', 'r2-dirty']);
});

test('writeK16Files: k16.json, k16.md and k16.svg from a raw directory, naming machine and revisions, no temporaries left', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-k16-'));
  try {
    const raw = path.join(dir, 'bench');
    fs.mkdirSync(path.join(raw, 'runs'), { recursive: true });
    const machine = { cpu: 'Test CPU', cores: 2, mem_gib: 4, simd_flags: ['avx2'], kernel: 'Linux 6', gxx: 'g++ 12', trainer_march: 'x86-64-v3', date: '2026-12-02 17:00 UTC' };
    assert.equal(writeK16Files({ raw, machine }), null, 'no runs: nothing written');
    assert.ok(!fs.existsSync(path.join(raw, 'k16')));
    for (const [id, report] of mnistRuns()) {
      fs.writeFileSync(path.join(raw, 'runs', `${id}.json`), JSON.stringify({ id, status: 'ok', message: '', seconds: 1, command: `deepquan ${id}`, sources: 'aaaaaaaaaaaa', revision: '3e68551abcde' }));
      fs.writeFileSync(path.join(raw, 'runs', `${id}.report.json`), JSON.stringify(report));
    }
    const r = writeK16Files({ raw, machine });
    assert.deepEqual(fs.readdirSync(path.join(raw, 'k16')).sort(), ['k16.json', 'k16.md', 'k16.svg']);
    assert.equal(r.files.length, 3);
    const j = JSON.parse(fs.readFileSync(path.join(raw, 'k16', 'k16.json'), 'utf8'));
    assert.deepEqual(j.revisions, ['3e68551abcde']);
    assert.deepEqual(j.sources, ['aaaaaaaaaaaa']);
    assert.match(md0(raw), /built from\nsource hash `aaaaaaaaaaaa` \(/);
    assert.equal(j.machine.cpu, 'Test CPU');
    assert.equal(j.datasets[0].bits[1].goal[0].met, 'yes');
    const md = fs.readFileSync(path.join(raw, 'k16', 'k16.md'), 'utf8');
    assert.match(md, /revision\n`3e68551abcde`/);
    assert.match(md, /Machine: Test CPU,\n2 cores/);
    const line = md.split('\n').find((l) => l.startsWith('| DeepQuan | 16 | SDC |') && md.indexOf(l) > md.indexOf('## mnist10k, 64 bits'));
    assert.equal(line, `| DeepQuan | 16 | SDC | 60.00 ± ${(100 * sampleStd([0.595, 0.6, 0.605])).toFixed(2)} | 70.00 ± 0.50 | 80.00 ± 0.50 | 0, 1, 2 | \`3e68551abcde\` |`);
    assert.match(md, /- DeepQuan K = 16 SDC MAP@All: −1\.00 points against K = 256, \+2\.00 against the best classic baseline \(OPQ K = 256 ADC, 58\.00\); goal: \*\*yes\*\*\. \(Not the goal's metric: MAP@1000 \+2\.00 against OPQ K = 256 ADC, P@100 \+2\.00 against OPQ K = 256 ADC\.\)/);
    assert.match(md, /Not run: PQ K = 256, OPQ K = 16, LSH, PCAH\./, 'the rows that did not run are named');
    // The same section in the report (its one section: the others need raw files these runs lack), its chart
    // handed to the report's figure writer.
    const doc = markdownDoc(), figs = [];
    writeK16({ runs: loadRuns(raw), figure: (name, spec, plot) => (figs.push([name, plot(spec)]), `bench/${name}`) }, doc);
    const text = doc.text();
    assert.match(text, /^## K = 16 against K = 256 \(4-bit codes\)\n[\s\S]*### mnist10k, 64 bits\n/);
    assert.ok(text.includes(line), 'the same row as k16.md');
    assert.match(text, /!\[MAP@All, K = 16 against K = 256\]\(bench\/k16-map-all\.svg\)/);
    assert.deepEqual(figs.map(([n]) => n), ['k16-map-all.svg']);
    assert.equal(figs[0][1], fs.readFileSync(path.join(raw, 'k16', 'k16.svg'), 'utf8'), 'the same chart');
    const svg = fs.readFileSync(path.join(raw, 'k16', 'k16.svg'), 'utf8');
    assert.match(svg, /^<svg /);
    assert.match(svg, /<title>DeepQuan K=16 SDC: 60\.00<\/title>/);
    assert.ok(!/Made in parts/.test(md), 'no part records: every run counts');
    // Made in parts: only the parts' source hash counts. A run of older sources in the raw outputs (seed 2's K = 256
    // run, say, not yet run again) would otherwise sit in a row of the newer build's figures.
    fs.mkdirSync(path.join(raw, 'parts'));
    fs.writeFileSync(path.join(raw, 'parts', 'quality-mnist10k-s0.json'), JSON.stringify({ part: 'quality-mnist10k-s0', sources: 'aaaaaaaaaaaa', finished: '2026-12-03T09:00:00.000Z', complete: true, runs: [], steps: [] }));
    const old = 'mnist10k-deepquan-b64-s2';
    const rec = JSON.parse(fs.readFileSync(path.join(raw, 'runs', `${old}.json`), 'utf8'));
    fs.writeFileSync(path.join(raw, 'runs', `${old}.json`), JSON.stringify({ ...rec, sources: 'bbbbbbbbbbbb', revision: 'old' }));
    const p = writeK16Files({ raw, machine });
    assert.equal(p.left_out, 1);
    const pj = JSON.parse(fs.readFileSync(path.join(raw, 'k16', 'k16.json'), 'utf8'));
    assert.deepEqual([pj.sources, pj.parts_sources, pj.runs_left_out, pj.revisions], [['aaaaaaaaaaaa'], 'aaaaaaaaaaaa', 1, ['3e68551abcde']]);
    const pmd = md0(raw);
    assert.match(pmd, /Made in parts: only runs of the parts' source hash `aaaaaaaaaaaa` count \(1 run of other sources in the raw outputs left out\)\./);
    const k256 = pmd.split('\n').find((l) => l.startsWith('| DeepQuan | 256 | SDC |') && pmd.indexOf(l) > pmd.indexOf('## mnist10k, 64 bits'));
    assert.match(k256, /\(2 of 3 seeds\) \| .* \| 0, 1 \|/, 'seeds 0 and 1 of the parts\' hash only');
    // Asked for the other hash (a part invocation of those sources): its one run is of K = 256, so nothing to write.
    assert.equal(writeK16Files({ raw, machine, sources: 'bbbbbbbbbbbb' }), null);
    assert.match(md0(raw), /Made in parts: only runs of the parts' source hash `aaaaaaaaaaaa`/, 'the files are left as they were');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('svgBars: one bar per finite value, whiskers for a spread, null when nothing is finite', () => {
  const spec = k16Chart(k16Summary(runsOf(mnistRuns())));
  assert.deepEqual(spec.groups, ['mnist10k, 32 bits', 'mnist10k, 64 bits']);
  const svg = svgBars(spec);
  const finite = spec.series.flatMap((s) => s.y).filter(Number.isFinite).length;
  assert.equal((svg.match(/<title>/g) || []).length, finite);
  assert.equal(svgBars({ title: 't', yLabel: 'y', groups: ['a'], series: [{ name: 's', y: [NaN], err: [NaN] }] }), null);
  assert.match(svgBars({ title: 'a < b', yLabel: 'y', groups: ['g'], series: [{ name: 's', y: [3], err: [1] }] }), /a &lt; b[\s\S]*<line x1="[0-9.]+" x2="[0-9.]+" y1/);
});
