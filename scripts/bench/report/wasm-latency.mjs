// The WASM package's encode and search latency as bench-wasm.sh logs it (scripts/bench/wasm-latency.mjs, REPEAT
// runs, each after a line "== run R of N"; a log of older sources has one run and no such line): per backend and
// bits the median over the runs of each run's median, the range of those medians and the median p90.
import { median } from '../stats.mjs';

const summary = (meds, p90s) => ({ runs: meds.length, median: median(meds), min: Math.min(...meds), max: Math.max(...meds), p90: median(p90s) });

/// { runs, encode: [{ backend, bits, runs, median, min, max, p90 }], search: [{ backend, bits, codes, mode, ... }] }
/// in the order of the first run; a row missing from a later run counts the runs it has.
export function parseWasmLatency(text) {
  const chunks = /^== run \d+ of \d+$/m.test(text) ? text.split(/^== run \d+ of \d+$/m).slice(1) : [text];
  const enc = new Map(), srch = new Map();
  const add = (map, key, row, med, p90) => {
    if (!map.has(key)) map.set(key, { row, meds: [], p90s: [] });
    map.get(key).meds.push(med);
    map.get(key).p90s.push(p90);
  };
  let runs = 0;
  for (const chunk of chunks) {
    const blocks = [...chunk.matchAll(/== (\S+) (\d+)-bit: encode .*? median ([\d.]+) ms, p90 ([\d.]+) ms([\s\S]*?)(?=\n==|$)/g)];
    if (blocks.length) runs++;
    for (const b of blocks) {
      const backend = b[1], bits = +b[2];
      add(enc, `${backend}/${bits}`, { backend, bits }, +b[3], +b[4]);
      for (const m of b[5].matchAll(/search (sdc|adc) k=10 over ([\d,]+) codes \(incl\. encode\): median ([\d.]+) ms, p90 ([\d.]+) ms/g)) {
        add(srch, `${backend}/${bits}/${m[2]}/${m[1]}`, { backend, bits, codes: m[2], mode: m[1] }, +m[3], +m[4]);
      }
    }
  }
  const rows = (map) => [...map.values()].map(({ row, meds, p90s }) => ({ ...row, ...summary(meds, p90s) }));
  return { runs, encode: rows(enc), search: rows(srch) };
}
