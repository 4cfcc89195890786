// The peers section of the report (issue 22): bench-peers.mjs's outputs of the peers parts (parts.mjs PEER_RUNS),
// the last dataset's gallery in Node and Chromium, and 1,000,000 synthetic items (three parts, one per group of
// engines, merged into one table: the same seeded gallery and queries). A part of other sources than the
// report's is left out and says so.
import path from 'node:path';
import { PEER_RUNS } from '../parts.mjs';
import { COLUMNS, rowCells, toSvg } from '../peers/report.mjs';
import { leaderLines } from '../peers/leaders.mjs';

const esc = (s) => String(s ?? '').replace(/\|/g, '\\|');

/// The peers.json of each peers part usable in this report: { name -> result | { left_out: why } }.
function peerResults(c) {
  const out = {};
  for (const [name, { out: dir }] of Object.entries(PEER_RUNS)) {
    const rec = c.parts?.records.find((r) => r.part === name);
    if (c.parts && (!rec || rec.sources !== c.parts.status.sources)) {
      out[name] = { left_out: rec ? `of other sources (\`${rec.sources}\`)` : 'not run yet' };
      continue;
    }
    const res = c.readJson(path.join(c.RAW, dir, 'peers.json'));
    out[name] = res ?? { left_out: `no ${dir}/peers.json (see logs/bench-${dir}.log)` };
  }
  return out;
}

function writeTable(doc, result) {
  const { w } = doc;
  const m = result.machine, d = result.data;
  w(`Revision \`${result.revision}\`, ${m.date}; ${m.cpu} (${m.cores} cores), Node ${m.node}, load at start ${m.load_at_start.map((x) => x.toFixed(2)).join(' ')}.`);
  w(`Data: ${d.source}; ${d.n.toLocaleString('en')} vectors of dimension ${d.d} (the model's z), ${d.nq} queries, k = ${result.k};` +
    ` DeepQuan: M = ${d.M}, K = ${d.K}, ${d.scan_kernel}. Timings: median (min–max) of ${result.runs} runs.`);
  w();
  w(`| ${COLUMNS.join(' | ')} |`);
  w(`| ${COLUMNS.map(() => '---').join(' | ')} |`);
  for (const r of result.rows) w(`| ${rowCells(r).map(esc).join(' | ')} |`);
  w();
  const lead = leaderLines(result.rows, result.data);
  if (lead.length) {
    w('Who leads, criterion by criterion (computed from the rows above):');
    w();
    for (const l of lead) w(l);
    w();
  }
}

export function writePeers(c, doc) {
  const { w } = doc;
  const res = peerResults(c);
  w('## Peers: the npm packages a user would pick instead');
  w();
  w('`scripts/bench-peers.mjs` (adapters in `scripts/bench/peers/`): every engine gets the same vectors, the trained');
  w('model\'s latent z of the gallery images, and the same queries; DeepQuan searches its own codes of the same');
  w('images, from the query image (its encoder\'s forward pass included) or from the query code (the scan alone).');
  w('recall@10 is against the exact float ranking of the same z; MAP@All by label needs a complete ranking, which');
  w('graph and tree indexes do not give. Page download: the package files a page loads (gzip -9) and what it must');
  w('fetch to search (a serialized index, or the f32 vectors when the index is built in the page).');
  w();
  const gal = res.peers;
  w('### The gallery, in Node and in Chromium');
  w();
  if (gal.left_out) w(`Not in this report: ${gal.left_out}.\n`);
  else {
    writeTable(doc, gal);
    const svg = c.figure('peers-latency-recall.svg', gal, toSvg);
    if (svg) w(`![latency against recall@10](${svg})\n`);
    for (const n of gal.notes ?? []) w(`- ${n}`);
    if (gal.notes?.length) w();
  }
  w('### 1,000,000 items: speed');
  w();
  const parts1m = ['peers-1m', 'peers-1m-edgevec', 'peers-1m-hnswlib'];
  const have = parts1m.filter((n) => !res[n].left_out);
  for (const n of parts1m.filter((x) => res[x].left_out)) w(`- part \`${n}\` not in this report: ${res[n].left_out}.`);
  if (have.length < parts1m.length) w();
  if (have.length) {
    // One table: the parts share the seeded synthetic gallery and queries (bench-peers.mjs --synthetic).
    const base = res[have[0]];
    const merged = { ...base, rows: have.flatMap((n) => res[n].rows), revision: [...new Set(have.map((n) => res[n].revision))].join(', ') };
    writeTable(doc, merged);
    w(`The rows come from ${have.length} part${have.length > 1 ? 's' : ''} (${have.map((n) => `\`${n}\``).join(', ')}), each its own run of bench-peers.mjs on the same seeded items and queries; the machine and load line is the first's.`);
    w();
    const svg = c.figure('peers-1m-latency-recall.svg', merged, toSvg);
    if (svg) w(`![latency against recall@10, 1 M items](${svg})\n`);
  }
}
