// The scan section of the report (bench-scan.sh's RESULT lines under RAW/scan/): M codes/s of our kernels
// (native, WASM SIMD128, WASM baseline) and of Faiss (Debian's generic python3-faiss and Faiss 1.7.3 built with
// AVX2 from Debian's source, the anchor the ratios are against: issue 22), the read bandwidth of the same run
// and each kernel's share of it, and batched queries against single ones.
//
// Every backend runs REPEAT times (bench.mjs: 3), each a process of its own timing 7 searches (our fast-scan:
// 20 different queries) and printing their best, median and slowest. A cell is the median over the runs of
// each run's median, with the range of those run medians: the spread between runs, which is what a reader
// repeating the benchmark would see. Ratios are of those medians.
import fs from 'node:fs';
import path from 'node:path';
import { median } from '../stats.mjs';

const BACKENDS = ['native', 'wasm-simd', 'wasm-scalar', 'faiss', 'faiss-avx2'];

/// RESULT lines of one file as key=value objects, each with the run (process) it came from: each process prints
/// every (what, mode, M, kernel) once, so a line repeating one of the current run's starts the next run.
export function readResults(file) {
  if (!fs.existsSync(file)) return [];
  const out = [], seen = new Set();
  let run = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('RESULT ')) continue;
    const kv = Object.fromEntries(line.split(/\s+/).slice(1).map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]));
    const id = `${kv.what} ${kv.mode} ${kv.M} ${kv.kernel} ${kv.bytes ?? ''}`;
    if (seen.has(id)) {
      run++;
      seen.clear();
    }
    seen.add(id);
    out.push({ ...kv, run });
  }
  return out;
}

const num = (x) => (x == null ? NaN : +x);
const spreadOf = (xs) => ({ median: median(xs), lo: Math.min(...xs), hi: Math.max(...xs), runs: xs.length });

/// The scan cases: key "what mode M" -> backend -> { kernel, top: spread of run medians of the figure the
/// ratios use (scan + top-10; 4-bit exact: the scan), best: the best search of all runs, scan: median of the
/// runs' best kernel-alone figure }. Per backend the kernel with the highest median is kept.
export function scanCases(raw) {
  const cases = new Map();
  for (const b of BACKENDS) {
    for (const r of readResults(path.join(raw, 'scan', `${b}.txt`))) {
      if (r.what === 'bandwidth' || r.what === 'batch16') continue;
      const key = `${r.what} ${r.mode} M=${r.M}`;
      if (!cases.has(key)) cases.set(key, {});
      const byKernel = ((cases.get(key)[b] ??= {})[r.kernel] ??= []);
      const hasTop = r.scan_top10 != null;
      byKernel.push({ med: num(hasTop ? r.scan_top10_median : r.scan_median), best: num(hasTop ? r.scan_top10 : r.scan), scan: num(r.scan) });
    }
  }
  for (const perBackend of cases.values()) {
    for (const [b, byKernel] of Object.entries(perBackend)) {
      const cand = Object.entries(byKernel).map(([kernel, rs]) => ({
        kernel, top: spreadOf(rs.map((x) => (Number.isFinite(x.med) ? x.med : x.best))), best: Math.max(...rs.map((x) => x.best)),
        scan: median(rs.map((x) => x.scan).filter(Number.isFinite)) ?? NaN,
      }));
      perBackend[b] = cand.sort((x, y) => y.top.median - x.top.median)[0];
    }
  }
  return cases;
}

const label = (key) => key.replace('scan8', '8-bit codes').replace('scan4_exact', '4-bit exact').replace('fastscan', 'fast-scan 4-bit');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const cell = (s) => (s ? `${f0(s.median)} (${f0(s.lo)}–${f0(s.hi)})` : '–');

export function writeScan(c, doc) {
  const { w, table } = doc;
  const { RAW, machine } = c;
  w(`### Scan: M codes/s, N = ${machine.scan_n.toLocaleString('en')} codes, one thread (\`scripts/bench-scan.sh\`)`);
  w();
  const cases = scanCases(RAW);
  if (cases.size === 0) {
    w('No scan results (see `logs/bench-scan.log`).\n');
    return;
  }
  const runsOf = [...cases.values()].flatMap((p) => Object.values(p).map((x) => x.top.runs));
  const hasAvx2 = [...cases.values()].some((p) => p['faiss-avx2']);
  const anchor = hasAvx2 ? 'faiss-avx2' : 'faiss';
  const ratio = (p, b, a) => (p[b] && p[a] ? (p[b].top.median / p[a].top.median).toFixed(2) : '–');
  table(['case', 'native (best kernel)', 'WASM SIMD128', 'WASM baseline', 'Faiss AVX2', 'Faiss generic (Debian)',
         `native / ${hasAvx2 ? 'AVX2' : 'generic'}`, `WASM SIMD / ${hasAvx2 ? 'AVX2' : 'generic'}`, 'native / generic', 'WASM SIMD / generic'],
  [...cases].map(([key, p]) => [label(key), cell(p.native?.top), cell(p['wasm-simd']?.top), cell(p['wasm-scalar']?.top), cell(p['faiss-avx2']?.top),
    cell(p.faiss?.top), ratio(p, 'native', anchor), ratio(p, 'wasm-simd', anchor), ratio(p, 'native', 'faiss'), ratio(p, 'wasm-simd', 'faiss')]));
  w(`Cells: scan + top-10 (4-bit exact: the scan alone), the median over ${Math.min(...runsOf)}–${Math.max(...runsOf)} runs of each run's`);
  w('median search, with the range of those run medians; ratios are of the medians. Each run is a process of its own');
  w('timing 7 searches of one query (our fast-scan: 20 different queries, its exact re-rank included), one thread, on');
  w('the very same codes (bench_scan dumps them; both Faiss builds read the dump unchanged). Faiss: `search(k = 10)`');
  w('of IndexPQ (8-bit codes) and IndexPQFastScan (fast-scan, which returns approximate distances; ours re-ranks a');
  w('candidate pool exactly). **Faiss AVX2** is Faiss 1.7.3 built from Debian\'s source package with');
  w('`FAISS_OPT_LEVEL=avx2` (`scripts/bench-faiss-avx2.sh`), in the same invocation as our kernels; Debian\'s');
  w('python3-faiss is a generic build without SIMD kernels (its fast-scan runs the portable fallback), shown for');
  w(`reference only. Kernels that ran: ${[...new Set([...cases.values()].flatMap((p) => ['native', 'wasm-simd'].map((b) => p[b]?.kernel).filter(Boolean)))].join(', ')}.`);
  w();
  writeBandwidth(c, doc, cases);
  writeBatch(c, doc);
}

// The read bandwidth bench_scan measures in the same process (a sequential sum of buffers of several sizes),
// and the share of it the kernel alone reaches on the bytes of codes it reads (M per 8-bit code, M / 2 per 4-bit
// one): against a buffer of the codes' own size (in cache as the codes are) and against 256 MiB (memory).
function writeBandwidth(c, doc, cases) {
  const { w, table } = doc;
  const bw = {};
  for (const b of ['native', 'wasm-simd']) {
    for (const r of readResults(path.join(c.RAW, 'scan', `${b}.txt`)).filter((x) => x.what === 'bandwidth')) {
      ((bw[b] ??= {})[+r.bytes] ??= []).push(num(r.gbs_median ?? r.gbs));
    }
  }
  if (!Object.keys(bw).length) return;
  const gb = (b, bytes) => (bw[b]?.[bytes] ? median(bw[b][bytes]) : NaN);
  w('Read bandwidth of this machine in the same runs (GB/s, median over runs of each run\'s median): ' +
    Object.entries(bw).map(([b, m]) => `${b} ${Object.keys(m).map(Number).sort((x, y) => x - y).map((k) => `${(k / 1e6).toFixed(1)} MB ${gb(b, k).toFixed(1)}`).join(', ')}`).join('; ') + '.');
  w();
  const rows = [];
  for (const [key, p] of cases) {
    const [what, , mS] = key.split(' ');
    if (what !== 'scan8' && what !== 'fastscan') continue;
    const M = +mS.slice(2), perCode = what === 'scan8' ? M : M / 2;
    const cells = ['native', 'wasm-simd'].map((b) => {
      const x = p[b];
      // bench_scan measures buffers of N x 2, 4 and 8 bytes (the codes' footprints at N codes) and of 256 MiB.
      const same = gb(b, c.machine.scan_n * perCode), mem = gb(b, 256 << 20);
      if (!x || !Number.isFinite(x.scan) || !Number.isFinite(same) || !Number.isFinite(mem)) return '–';
      const gbs = (x.scan * 1e6 * perCode) / 1e9;
      return `${gbs.toFixed(1)} GB/s: ${(gbs / same).toFixed(2)} / ${(gbs / mem).toFixed(2)}`;
    });
    rows.push([label(key), ...cells]);
  }
  table(['case (kernel alone)', 'native: read rate, share in cache / of memory', 'WASM SIMD128: the same'], rows);
  w('The kernel alone (fast-scan: the u16 kernel; 8-bit: the scan without top-k), median over runs of each run\'s best;');
  w('its bytes of codes per second over the sequential sum of a buffer of the same size (in cache, as the codes are)');
  w('and of 256 MiB (memory). A share above 1 against memory means the codes stayed in cache.');
  w();
}

function writeBatch(c, doc) {
  const { w, table } = doc;
  const rows = [];
  for (const b of ['native', 'wasm-simd', 'wasm-scalar']) {
    const by = {};
    for (const r of readResults(path.join(c.RAW, 'scan', `${b}.txt`)).filter((x) => x.what === 'batch16')) {
      (by[r.M] ??= []).push({ single: num(r.single_median ?? r.single), batch: num(r.batch_median ?? r.batch), identical: r.identical === '1', kernel: r.kernel });
    }
    for (const [M, rs] of Object.entries(by)) {
      const s = median(rs.map((x) => x.single)), bt = median(rs.map((x) => x.batch)), ratios = rs.map((x) => x.batch / x.single);
      rows.push([b, M, rs[0].kernel, f0(s), f0(bt), `${(bt / s).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
                 rs.every((x) => x.identical) ? 'yes' : '**no**', `${rs.length}`]);
    }
  }
  if (!rows.length) return;
  w('Batched queries, 8-bit ADC (K = 256): per-query M codes/s of 16 single searches and of one batch of 16 over the');
  w('same codes (median over runs of each run\'s median), the ratio (range over runs) and whether every batch result');
  w('was identical to its single search (ties included):');
  w();
  table(['backend', 'M', 'kernel', '16 singles', 'batch of 16', 'batch / singles', 'identical', 'runs'], rows);
}
