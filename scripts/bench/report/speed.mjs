// Speed: scan (bench-scan.sh, scan.mjs), encode (bench-wasm.sh and the native CLI), end-to-end latency (bench-e2e.mjs),
// training time.
import fs from 'node:fs';
import path from 'node:path';
import { median } from '../stats.mjs';
import { pct, fmtMs } from './markdown.mjs';
import { writeScan } from './scan.mjs';
import { parseWasmLatency } from './wasm-latency.mjs';

/// The native CLI's one-thread encode per image, in ms: per repetition (10,000-image time − 1,000-image time) /
/// 9,000, then { runs, median, min, max } over the repetitions with a positive difference (under load a
/// difference of two wall-clock times can come out non-positive, which is no figure); null when there is none.
export function nativeEncode(db10k, db1k) {
  if (!db10k || !db1k) return null;
  const a = db10k.native_encode_seconds_runs ?? [db10k.native_encode_seconds_1thread];
  const b = db1k.native_encode_seconds_runs ?? [db1k.native_encode_seconds_1thread];
  const per = a.slice(0, b.length).map((t, i) => (1000 * (t - b[i])) / (db10k.items - db1k.items)).filter((x) => x > 0);
  return per.length ? { runs: per.length, median: median(per), min: Math.min(...per), max: Math.max(...per) } : null;
}

export function writeSpeed(c, doc) {
  const { w, table } = doc;
  const { RAW, readJson, machine, runs, datasets, find, evalsOf } = c;
  w('## Speed');
  w();
  w('Every timing is the median over its runs (3, each a process of its own, unless a row says otherwise) with the');
  w('range of the runs in brackets; latency rows give the median and the 90th percentile over the queries of a run');
  w('(end to end: also the 10th).');
  w();
  writeScan(c, doc);
  const e2e = readJson(path.join(RAW, 'e2e.json'));
  {
    w('### Encode: WASM vs native');
    w();
    const wl = fs.existsSync(path.join(RAW, 'logs/bench-wasm.log')) ? fs.readFileSync(path.join(RAW, 'logs/bench-wasm.log'), 'utf8') : '';
    const lat = parseWasmLatency(wl);
    const native = nativeEncode(readJson(path.join(RAW, 'db10k-nothumbs.json')), readJson(path.join(RAW, 'db1k-nothumbs.json')));
    const nativePer = native?.median ?? null;
    const cell = (x) => `${fmtMs(x.median)}${x.runs > 1 ? ` (${fmtMs(x.min)} – ${fmtMs(x.max)})` : ''}`;
    const rows = lat.encode.map((e) => [e.backend, `${e.bits}`, 'random weights, 784-500-500-2000-64 (dq_golden --bench: latent 64 at both code lengths)', cell(e), fmtMs(e.p90), nativePer ? (e.median / nativePer).toFixed(2) : '–']);
    if (e2e) for (const m of e2e.methods.filter((x) => x.what === 'encode'))
      rows.push([m.backend, `${e2e.model.bits}`, `trained model, ${e2e.queries} real queries`, `${fmtMs(m.latency.median_ms)}${m.latency.median_ms_range ? ` (${m.latency.median_ms_range.map(fmtMs).join(' – ')})` : ''}`,
                 fmtMs(m.latency.p90_ms), nativePer ? (m.latency.median_ms / nativePer).toFixed(2) : '–']);
    const march = machine.trainer_march ? `, -march ${machine.trainer_march}` : '';
    if (nativePer) rows.push([`native (\`deepquan encode --threads 1\`${march})`, '32', `trained model; (10,000-image run − 1,000-image run) / 9,000, batches of 4,096${native.runs > 1 ? `; ${native.runs} pairs of runs` : ''}`,
                              `${fmtMs(nativePer)}${native.runs > 1 ? ` (${fmtMs(native.min)} – ${fmtMs(native.max)})` : ''} per image`, '–', '1']);
    if (rows.length) table(['backend', 'bits', 'what', lat.runs > 1 ? `median per query (range of ${lat.runs} runs' medians)` : 'median per query', 'p90', '× native per image'], rows);
    else w('No encode figures (see logs/bench-wasm.log).\n');
    w('All models have the paper\'s encoder shape with a 64-D latent (784-500-500-2000-64, 1.77 M multiply-adds per image).');
    w('WASM rows encode one query at a time (the page\'s case). The native row is the CLI with one thread, per image');
    w('from the difference of two whole commands (10,000 and 1,000 images), which removes process start and model load');
    w('but keeps IDX decoding and database writing; it encodes in batches (matrix-matrix products), which favours it over');
    w('a single query. So the ratio is that of the two tools as used, not of one kernel against the other.');
    const srows = lat.search.map((x) => [x.backend, `${x.bits}`, x.codes, x.mode.toUpperCase(), cell(x), fmtMs(x.p90)]);
    if (srows.length) {
      w();
      w(`WASM package search latency, encode + scan + top-10, random codes (\`scripts/bench-wasm.sh\`; per run 200 queries, 50 for 1M${lat.runs > 1 ? `; ${lat.runs} runs, each a process of its own: the median of their medians and its range, the median p90` : '; one run'}):`);
      w();
      table(['backend', 'bits', 'codes', 'ranking', 'median', 'p90'], srows);
    } else w();
  }
  // End to end.
  {
    w('### End-to-end query latency in Node: encode + top-10');
    w();
    if (!e2e) w('Not run (no 32-bit model, or `bench-e2e.mjs` failed: see `logs/bench-e2e.log`).\n');
    else {
      const d = datasets[datasets.length - 1];
      const dq = find(d, 'deepquan', 32).find((r) => r.seed === 0 && r.status === 'ok');
      const l2 = find(d, 'l2', null).find((r) => r.seed === 0 && r.status === 'ok');
      const mapAll = (m) => {
        const e = /deepquan (SDC|ADC)/.test(m.name) && dq ? evalsOf(dq).find((x) => x.mode === m.mode)
          : /brute-force/.test(m.name) && l2 ? evalsOf(l2)[0] : null;
        return e ? pct(e.map_all) : '–';
      };
      const dl2 = e2e.methods.find((m) => /brute-force/.test(m.name));
      const rows = e2e.methods.filter((m) => m.what === 'search').map((m) => [
        m.name, `${fmtMs(m.latency.median_ms)}${m.latency.median_ms_range ? ` (${m.latency.median_ms_range.map(fmtMs).join(' – ')})` : ''}`, `${fmtMs(m.latency.p10_ms)} – ${fmtMs(m.latency.p90_ms)}`,
        dl2 ? (dl2.latency.median_ms / m.latency.median_ms).toFixed(1) : '–',
        pct(m.p_at_10), pct(m.map_at_10), m.recall_at_10_vs_exact != null ? pct(m.recall_at_10_vs_exact, 1) : '–', mapAll(m),
      ]);
      table(['method', 'median (range of passes)', 'p10 – p90', 'speed-up vs brute force', 'P@10', 'MAP@10', 'recall@10 vs exact L2', 'MAP@All'], rows);
      w(`${e2e.queries} queries (the held-out queries of \`${d}-deepquan-b32-s0\`) against its ${e2e.gallery.toLocaleString('en')}-item gallery,` +
        (e2e.methods[0]?.latency.passes ? ` ${e2e.methods[0].latency.passes} timed passes over all of them (each figure the median over the passes; the range is that of the pass medians),` : ''));
      w(`${e2e.model.bits}-bit model (${e2e.model.weightType} weights), Node ${e2e.node}, one thread. DeepQuan rows use the wasm package`);
      w('(`loadIndex`, `search(pixels, { k: 10 })`); the brute-force and hnswlib rows search the raw 784-D vectors of the same');
      w('gallery images (rebuilt from the database\'s stored thumbnails, which are the original images), starting from the');
      w('same pixel bytes. MAP@10 and P@10 are over the ten results (by label); MAP@All comes from the native evaluation of');
      w('the same model (`report.json`) and of `deepquan baseline --method l2`.');
      const h = e2e.methods.find((m) => /hnswlib/.test(m.name));
      if (h) w(`hnswlib-wasm ${e2e.hnswlib_version}: index built in ${h.build_seconds.toFixed(1)} s (M 16, efConstruction 200), its float vectors alone take ${(e2e.gallery * e2e.dim * 4 / 1048576).toFixed(1)} MiB (DeepQuan: ${e2e.model.M} bytes per item).`);
      if (e2e.hnswlib_error) w(`hnswlib-wasm failed: \`${e2e.hnswlib_error}\`.`);
      w();
    }
  }
}

export function writeTrainingTime(c, doc) {
  const { w, table } = doc;
  const { machine, runs, find } = c;
  {
    w('### Training time');
    w();
    const groups = {};
    // The speed runs (bench.sh: short runs at 1 and 2 threads on a quiet machine) get their own table first.
    const speedRows = [];
    for (const t of [1, 2]) {
      const rs = find('mnist10k', `speed-t${t}`, 32).filter((r) => r.status === 'ok' && r.report?.training?.log);
      if (!rs.length) continue;
      const l = rs.map((r) => r.report.training.log);
      const pre = l.map((x) => x.seconds_per_pretrain_iteration), alt = l.map((x) => x.seconds_per_iteration);
      const km = l.map((x) => x.kmeans_seconds / Math.max(1, x.iterations_run));
      const enc = l.map((x) => x.encode_seconds / Math.max(1, x.iterations_run));
      const sp = (xs) => (xs.length > 1 ? ` (${Math.min(...xs).toFixed(4)}–${Math.max(...xs).toFixed(4)})` : '');
      speedRows.push([`${t}`, `${rs.length}`, `${median(pre).toFixed(4)}${sp(pre)}`, t === 1 ? (median(pre) / 0.06).toFixed(3) : '–',
                      `${median(alt).toFixed(4)}${sp(alt)}`, t === 1 ? (median(alt) / 0.12).toFixed(3) : '–',
                      `${median(km).toFixed(4)} / ${median(enc).toFixed(4)}`]);
    }
    if (speedRows.length) {
      w('Per iteration, mnist10k, 32 bits, the default model: `deepquan train --dataset mnist10k --bits 32 --seed S --threads T');
      w('--pretrain-iterations 300 --iterations 340 --weights f32` (20 epochs), seeds 0-2, one at a time in the');
      w('speed section, before the quality runs, with nothing else of the benchmark running; median (range):');
      w();
      table(['threads', 'runs', 's / pretraining it. (batch 256)', '÷ 0.06', 's / alternating it. (batch 512, K-means included)', '÷ 0.12', 'of which K-means / encoding, s per it.'], speedRows);
      w('The reference figures (PyTorch on CPU, this network) are for one thread: the 1-thread row is the comparison.');
      w();
    } else {
      w('No training-speed runs at 1 and 2 threads (an older bench.sh, or they failed): see the runs below.');
      w();
    }
    for (const r of runs.filter((x) => x.status === 'ok' && x.report?.command === 'train' && !x.name.startsWith('weights') && !x.name.startsWith('speed-') && x.report.training?.log)) {
      const k = `${r.dataset} ${r.name.startsWith('grid') ? 'deepquan (λ/s grid)' : r.name} ${r.bits}`;
      (groups[k] ??= []).push(r);
    }
    // A run that loaded the shared pretrained autoencoder (bench.sh) did not spend its pretraining time;
    // the cache carries what that pretraining took, so the total stays the cost of a run from scratch.
    const totalSeconds = (r) => {
      const l = r.report.training.log;
      return l.total_seconds + (l.pretrained_cache === 'loaded' ? l.pretrain_seconds : 0);
    };
    const spread = (xs, dec = 3) => (xs.length > 1 ? `${Math.min(...xs).toFixed(dec)}–${Math.max(...xs).toFixed(dec)}` : '–');
    // Runs that loaded the shared pretrained autoencoder repeat the figure of the one pretraining they share
    // (same dataset, bits and seed): each pretraining counts once in the pretraining column.
    const byKey = (rs, key) => [...new Map(rs.map((r) => [key(r), r])).values()];
    const rows = Object.entries(groups).map(([k, rs]) => {
      const { dataset: d, bits } = rs[0];
      const name = k.split(' ').slice(1, -1).join(' ');
      const pretrainings = byKey(rs, (r) => `${r.dataset} ${r.bits} ${r.seed} ${r.report.training.log.settings?.pretrain_noise}`);
      const pre = pretrainings.map((r) => r.report.training.log.seconds_per_pretrain_iteration);
      const alt = rs.map((r) => r.report.training.log.seconds_per_iteration);
      const tot = rs.map(totalSeconds);
      const its = rs.map((r) => `${r.report.training.log.settings?.pretrain_iterations ?? r.report.config.pretrain_iterations}+${r.report.training.log.iterations_run}`);
      return { d, name, bits, cells: [d, name, `${bits}`, `${rs.length}`, `${median(pre).toFixed(3)} (${spread(pre)}; ${pre.length})`,
               `${median(alt).toFixed(3)} (${spread(alt)})`, `${median(tot).toFixed(0)} (${spread(tot, 0)})`, [...new Set(its)].join(', ')] };
    }).sort((a, b) => a.d.localeCompare(b.d) || a.name.localeCompare(b.name) || a.bits - b.bits).map((r) => r.cells);
    if (rows.length) {
      table(['dataset', 'variant', 'bits', 'runs', 's / pretrain it., median (range; pretrainings)', 's / alternating it., median (range)', 'total s, median (range)', 'pretrain + alternating iterations run'], rows);
    } else w('No successful training runs.\n');
    w('These are the quality runs: `--threads 2`, one run at a time, over the hours the benchmark takes, so they are');
    w('not set against the one-thread reference (0.06 / 0.12 s); the table above is that comparison. The alternating');
    w('figure includes the per-epoch K-means refits spread over the iterations. Runs that loaded their pretrained');
    w('autoencoder from the shared cache count the pretraining time recorded when it was made, and share its');
    w('per-iteration figure (counted once). Total: pretraining and alternating phases, without the final K-means,');
    w('export and evaluation (the whole command\'s wall-clock time is in the table of all runs).');
    if (c.parts) {
      w('Run in parts, a quality run may have shared the machine with other work of the session (a test suite, a');
      w('build): its time is a throughput figure, not a timing; the parts table gives each part\'s load at start.');
    }
    const f32 = find('fashion70k', 'speed-it3500', 32).filter((r) => r.status === 'ok' && r.report?.training?.log);
    if (f32.length) {
      // The whole command: training, the final K-means, export at four weight types and their evaluation.
      const t = f32.map((r) => r.seconds), logs = f32.map((r) => r.report.training.log);
      const m = (f, d) => { const v = logs.map(f); return `${median(v).toFixed(d)}${v.length > 1 ? ` (${Math.min(...v).toFixed(d)}–${Math.max(...v).toFixed(d)})` : ''}`; };
      const seeds = f32.map((r) => r.seed).sort();
      w(`Target: a 32-bit fashion70k run (pretraining + 3,500 alternating iterations) in under 15 minutes on 2 cores.`);
      w(`Measured (\`deepquan train --dataset fashion70k --bits 32 --seed S --threads 2 --iterations 3500\`, from scratch, whole`);
      w(`command, ${f32.length === 1 ? `one run, seed ${seeds[0]}` : `${f32.length} runs, seeds ${seeds.join(', ')}: median (range)`}): ${(median(t) / 60).toFixed(1)} min` +
        `${t.length > 1 ? ` (${(Math.min(...t) / 60).toFixed(1)}–${(Math.max(...t) / 60).toFixed(1)})` : ''} — ${t.every((x) => x <= 900) ? '**met**' : '**not met**'}; of it training ${m((l) => l.total_seconds / 60, 1)} min`);
      w(`(pretraining ${m((l) => l.pretrain_seconds, 0)} s at ${m((l) => l.seconds_per_pretrain_iteration, 3)} s/it., alternating ${m((l) => l.alternate_seconds, 0)} s at ${m((l) => l.seconds_per_iteration, 3)} s/it.), the rest the final`);
      w('K-means, export at four weight types and their evaluation.');
    } else {
      const g = groups['mnist10k deepquan 32'];
      if (g) {
        const r = g[0].report.training.log;
        const est = 4000 * r.seconds_per_pretrain_iteration + 3500 * r.seconds_per_iteration;
        w(`Target: a 32-bit fashion70k training in under 15 minutes. **Not measured in this run** (full mode with fashion70k measures it).`);
        w(`Extrapolation only, not a measurement: the default 4,000 pretraining + at most 3,500 alternating iterations at`);
        w(`this run's per-iteration costs on mnist10k (same batch sizes; loaded machine) would take ${(est / 60).toFixed(1)} min plus the K-means over`);
        w('the 7.7× larger gallery; run full mode for the real figure.');
      } else w('Target: a 32-bit fashion70k training in under 15 minutes: not measured.');
    }
    w();
  }
}
