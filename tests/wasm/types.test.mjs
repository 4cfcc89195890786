// index.d.ts type-checks against a usage sample under `tsc --strict` (skipped, with the reason, when
// the workspace's devDependency `typescript` is not installed: npm ci; or point DQ_TSC at a tsc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, DIST, tmpDir } from './_helpers.mjs';

const TSC = process.env.DQ_TSC || path.join(ROOT, 'node_modules/.bin/tsc');

const SAMPLE = `
import loadIndexDefault, { loadIndex, simdSupported, version, DeepQuanIndex, Hit, IndexInfo, Pixels, readDatabase, DatabaseContents, download, DownloadProgress,
  saveToIndexedDB, loadFromIndexedDB, removeFromIndexedDB, opfsSupported, saveToOPFS, loadFromOPFS, removeFromOPFS, WasmFiles,
  loadSearchPool, SearchPool, openCollection, Collection, CollectionHit, HEAP_LIMIT } from 'deepquan';
export async function main(): Promise<void> {
  const index: DeepQuanIndex = await loadIndex({ model: 'model.dqm', database: new Uint8Array(4), simd: 'auto',
    onProgress: (p) => console.log(p.phase, p.loaded, p.total) });
  const px: Pixels = new Float32Array(784);
  const hits: Hit[] = index.search(px, { k: 5, mode: 'adc' });
  const fast: Hit[] = index.search(px, { k: 5, pool: 200 });
  const exact: Hit[] = index.search(px, { k: 5, exact: true });
  const kernels: string = index.info.scanKernel + index.info.exactScanKernel + index.info.batchScanKernel;
  const kind: 'pixels' | 'features' = index.info.inputKind;
  const standardized: boolean = index.info.standardized;
  console.log(fast, exact, kernels, kind, standardized);
  const label: number | null = hits[0].label;
  const all: Hit[][] = index.searchBatch([px, new Uint8Array(784), { data: new Uint8ClampedArray(16), width: 2, height: 2 }]);
  const code: Uint8Array = index.encode(px);
  const input: Uint8Array = index.preprocess({ data: new Uint8Array(16), width: 2, height: 2 });
  const bg: string = index.info.background;
  const fromFiles: boolean = index.info.fromImageFiles;
  console.log(input, bg, fromFiles);
  const z: Float32Array = index.embed(px);
  index.add(px, 3);
  index.add(px, 4, 1);
  const thumb: Uint8Array = index.thumbnail({ id: 3 });
  const info: IndexInfo = index.info;
  const shape: [number, number, number] | null = info.thumbShape;
  const backend: 'wasm-simd128' | 'wasm-baseline' = index.backend;
  const used: number = index.memoryUsage().usedBytes;
  const simd: boolean = simdSupported();
  const v: string = version;
  const other = await loadIndexDefault({ model: new URL('file:///x') });
  const near: Hit[] = index.searchCode(index.code(0));
  const labels: Int32Array | null = index.labels();
  const ids: Uint32Array = index.ids();
  const meta: Record<string, unknown> | null = info.meta;
  const db: DatabaseContents = await readDatabase('queries.dqdb', { simd: false, onProgress: (p) => console.log(p.loaded) });
  const dbShape: [number, number, number] | null = db.thumbShape;
  const dbLabels: Int32Array | null = db.labels;
  const names: string[] | null = db.strings;
  const files: (Uint8Array | null)[] = await download([{ name: 'model.dqm', url: 'model.dqm' }, { name: 'q', url: new URL('http://x/q'), optional: true }],
    { onProgress: (p: DownloadProgress) => console.log(p.phase, p.total, p.files[0].missing), init: { cache: 'no-store' } });
  const saved: Uint8Array = index.save();
  const n: number = await saveToIndexedDB('g', index, { database: 'app', store: 'dbs' }) + await saveToIndexedDB('h', saved);
  const back: Uint8Array | null = await loadFromIndexedDB('g');
  await removeFromIndexedDB('g');
  if (opfsSupported()) await saveToOPFS('g.dqdb', saved.buffer as ArrayBuffer);
  const fromOpfs: Uint8Array | null = await loadFromOPFS('g.dqdb');
  await removeFromOPFS('g.dqdb');
  const wasm: WasmFiles = { simd: '/static/deepquan-simd.wasm', baseline: new Uint8Array(8) };
  const viaUrl = await loadIndex({ model: 'm.dqm', wasm: { simd: new URL('https://cdn.example/deepquan-simd.wasm') } });
  await readDatabase('q.dqdb', { wasm });
  const pool: SearchPool = await loadSearchPool({ model: 'm.dqm', database: 'g.dqdb', workers: 2, workerUrl: '/w.js' });
  const pooled: Hit[] = await pool.search(px, { k: 3 });
  const shards: number[] = pool.info.shardSizes;
  const rows: Hit[][] = await pool.searchBatch([px], { mode: 'adc' });
  const onlySome: Hit[] = index.search(px, { k: 3, filter: { labels: [1, 2], excludeIds: new Uint32Array([4]) } });
  const evens: Hit[] = await pool.search(px, { filter: (p: number) => p % 2 === 0 });
  const removed: number = index.remove([1, 2]);
  index.removeAt(0);
  // @ts-expect-error a filter's keys are labels, ids, excludeIds, bitmap
  index.search(px, { filter: { label: [1] } });
  console.log(onlySome, evens, removed);
  pool.dispose();
  // @ts-expect-error a pool needs a database
  await loadSearchPool({ model: 'm.dqm' });
  const col: Collection = await openCollection({ model: 'm.dqm', collection: new URL('https://x/c/collection.json'), onProgress: (p) => console.log(p.items, p.totalItems) });
  const found: { hits: CollectionHit[]; covered: number; total: number } = col.search(px, { k: 5 });
  const thumbOf: Uint8Array = await col.thumbnail(found.hits[0].position);
  await col.loaded;
  const added: number = await index.addDatabase('more.dqdb');
  col.dispose();
  console.log(n, back, fromOpfs, viaUrl.size, pooled, shards, rows, thumbOf, added, HEAP_LIMIT);
  index.dispose();
  console.log(meta, db.size, dbShape, dbLabels, names, files);
  console.log(label, all, code, z, thumb, shape, backend, used, simd, v, other.size, near, labels, ids, index.positionOf(3));
  // @ts-expect-error mode must be 'sdc' or 'adc'
  index.search(px, { mode: 'l2' });
  // @ts-expect-error model is required
  await loadIndex({ database: 'x' });
  // @ts-expect-error a number[] is not a pixel input
  index.encode([0, 1]);
  // @ts-expect-error wasm names the builds: simd, baseline
  await loadIndex({ model: 'm', wasm: { simd128: 'x' } });
  // @ts-expect-error saveToIndexedDB needs a key
  await saveToIndexedDB(saved);
  // @ts-expect-error download takes { name, url } objects, not bare URLs
  await download(['model.dqm']);
}
`;

test('index.d.ts compiles a usage sample with tsc --strict', { skip: fs.existsSync(TSC) ? false : `no TypeScript compiler at ${TSC}` }, () => {
  const dir = tmpDir('dq-tsc-');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(DIST, path.join(dir, 'node_modules/deepquan'), 'dir');
  fs.writeFileSync(path.join(dir, 'use.ts'), SAMPLE);
  const r = spawnSync(TSC, ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'use.ts'],
    { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});
