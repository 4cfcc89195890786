#!/usr/bin/env node
// DeepQuan against the npm vector-search packages a user would pick instead (issue 22, peers part): the
// same vectors (the trained model's latent z of the gallery images), the same queries, one run. See
// scripts/README.md and `node scripts/bench-peers.mjs --help`; adapters in scripts/bench/peers/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseOptions, UsageError, helpText } from './bench/peers/options.mjs';
import { exactTopK } from './bench/peers/metrics.mjs';
import { vectorHelpers } from './bench/peers/vectors.mjs';
import { runEngine, gzipBytes } from './bench/peers/runner.mjs';
import { writeOutputs } from './bench/peers/report.mjs';
import { cpuInfo } from './bench/machine.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (s) => console.error(`[bench-peers] ${s}`);
let opt;
try {
  opt = parseOptions(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`bench-peers: ${e.message}\n(--help for the options)`);
  process.exit(2);
}
if (opt.help) { console.log(helpText()); process.exit(0); }

const git = (args) => { try { return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; } };
// Uncommitted changes to the code only: the benchmark's own outputs under results/ are not what was measured.
const revision = (git(['rev-parse', 'HEAD']) ?? 'unknown') +
  (git(['status', '--porcelain', '--untracked-files=no', '--', 'core', 'trainer', 'wasm', 'web', 'scripts', 'CMakeLists.txt']) ? ' + uncommitted changes' : '');
const d0 = new Date();
const { cpu, simd } = cpuInfo(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '');
const machine = { cpu, simd_flags: simd, cores: os.availableParallelism(), mem_gib: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version,
                  kernel: `${os.type()} ${os.release()}`, load_at_start: os.loadavg(), date: d0.toISOString().replace(/:\d\d\.\d+Z$/, ' UTC').replace('T', ' ') };

const pkgDir = path.resolve(root, opt.pkg), runDir = path.resolve(opt.run);
for (const f of ['model.dqm', 'gallery.dqdb', 'queries.dqdb']) {
  if (!fs.existsSync(path.join(runDir, f))) { console.error(`bench-peers: ${path.join(runDir, f)} is missing (--run wants a \`deepquan train --out DIR\` directory)`); process.exit(2); }
}
if (!fs.existsSync(path.join(pkgDir, 'node.mjs'))) { console.error(`bench-peers: no package at ${pkgDir} (cmake --preset wasm && cmake --build --preset wasm, or --pkg DIR)`); process.exit(2); }
const dq = await import(pathToFileURL(path.join(pkgDir, 'node.mjs')).href);
const model = path.join(runDir, 'model.dqm'), galleryDb = path.join(runDir, 'gallery.dqdb');

// Gallery and query images: the databases' thumbnails, which must be the model's input shape (exact pixels).
const main = await dq.loadIndex({ model, database: galleryDb });
const info = main.info, D = info.latentDim, inShape = [info.height, info.width, info.channels];
const dataset = info.meta?.dataset ?? null;
if (opt.dataset && dataset && opt.dataset !== dataset) { console.error(`bench-peers: --dataset ${opt.dataset}, but the model was trained on ${dataset}`); process.exit(2); }
if (!info.hasThumbnails || info.thumbShape.join('x') !== inShape.join('x')) {
  console.error(`bench-peers: the gallery's thumbnails (${info.thumbShape?.join('x') ?? 'none'}) are not the model's input (${inShape.join('x')}): its images cannot be re-embedded`);
  process.exit(2);
}
const qdb = await dq.readDatabase(path.join(runDir, 'queries.dqdb'));
const inDim = inShape.reduce((a, b) => a * b, 1);

let galleryImages, galleryIds, galleryLabels, queryImages, queryLabels, source;
let seed = 12345;
const rand = () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed; };
if (opt.synthetic) {
  // Each synthetic item: a seeded random gallery image with every pixel moved by a seeded amount in [-24, 24],
  // so its z lies where the model's z lie (images of random pixels all fall into one corner of the latent
  // space, where neither PQ nor a graph has anything to tell apart). The queries are the run's queries.
  const n = opt.quick ? Math.min(opt.synthetic, 2000) : opt.synthetic;
  const base = Array.from({ length: info.size }, (_, i) => main.thumbnail(i));
  galleryImages = Array.from({ length: n }, () => {
    const b = base[rand() % base.length], im = new Uint8Array(inDim);
    for (let i = 0; i < inDim; i++) im[i] = Math.max(0, Math.min(255, b[i] + (rand() >>> 24) % 49 - 24));
    return im;
  });
  galleryIds = Uint32Array.from({ length: n }, (_, i) => i);
  const nq = Math.min(qdb.size, opt.queries || (opt.quick ? 50 : qdb.size));
  const px = qdb.thumbShape.reduce((a, b) => a * b, 1);
  queryImages = Array.from({ length: nq }, (_, i) => qdb.thumbnails.subarray(i * px, (i + 1) * px));
  galleryLabels = queryLabels = null;
  source = `synthetic: ${n} jittered copies of ${dataset ?? 'the run'}'s gallery images (no labels), the run's queries`;
} else {
  const n = opt.quick ? Math.min(info.size, 2000) : info.size;
  const ids = main.ids(), labels = main.labels();
  galleryImages = Array.from({ length: n }, (_, i) => main.thumbnail(i));
  galleryIds = ids.slice(0, n);
  galleryLabels = labels ? labels.slice(0, n) : null;
  const nq = Math.min(qdb.size, opt.queries || (opt.quick ? 50 : qdb.size));
  const px = qdb.thumbShape.reduce((a, b) => a * b, 1);
  queryImages = Array.from({ length: nq }, (_, i) => qdb.thumbnails.subarray(i * px, (i + 1) * px));
  queryLabels = qdb.labels ? qdb.labels.slice(0, nq) : null;
  source = `${dataset ?? 'run'} gallery (${runDir})${n < info.size ? `, first ${n} of ${info.size}` : ''}`;
}
const n = galleryImages.length, nq = queryImages.length;
log(`embedding ${n} gallery and ${nq} query images (d = ${D})`);
const embedAll = (imgs) => { const z = new Float32Array(imgs.length * D); imgs.forEach((im, i) => z.set(main.embed(im), i * D)); return z; };
const gallery = embedAll(galleryImages), queries = embedAll(queryImages);

// The DeepQuan index of exactly these items: the run's gallery.dqdb when it is all of it, else built by addBatch.
const fullGallery = !opt.synthetic && n === info.size;
let dqBytes = null;
const galleryBytes = () => {
  if (dqBytes) return dqBytes;
  if (fullGallery) return (dqBytes = fs.readFileSync(galleryDb));
  const ix = dq.loadIndex({ model });
  return ix.then((x) => { // in chunks: one addBatch copies its images into the heap at once
    for (let i = 0; i < n; i += 10000) x.addBatch(galleryImages.slice(i, i + 10000), galleryIds.subarray(i, i + 10000), galleryLabels?.subarray(i, i + 10000) ?? null);
    dqBytes = x.save(); x.dispose(); return dqBytes;
  });
};
main.dispose();
const deepquanIndex = async ({ pool } = {}) => {
  const database = await galleryBytes();
  const index = pool ? await dq.loadSearchPool({ model, database, workers: pool }) : await dq.loadIndex({ model, database });
  return { index, ids: galleryIds };
};
const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
const dqPageFiles = fs.readdirSync(pkgDir).filter((f) => f.endsWith('.mjs') && !/^(node|node-files|idx-file|deepquan)\.mjs$/.test(f)).concat(['deepquan-simd.wasm']);
// (A synthetic gallery's database is built only when DeepQuan runs: a million images through the encoder.)
const deepquanPageIndex = !opt.engines.includes('deepquan') ? null
  : { bytes: gz(fs.readFileSync(model)) + gz(await galleryBytes()), what: `model.dqm + gallery.dqdb, gzip (with thumbnails and labels when it has them; the codes alone: ${n * info.M} B)` };

// The same gallery as a streamed collection (`deepquan export-collection`, --trainer): what a page fetches before
// its first search is the model and the codes; the thumbnails come per media file, for the hits shown.
// A failed export is the collection row's failure, with the reason; the other engines still run.
async function exportCollection() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-peers-collection-'));
  process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
  let db = galleryDb;
  if (!fullGallery) fs.writeFileSync(db = path.join(work, 'gallery.dqdb'), await galleryBytes());
  const dir = path.join(work, 'collection'), manifestFile = path.join(dir, 'collection.json');
  log(`exporting the gallery as a collection (${opt.trainer} export-collection)`);
  try {
    execFileSync(path.resolve(opt.trainer), ['export-collection', '--model', model, '--db', db, '--out', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const why = `${opt.trainer} export-collection failed: ${String(e.stderr?.length ? e.stderr : e.message).trim().split('\n').pop()}`;
    log(why);
    return { dir: null, open: async () => { throw new Error(why); }, pageIndex: null };
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const codes = manifest.codes.map((c) => gz(fs.readFileSync(path.join(dir, c.file)))).reduce((a, b) => a + b, 0);
  const media = manifest.media?.files ?? [];
  const mediaGz = media.map((f) => gz(fs.readFileSync(path.join(dir, f.file)))).reduce((a, b) => a + b, 0);
  return {
    dir, open: async () => { const c = await dq.openCollection({ model, collection: manifestFile }); await c.loaded; return c; },
    pageIndex: { bytes: gz(fs.readFileSync(model)) + gz(fs.readFileSync(manifestFile)) + codes,
                 what: `model.dqm + collection.json + ${manifest.codes.length} codes file(s), gzip, before the first search (the codes: ${codes} B); ` +
                       (media.length ? `then per hit its media file of ${manifest.media.itemsPerFile} thumbnails, ${(mediaGz / media.length / 1e3).toFixed(1)} kB gzip on average (${media.length} files, ${mediaGz} B in all)` : 'no thumbnails') },
  };
}
const deepquanCollection = opt.engines.includes('deepquan') && opt.trainer ? await exportCollection() : null;

const { signBits, centered } = vectorHelpers(gallery, n, D);
const data = { d: D, n, nq, gallery, queries, queryImages, ids: galleryIds, signBits, centered, deepquanIndex, deepquanPageIndex, deepquanCollection,
               vectorsGzipBytes: gz(Buffer.from(gallery.buffer, gallery.byteOffset, gallery.byteLength)) };

const K = 10;
log(`exact top-${K} of ${nq} queries over ${n} vectors`);
const truth = exactTopK(gallery, queries, D, K);
const ctx = { root, dq, quick: opt.quick, runs: opt.runs, k: K, truth, log, collection: !!deepquanCollection,
              labels: galleryLabels && queryLabels ? { gallery: galleryLabels, queries: queryLabels } : null,
              packageGzip: (engine) => (engine === 'deepquan' ? gzipBytes(pkgDir, dqPageFiles) : engine === 'exact' ? 0 : null) };
const files = { deepquan: 'deepquan.mjs', exact: 'exact.mjs', edgevec: 'edgevec.mjs', usearch: 'usearch.mjs', 'hnswlib-wasm': 'hnswlib.mjs', 'voy-search': 'voy.mjs' };
const rows = [];
for (const e of opt.engines) {
  const adapter = await import(`./bench/peers/${files[e]}`);
  rows.push(...await runEngine(adapter, ctx, data));
}
if (opt.chromium) {
  const { runChromium } = await import('./bench/peers/browser.mjs');
  await runChromium({ root, pkgDir, engines: opt.engines, rows, data, files: { model, galleryBytes, collection: deepquanCollection?.dir }, truth, runs: opt.runs, k: K, quick: opt.quick, log });
}
const result = {
  what: 'bench-peers', revision, machine, quick: opt.quick, runs: opt.runs, k: K, chromium: opt.chromium,
  data: { source, dataset, synthetic: !!opt.synthetic, n, nq, d: D, M: info.M, K: info.K, scan_kernel: info.scanKernel, backend: info.backend },
  notes: [
    'DeepQuan queries are images: its latency includes the encoder forward pass; the "query code given" row is the scan alone. The peers get z.',
    'recall@10 is against the exact float ranking of the same z (squared L2, ties by position); MAP@All by label needs a complete ranking, which graph and tree indexes do not give.',
    'b1 settings use the sign of z minus the gallery mean, packed 8 dimensions a byte, searched by Hamming distance.',
    'usearch i8 normalizes every vector (measured on 2.25.3, under metric l2sq too): it ranks by angle, so its recall against the L2 ranking is low by construction.',
    'Page download: the package files a page loads (gzip -9) plus what it must fetch to search: a serialized index, or the f32 vectors when the index is built in the page.',
  ],
  rows,
};
const out = writeOutputs(path.resolve(root, opt.out), result);
log(`wrote ${Object.values(out).join(', ')}`);
process.exit(0);
