// Size: the wasm package files, model bytes per weight type, database bytes per 10,000 items.
import fs from 'node:fs';
import path from 'node:path';
import { pct, gz } from './markdown.mjs';

export function writeSize(c, doc) {
  const { w, table } = doc;
  const { RAW, readJson, runs, quick, datasets, evalsOf, pkg } = c;
  w('## Size');
  w();
  {
    // The browser entry and every module it imports statically (what a page loads besides the glue).
    const entry = ['index.mjs', 'pixels.mjs', 'sources.mjs', 'platform.mjs', 'module.mjs', 'options.mjs', 'database.mjs', 'download.mjs'];
    const files = ['deepquan-simd.wasm', 'deepquan-simd.mjs', 'deepquan.wasm', 'deepquan.mjs', ...entry];
    const rows = [];
    for (const f of files) {
      const p = path.join(path.resolve(pkg), f);
      if (!fs.existsSync(p)) { rows.push([f, 'missing', '–']); continue; }
      const b = fs.readFileSync(p);
      rows.push([`\`${f}\``, b.length.toLocaleString('en'), gz(b).toLocaleString('en')]);
    }
    const load = (names) => names.map((f) => path.join(path.resolve(pkg), f)).filter((p) => fs.existsSync(p)).map((p) => fs.readFileSync(p));
    for (const [label, names] of [['**what a SIMD128 engine loads** (simd .wasm + .mjs, the browser entry and its modules)', ['deepquan-simd.wasm', 'deepquan-simd.mjs', ...entry]],
                                  ['**what an engine without SIMD loads** (+ probe fails, baseline .wasm + .mjs)', ['deepquan.wasm', 'deepquan.mjs', ...entry]]]) {
      const bs = load(names);
      if (bs.length === names.length) rows.push([label, bs.reduce((a, b) => a + b.length, 0).toLocaleString('en'), bs.reduce((a, b) => a + gz(b), 0).toLocaleString('en') + ' (files gzipped one by one)']);
    }
    const d = datasets[0];
    w('WASM package (`wasm/dist` as built by the lead; bytes):');
    w();
    table(['file', 'raw', 'gzip (zlib level 9)'], rows);
    const mrows = [];
    for (const [wt, id] of [['f32', `${d}-deepquan-b32-s0`], ['f16', `${d}-weights-f16-b32-s0`], ['int8', `${d}-weights-int8-b32-s0`], ['int4', `${d}-weights-int4-b32-s0`]]) {
      const r = runs.find((x) => x.id === id);
      if (!r) { mrows.push([wt, 'not run', '–', '–']); continue; }
      if (r.status !== 'ok' || !r.report?.model) { mrows.push([wt, '**failed**', '–', '–']); continue; }
      // The model stays where the run wrote it (build/bench/runs/ID, beside the binary's build tree), not in RAW.
      const mp = [path.join(path.dirname(r.command.split(' ')[0]), '..', 'runs', id, 'model.dqm'),
                  path.resolve('build/bench/runs', id, 'model.dqm')].find((x) => fs.existsSync(x));
      const raw = r.report.model.model_bytes;
      const z = mp ? gz(fs.readFileSync(mp)).toLocaleString('en') : '–';
      const e = evalsOf(r).find((x) => x.mode === 'sdc');
      mrows.push([wt, raw.toLocaleString('en'), z, wt === 'f32' || !quick ? pct(e.map_all) : `${pct(e.map_all)} (size-only run: ${r.report.config.pretrain_iterations}+${r.report.training.log.iterations_run} iterations)`]);
    }
    const f32run = runs.find((x) => x.id === `${d}-deepquan-b32-s0` && x.report);
    const shape = f32run ? `784-${f32run.report.model.layers.join('-')}` : 'paper-shaped';
    w(`Model (\`model.dqm\`: ${shape} encoder + PQ codebooks, 32 bits, \`deepquan train --weights\`; bytes):`);
    w();
    table(['weights', 'raw', 'gzip (zlib level 9)', 'MAP@All SDC of that run'], mrows);
    const drows = [];
    for (const [f, what] of [['db10k-nothumbs.json', 'codes + ids + labels (`encode --no-thumbnails`)'], ['db10k-thumbs.json', 'with 28×28 thumbnails (default)']]) {
      const j = readJson(path.join(RAW, f));
      if (j) drows.push([what, j.raw.toLocaleString('en'), j.gzip.toLocaleString('en'), (j.raw / j.items).toFixed(1)]);
    }
    w('Database (`.dqdb`) for exactly 10,000 items (the mnist10k images encoded with the 32-bit model; bytes):');
    w();
    if (drows.length) table(['content', 'raw', 'gzip -9', 'bytes per item'], drows);
    else w('Not measured (no 32-bit model).\n');
    w('The codes themselves are 4 bytes per item at 32 bits (40,000 bytes per 10,000 items).');
    w();
  }
}
