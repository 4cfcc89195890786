// Where a model and a database come from: every source kind (path, file: URL, URL string, bytes of each
// kind, HTTP with progress and gzip), and each bad option or file with the message it must produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { goldenSetup, file, rejects } from './_helpers.mjs';

const { loadIndex, small, open, queryImage } = await goldenSetup();

test('sources: file path, file: URL, URL string, ArrayBuffer, Uint8Array, Buffer, DataView', async () => {
  const mBytes = fs.readFileSync(file('small.dqm')), dBytes = fs.readFileSync(file('small.dqdb'));
  const ab = (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
  const variants = [
    { model: file('small.dqm'), database: file('small.dqdb') },
    { model: pathToFileURL(file('small.dqm')), database: pathToFileURL(file('small.dqdb')) },
    { model: pathToFileURL(file('small.dqm')).href, database: pathToFileURL(file('small.dqdb')).href },
    { model: ab(mBytes), database: ab(dBytes) },
    { model: new Uint8Array(mBytes), database: new Uint8Array(dBytes) },
    { model: mBytes, database: dBytes },
    { model: new DataView(ab(mBytes)), database: new DataView(ab(dBytes)) },
  ];
  const x = queryImage(small, 0);
  for (const v of variants) {
    const index = await loadIndex(v);
    assert.equal(index.size, small.size);
    assert.deepEqual(index.search(x, { k: 3 }).map((h) => h.id), small.sdc[0].ids.slice(0, 3));
    index.dispose();
  }
});

test('sources: HTTP streaming with progress, gzip-encoded responses, HTTP errors', async () => {
  const server = http.createServer((req, res) => {
    const name = path.basename(req.url.split('?')[0]);
    const p = file(name);
    if (!fs.existsSync(p)) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html>not here</html>');
      return;
    }
    const body = fs.readFileSync(p);
    if (req.url.includes('gzip')) {
      const z = zlib.gzipSync(body);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': z.length });
      res.end(z);
    } else if (req.url.includes('chunked')) {
      res.writeHead(200); // no length: the block grows by doubling
      for (let i = 0; i < body.length; i += 4096) res.write(body.subarray(i, i + 4096));
      res.end();
    } else {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const events = [];
    const index = await loadIndex({ model: `${base}/small.dqm`, database: new URL(`${base}/small.dqdb`), onProgress: (p) => events.push(p) });
    const modelSize = fs.statSync(file('small.dqm')).size, dbSize = fs.statSync(file('small.dqdb')).size;
    const phase = (ph) => events.filter((e) => e.phase === ph);
    assert.ok(phase('model').length >= 1);
    assert.deepEqual(phase('model').at(-1), { phase: 'model', loaded: modelSize, total: modelSize });
    assert.deepEqual(phase('database').at(-1), { phase: 'database', loaded: dbSize, total: dbSize });
    for (const ph of ['model', 'database']) {
      const l = phase(ph).map((e) => e.loaded);
      assert.deepEqual(l, [...l].sort((a, b) => a - b), `${ph} progress is monotonic`);
    }
    assert.deepEqual(phase('init').map((e) => e.loaded), [0, 1]);
    assert.ok(events.findIndex((e) => e.phase === 'database') > events.findIndex((e) => e.phase === 'model'));
    const want = index.search(queryImage(small, 1), { k: 5, mode: 'adc' });
    index.dispose();

    for (const q of ['gzip', 'chunked']) {
      const ev = [];
      const ix = await loadIndex({ model: `${base}/small.dqm?${q}`, database: `${base}/small.dqdb?${q}`, onProgress: (p) => ev.push(p) });
      assert.deepEqual(ix.search(queryImage(small, 1), { k: 5, mode: 'adc' }), want, q);
      const last = ev.filter((e) => e.phase === 'database').at(-1);
      assert.equal(last.loaded, dbSize);
      assert.equal(last.total, undefined, `${q}: the decoded size is not known up front`);
      ix.dispose();
    }
    await rejects(loadIndex({ model: `${base}/missing.dqm` }), `model: HTTP 404 Not Found for ${base}/missing.dqm`);
    await rejects(loadIndex({ model: `${base}/small.dqm`, database: `${base}/nope.dqdb` }), 'database: HTTP 404');
    await rejects(loadIndex({ model: 'http://127.0.0.1:1/x.dqm' }), 'model: cannot fetch http://127.0.0.1:1/x.dqm');
  } finally {
    server.close();
  }
});

test('loadIndex: bad options and bad files', async () => {
  const m = fs.readFileSync(file('small.dqm')), d = fs.readFileSync(file('small.dqdb'));
  await rejects(loadIndex(), 'loadIndex: expected an options object { model, database?, onProgress?, simd?, wasm? }, got undefined');
  await rejects(loadIndex({}), 'loadIndex: options.model is required');
  await rejects(loadIndex({ model: m, modle: 1 }), "loadIndex: unknown option 'modle'");
  await rejects(loadIndex({ model: m, simd: 'yes' }), "loadIndex: simd must be 'auto', true or false, got string \"yes\"");
  await rejects(loadIndex({ model: m, onProgress: 3 }), 'loadIndex: onProgress must be a function, got number 3');
  await rejects(loadIndex({ model: 42 }), 'model: expected a URL, a file path, an ArrayBuffer or a Uint8Array, got number 42');
  await rejects(loadIndex({ model: '' }), 'model: empty string');
  await rejects(loadIndex({ model: '/nonexistent/x.dqm' }), 'model: cannot open /nonexistent/x.dqm: no such file');
  await rejects(loadIndex({ model: m, database: '/nonexistent/g.dqdb' }), 'database: cannot open /nonexistent/g.dqdb: no such file');
  await rejects(loadIndex({ model: m.subarray(0, 1000) }), `model file: truncated: file is 1000 bytes, header says ${m.length}`);
  await rejects(loadIndex({ model: new TextEncoder().encode('<!DOCTYPE html><html></html>') }), 'model file: bad magic');
  await rejects(loadIndex({ model: d }), 'model file: bad magic: this is a DeepQuan database file (.dqdb), not a model file (.dqm)');
  await rejects(loadIndex({ model: m, database: new Uint8Array(0) }), 'database file: truncated: file is 0 bytes');
  await rejects(loadIndex({ model: m, database: fs.readFileSync(file('paper.dqdb')) }), 'database file: model/database mismatch');
  const flipped = Buffer.from(d);
  flipped[flipped.length - 3] ^= 0x10;
  await rejects(loadIndex({ model: m, database: flipped }), 'crc32 mismatch');
});
