// Turns the raw outputs of scripts/bench.sh (results/bench/: runs/*.json, *.report.json, scan/*.txt,
// logs/bench-wasm.log, e2e.json, db10k-*.json, machine.json) into the markdown report and its SVG
// figures (written beside the raw files, which the report links). Reports only what the runs wrote: a run
// that failed or did not happen is shown as such. The report itself is scripts/bench/report/ (importable).
//
//   node scripts/bench-report.mjs --raw results/bench [--pkg wasm/dist] --out results/BENCHMARKS.md [--sources HASH] [--partial]
import { writeReport, loadReportData } from './bench/report/index.mjs';

const args = process.argv.slice(2);
const opt = { raw: 'results/bench', pkg: 'wasm/dist', out: 'results/BENCHMARKS.md', sources: null };
let partial = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--partial') {
    partial = true;
    continue;
  }
  const k = args[i].replace(/^--/, '');
  if (!args[i].startsWith('--') || !(k in opt) || i + 1 >= args.length) {
    console.error(`bench-report: unexpected argument '${args[i]}' (expected --raw DIR, --pkg DIR, --out FILE, --sources HASH, --partial)`);
    process.exit(2);
  }
  opt[k] = args[++i];
}
if (opt.sources != null && !/^[0-9a-f]{12}$/.test(opt.sources)) {
  console.error(`bench-report: --sources '${opt.sources}' is not a 12-digit source hash`);
  process.exit(2);
}
try {
  // Raw outputs made in parts (bench.sh --part) make a report only when every part is there, of one source hash;
  // --partial writes what there is, and the report says what is missing.
  const data = loadReportData(opt);
  const st = data.parts?.status;
  if (st && !(st.complete && st.one_source) && !partial) {
    const why = [st.missing.length && `not run yet: ${st.missing.join(', ')}`, st.incomplete.length && `incomplete: ${st.incomplete.join(', ')}`,
      st.other_sources.length && `of other sources than ${st.sources}: ${st.other_sources.map((x) => `${x.part} (${x.sources})`).join(', ')}`,
      st.unreadable.length && `unreadable: ${st.unreadable.join(', ')}`].filter(Boolean);
    console.error(`bench-report: the parts in ${data.RAW}/parts do not make one report of one source hash (${why.join('; ')});` +
      ' run those parts (scripts/bench.sh --part NAME), or give --partial to write what there is');
    process.exit(1);
  }
  const r = writeReport(opt);
  console.error(`bench-report: wrote ${r.out} (${r.runs} runs, ${r.failed} failed)${st ? `, parts of sources ${st.sources}${partial && !st.complete ? ' (partial)' : ''}` : ''}`);
} catch (e) {
  if (e.code !== 'NO_MACHINE') throw e;
  console.error(`bench-report: ${e.message}`);
  process.exit(1);
}
