// The benchmark in parts (scripts/bench/parts.mjs, bench.sh --part, bench-report.mjs's assembly): every run of
// the full matrix in exactly one part, the part records, the one-source-hash rule of the assembled report, and a
// part run end to end with a stub cmake and the fake trainer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stubBuild } from './fixtures/stub-build.mjs';
import { benchParts, partOf, selectParts, partsStatus, readPartRecords, writePartRecord, PEER_RUNS } from '../../scripts/bench/parts.mjs';
import { ENGINES } from '../../scripts/bench/peers/options.mjs';
import { benchSettings, buildMatrix } from '../../scripts/bench/matrix.mjs';
import { parseOptions } from '../../scripts/bench/options.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bench = (args, env = {}) => spawnSync('bash', [path.join(root, 'scripts/bench.sh'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
const settings = benchSettings();
const matrix = buildMatrix(settings);
const parts = benchParts(matrix, settings);

test('every run of the full matrix is in exactly one part; each part is what its name says', () => {
  const ids = [...new Set(matrix.map((r) => r.id))];
  const inParts = parts.flatMap((p) => p.runs.map((r) => r.id));
  assert.deepEqual([...inParts].sort(), [...ids].sort(), 'each id once, none left out');
  assert.deepEqual(parts.map((p) => p.name), ['speed', 'quality-mnist10k-s0', 'quality-mnist10k-s1', 'quality-mnist10k-s2', 'quality-fashion70k-s0',
    'quality-fashion70k-s1', 'quality-fashion70k-s2', 'clipart-s0', 'clipart-s1', 'clipart-s2', 'grid', 'k16-e2e', 'peers', 'peers-1m', 'peers-1m-edgevec', 'peers-1m-hnswlib']);
  const by = Object.fromEntries(parts.map((p) => [p.name, p]));
  assert.deepEqual(by.speed.steps, ['scan', 'package', 'db-sizes', 'e2e']);
  assert.ok(by.speed.runs.every((r) => ['speed', 'models', 'sizes'].includes(r.phase)));
  // The 32-bit seed-0 models are met first in the models phase: the speed part has them, quality finds them done.
  assert.ok(by.speed.runs.some((r) => r.id === 'mnist10k-deepquan-b32-s0') && by.speed.runs.some((r) => r.id === 'fashion70k-deepquan-b32-s0'));
  for (const [name, d, s] of [['quality-fashion70k-s1', 'fashion70k', '1'], ['clipart-s2', 'clipart', '2']]) {
    assert.ok(by[name].runs.length > 0);
    for (const r of by[name].runs) {
      assert.equal(r.dataset, d, `${name}: ${r.id}`);
      assert.equal(r.argv[r.argv.indexOf('--seed') + 1], s, `${name}: ${r.id}`);
    }
  }
  assert.ok(by['quality-mnist10k-s0'].runs.some((r) => r.id === 'mnist10k-deepquan-k16-b64-s0'), 'the K = 16 runs with their seed');
  assert.ok(by.grid.runs.every((r) => r.phase === 'grid'));
  for (const name of ['peers', 'peers-1m', 'peers-1m-edgevec', 'peers-1m-hnswlib']) {
    assert.deepEqual(by[name].steps, [name]);
    assert.equal(by[name].needs.id, 'fashion70k-deepquan-b32-s0', `${name} names the model it reads`);
    assert.equal(by[name].runs.length, 0);
  }
  // Issue 21's end to end runs on dq_golden's models: a step alone, no trained model needed.
  assert.deepEqual(by['k16-e2e'].steps, ['k16-e2e']);
  assert.equal(by['k16-e2e'].runs.length, 0);
  assert.equal(by['k16-e2e'].needs, undefined);
  // The gallery part runs Chromium too; the 1 M parts share the synthetic gallery and cut the engines between them.
  assert.ok(PEER_RUNS.peers.args.includes('--chromium'));
  const engines = ['peers-1m', 'peers-1m-edgevec', 'peers-1m-hnswlib'].flatMap((n) => {
    const a = PEER_RUNS[n].args;
    assert.deepEqual(a.slice(0, 4), ['--synthetic', '1000000', '--queries', '200'], n);
    return a[a.indexOf('--engines') + 1].split(',');
  });
  assert.deepEqual(engines.sort(), [...ENGINES].sort(), 'every engine once over the 1 M items');
  assert.equal(partOf(matrix.find((r) => r.id === 'clipart-l2-s0')), 'clipart-s0');
  // Quick mode: no parts of its own beyond its one invocation (no peers), and --part refuses it.
  assert.ok(!benchParts(buildMatrix(benchSettings({ quick: true })), benchSettings({ quick: true })).some((p) => p.name === 'peers'));
});

test('selectParts: names and patterns in the matrix order; an unknown name is refused with the list', () => {
  assert.deepEqual(selectParts(parts, ['grid', 'quality-mnist10k-*']).map((p) => p.name), ['quality-mnist10k-s0', 'quality-mnist10k-s1', 'quality-mnist10k-s2', 'grid']);
  assert.deepEqual(selectParts(parts, ['clipart-s1', 'clipart-*']).map((p) => p.name), ['clipart-s0', 'clipart-s1', 'clipart-s2'], 'each once');
  assert.throws(() => selectParts(parts, ['qualty-*']), /--part qualty-\*: no such part \(speed, quality-mnist10k-s0, .*peers-1m-hnswlib\)/);
  assert.deepEqual(parseOptions(['--part', 'speed,grid']).part, ['speed', 'grid']);
  for (const [argv, msg] of [[['--part', 'speed', '--only', 'x'], /give one of them/], [['--part'], /needs part names/], [['--part', ','], /needs part names/],
    [['--quick', '--part', 'speed'], /parts are those of the full benchmark/], [['--part', 'sp;eed'], /not a run-id pattern/]]) {
    assert.throws(() => parseOptions(argv), msg, argv.join(' '));
  }
});

const rec = (part, sources, extra = {}) => ({ part, mode: 'full', sources, revision: 'r', started: '2026-12-03T08:00:00.000Z', finished: '2026-12-03T09:00:00.000Z',
  complete: true, runs: [], steps: [], ...extra });

test('partsStatus: one report needs every part, complete, of one source hash', () => {
  const wanted = parts.map((p) => p.name);
  const all = wanted.map((p) => rec(p, 'aaaaaaaaaaaa'));
  assert.deepEqual(partsStatus(all, wanted), { sources: 'aaaaaaaaaaaa', one_source: true, complete: true, missing: [], incomplete: [], behind: [], other_sources: [], unreadable: [] });
  let st = partsStatus(all.filter((r) => r.part !== 'grid'), wanted);
  assert.equal(st.complete, false);
  assert.deepEqual(st.missing, ['grid']);
  // A part run again with newer sources: the report is for the newest part's hash, the older parts are of other sources.
  const newer = [...all.slice(1), rec('speed', 'bbbbbbbbbbbb', { finished: '2026-12-04T09:00:00.000Z' })];
  st = partsStatus(newer, wanted);
  assert.equal(st.sources, 'bbbbbbbbbbbb');
  assert.equal(st.one_source, false);
  assert.equal(st.other_sources.length, wanted.length - 1);
  assert.deepEqual(st.missing, wanted.filter((p) => p !== 'speed'));
  st = partsStatus(newer, wanted, 'aaaaaaaaaaaa');
  assert.deepEqual([st.sources, st.missing, st.other_sources], ['aaaaaaaaaaaa', ['speed'], [{ part: 'speed', sources: 'bbbbbbbbbbbb' }]], 'an asked-for hash');
  st = partsStatus(all.map((r) => (r.part === 'peers' ? { ...r, complete: false } : r)), wanted);
  assert.deepEqual([st.complete, st.incomplete], [false, ['peers']]);
  // A record made before its part grew (a run or step the part has now is not in it) is behind: not complete.
  const full = parts.map((p) => rec(p.name, 'aaaaaaaaaaaa', { runs: p.runs.map((x) => ({ id: x.id, status: 'done' })), steps: p.steps.map((n) => ({ name: n, rc: 0 })) }));
  st = partsStatus(full, parts);
  assert.deepEqual([st.complete, st.behind], [true, []]);
  const speed = parts.find((p) => p.name === 'speed');
  assert.ok(speed.runs.length >= 2 && speed.steps.length >= 2);
  const short = full.map((r) => (r.part === 'speed' ? { ...r, runs: r.runs.slice(1), steps: r.steps.slice(1) } : r));
  st = partsStatus(short, parts);
  assert.deepEqual([st.complete, st.behind], [false, [{ part: 'speed', runs: [speed.runs[0].id], steps: [speed.steps[0]] }]]);
  assert.deepEqual(partsStatus(short, wanted).behind, [], 'names alone cannot tell');
  // Records on disk: written atomically, an unreadable one reported rather than skipped.
  const raw = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-parts-'));
  writePartRecord(raw, rec('grid', 'aaaaaaaaaaaa'));
  fs.writeFileSync(path.join(raw, 'parts', 'speed.json'), '{"part": "speed", ');
  const got = readPartRecords(raw);
  assert.deepEqual(got.map((r) => r.part), ['grid', 'speed']);
  assert.match(got[1].unreadable, /JSON/);
  st = partsStatus(got, wanted);
  assert.deepEqual([st.one_source, st.unreadable], [false, ['speed']]);
  assert.deepEqual(fs.readdirSync(path.join(raw, 'parts')).filter((f) => f.includes('.tmp')), []);
  fs.rmSync(raw, { recursive: true, force: true });
});

test('--dry-run lists the parts; --dry-run --part lists the chosen ones and their runs; an unknown part exits 2', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-bench-parts-'));
  try {
    const env = { BUILD_DIR: path.join(dir, 'build') };
    let r = bench(['--dry-run', '--out', path.join(dir, 'B.md')], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ {2}speed +14 runs \+ scan, package, db-sizes, e2e: /m);
    assert.match(r.stdout, /^ {2}peers +0 runs \+ peers \(trains fashion70k-deepquan-b32-s0 if its directory is gone\)/m);
    r = bench(['--dry-run', '--part', 'clipart-s1', '--out', path.join(dir, 'B.md')], env);
    assert.equal(r.status, 0, r.stderr);
    const listed = r.stdout.split('\n').filter((l) => /^ +\d+ /.test(l)).map((l) => l.trim().split(/\s+/)[2]);
    assert.deepEqual(listed, parts.find((p) => p.name === 'clipart-s1').runs.map((x) => x.id));
    assert.match(r.stdout, /chosen: clipart-s1\)/);
    r = bench(['--dry-run', '--part', 'clipart-s9', '--out', path.join(dir, 'B.md')], env);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--part clipart-s9: no such part/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// A part with a stub cmake and the fake trainer (as bench-cli.test.mjs's --only test): its runs and nothing else,
// its record; then the report refuses to assemble the missing parts, writes them with --partial and says so, and
// reads only the runs of the part's sources.
test('--part runs its runs, records itself, resumes; bench-report assembles parts of one source hash only', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-bench-part-'));
  try {
    const { calls, env, trained } = stubBuild(dir);
    const out = path.join(dir, 'res', 'B.md'), raw = path.join(dir, 'res', 'bench');
    // A run of older sources already in the raw outputs: kept on disk, left out of the assembled report.
    fs.mkdirSync(path.join(raw, 'runs'), { recursive: true });
    fs.writeFileSync(path.join(raw, 'runs', 'mnist10k-pq-b64-s2.json'), JSON.stringify({ id: 'mnist10k-pq-b64-s2', status: 'ok', seconds: 1, command: 'x', sources: 'ffffffffffff' }));
    fs.writeFileSync(path.join(raw, 'runs', 'mnist10k-pq-b64-s2.report.json'), JSON.stringify({ command: 'baseline', trials: [{ seed: 2, evals: [{ mode: 'sdc', map_all: 0.9 }] }] }));
    const r = bench(['--part', 'grid', '--out', out], env);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.deepEqual(trained(), parts.find((p) => p.name === 'grid').runs.map((x) => x.id), 'the grid runs, in order, nothing else');
    assert.ok(!fs.existsSync(path.join(raw, 'logs/bench-scan.log')), 'no step of another part');
    const record = JSON.parse(fs.readFileSync(path.join(raw, 'parts', 'grid.json'), 'utf8'));
    assert.equal(record.part, 'grid');
    assert.equal(record.complete, true);
    assert.match(record.sources, /^[0-9a-f]{12}$/);
    assert.deepEqual(record.runs.map((x) => x.status), record.runs.map(() => 'ok'));
    assert.match(r.stderr, /part grid: complete \(0 failed runs, 0 failed steps\)/);
    // Again: everything found done (resumable), the record rewritten.
    const again = bench(['--part', 'grid', '--out', out], env);
    assert.equal(again.status, 0, again.stderr.slice(-2000));
    assert.equal(trained().length, record.runs.length, 'nothing trained twice');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(raw, 'parts', 'grid.json'), 'utf8')).runs.map((x) => x.status), record.runs.map(() => 'done'));
    // The report: refused while parts are missing, written with --partial, and of the part's sources only.
    const report = (args) => spawnSync('node', [path.join(root, 'scripts/bench-report.mjs'), '--raw', raw, '--out', out, '--pkg', path.join(dir, 'no-pkg'), ...args], { encoding: 'utf8' });
    let rep = report([]);
    assert.equal(rep.status, 1);
    assert.match(rep.stderr, /do not make one report of one source hash \(not run yet: speed, quality-mnist10k-s0, .*peers-1m-hnswlib\)/);
    assert.ok(!fs.existsSync(out));
    rep = report(['--partial']);
    assert.equal(rep.status, 0, rep.stderr);
    const md = fs.readFileSync(out, 'utf8');
    assert.match(md, new RegExp(`## Parts\\n\\nAssembled from the parts of source hash \`${record.sources}\``));
    assert.match(md, /\| grid \| `[0-9a-f]{12}` \| – \| `[^`]+` \| 2026-\d\d-\d\d \d\d:\d\d UTC \| [^|]+, \d+ cores, load \d+\.\d\d \| 10 \(0\) \| – \(0\) \| complete \|/);
    assert.match(md, /\*\*This report is partial\*\*: not run yet: speed, .*; 1 recorded run of other sources left out\./);
    assert.match(rep.stderr, /\(10 runs, 0 failed\), parts of sources [0-9a-f]{12} \(partial\)/, 'the older run is not counted');
    assert.equal(report(['--sources', 'nothex']).status, 2);
    // The parts that time the package (they have steps) must agree on wasm/'s hash, which the source hash leaves out.
    const stepRecord = (part, pkg) => writePartRecord(raw, { ...record, part, runs: [], steps: [{ name: part, rc: 0 }], package_sources: pkg });
    stepRecord('speed', 'aaaaaaaaaaaa');
    stepRecord('peers', 'aaaaaaaaaaaa');
    rep = report(['--partial']);
    assert.equal(rep.status, 0, rep.stderr);
    assert.match(fs.readFileSync(out, 'utf8'), /The package's figures \(parts (speed, peers|peers, speed)\) are all of wasm\/ hash `aaaaaaaaaaaa`\./);
    stepRecord('peers', 'bbbbbbbbbbbb');
    rep = report(['--partial']);
    assert.equal(rep.status, 0, rep.stderr);
    const mixed = fs.readFileSync(out, 'utf8');
    assert.match(mixed, /\*\*The package's figures are of different or unknown wasm\/ sources\*\*: .*peers `bbbbbbbbbbbb`/);
    assert.match(mixed, /\| peers \| `[0-9a-f]{12}` \| `bbbbbbbbbbbb` \|/);
    // The speed record above holds none of the speed part's runs and steps: the report says it is behind, not complete.
    const nSpeed = parts.find((p) => p.name === 'speed').runs.length;
    assert.match(mixed, new RegExp(`\\| speed \\| .* \\| \\*\\*behind the matrix\\*\\*: ${nSpeed} of ${nSpeed} runs not in its record \\([^)]*\\); steps not in its record: scan, package, db-sizes, e2e \\|`));
    assert.match(mixed, /recorded before the part grew, to run again: speed[;.]/);
    // A part under way: its finished runs are in the tables before its record exists, and the report says so.
    fs.writeFileSync(path.join(raw, 'runs', 'mnist10k-pq-b64-s2.json'), JSON.stringify({ id: 'mnist10k-pq-b64-s2', status: 'ok', seconds: 1, command: 'x', sources: record.sources }));
    rep = report(['--partial']);
    assert.equal(rep.status, 0, rep.stderr);
    const n2 = parts.find((p) => p.name === 'quality-mnist10k-s2').runs.length;
    assert.match(fs.readFileSync(out, 'utf8'), new RegExp(`started, no record yet \\(its finished runs are in the tables\\): quality-mnist10k-s2 \\(1 of ${n2} runs\\); not run yet: quality-mnist10k-s0,`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
