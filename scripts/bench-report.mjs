// Turns the raw outputs of scripts/bench.sh (results/bench/: runs/*.json, *.report.json, scan/*.txt,
// logs/bench-wasm.log, e2e.json, db10k-*.json, machine.json) into the markdown report and its SVG
// figures (written beside the raw files, which the report links). Reports only what the runs wrote: a run
// that failed or did not happen is shown as such. The report itself is scripts/bench/report/ (importable).
//
//   node scripts/bench-report.mjs --raw results/bench [--pkg wasm/dist] --out results/BENCHMARKS.md
import { writeReport } from './bench/report/index.mjs';

const args = process.argv.slice(2);
const opt = { raw: 'results/bench', pkg: 'wasm/dist', out: 'results/BENCHMARKS.md' };
for (let i = 0; i < args.length; i++) {
  const k = args[i].replace(/^--/, '');
  if (!(k in opt) || i + 1 >= args.length) {
    console.error(`bench-report: unexpected argument '${args[i]}' (expected --raw DIR, --pkg DIR, --out FILE)`);
    process.exit(2);
  }
  opt[k] = args[++i];
}
try {
  const r = writeReport(opt);
  console.error(`bench-report: wrote ${r.out} (${r.runs} runs, ${r.failed} failed)`);
} catch (e) {
  if (e.code !== 'NO_MACHINE') throw e;
  console.error(`bench-report: ${e.message}`);
  process.exit(1);
}
