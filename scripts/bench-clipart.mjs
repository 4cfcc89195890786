// Writes the openclipart figures (issue 19; scripts/bench/report/clipart.mjs) from the raw outputs of
// `scripts/bench.sh --only 'clipart-*'`, optionally joined with an earlier clipart.json whose raw records are
// gone (--carry: same source hash only; its seeds are pooled exactly, and marked † in the table).
//
//   node scripts/bench-clipart.mjs --raw RAW [--carry results/bench/clipart/clipart.json] --out results/bench/clipart
import path from 'node:path';
import fs from 'node:fs';
import { writeClipartFiles } from './bench/report/clipart.mjs';

const args = process.argv.slice(2);
const opt = { raw: null, carry: null, out: null };
for (let i = 0; i < args.length; i++) {
  const k = args[i].startsWith('--') ? args[i].slice(2) : null;
  if (k == null || !(k in opt) || i + 1 >= args.length) {
    console.error(`bench-clipart: unexpected argument '${args[i]}' (expected --raw DIR, --carry FILE, --out DIR)`);
    process.exit(2);
  }
  opt[k] = args[++i];
}
if (!opt.raw || !opt.out) {
  console.error('bench-clipart: --raw DIR and --out DIR are required');
  process.exit(2);
}
const machineFile = path.join(opt.raw, 'machine.json');
if (!fs.existsSync(machineFile) || !fs.existsSync(path.join(opt.raw, 'runs'))) {
  console.error(`bench-clipart: ${opt.raw} holds no benchmark outputs (machine.json, runs/); run scripts/bench.sh --only 'clipart-*' first`);
  process.exit(1);
}
// The carried file is read before anything is written: --out may be the very folder it lies in.
try {
  const r = writeClipartFiles({ raw: opt.raw, machine: JSON.parse(fs.readFileSync(machineFile, 'utf8')), out: opt.out, carry: opt.carry });
  if (!r) {
    console.error(`bench-clipart: no clip-art run in ${opt.raw}`);
    process.exit(1);
  }
  for (const g of r.summary) console.error(`${g.bits} bits: ${g.goal.map((x) => `${x.ranking} ${(100 * x.margin_over_best_baseline).toFixed(2)} over ${x.best_baseline?.method} (${x.seeds} seeds): ${x.met}`).join('; ')}`);
  console.error(`bench-clipart: wrote ${r.files.join(', ')}`);
} catch (e) {
  if (e.code === 'ENOENT' || /^carried /.test(e.message)) {
    console.error(`bench-clipart: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
