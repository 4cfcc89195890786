// download: parallel fetches with one summed progress (what the search page's progress bar shows),
// optional files, and the errors a person sees when a server misbehaves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { pkg, file, rejects } from './_helpers.mjs';

const { download } = await pkg();

let server, base;
before(async () => {
  server = http.createServer((req, res) => {
    const [p, q = ''] = req.url.split('?');
    const f = file(path.basename(p));
    if (!fs.existsSync(f)) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html>not here</html>');
      return;
    }
    const body = fs.readFileSync(f);
    if (q === 'gzip') {
      const z = zlib.gzipSync(body);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': z.length });
      res.end(z);
    } else if (q === 'cut') {
      // Announces the whole file, sends half, then drops the connection.
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
    } else {
      res.writeHead(200, { 'content-length': body.length });
      // In pieces, so there is progress to see.
      for (let i = 0; i < body.length; i += 65536) res.write(body.subarray(i, i + 65536));
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

test('download: bytes in order, an optional 404 as null, progress summed to the total', async () => {
  const m = fs.readFileSync(file('small.dqm')), d = fs.readFileSync(file('small.dqdb'));
  const events = [];
  const got = await download([
    { name: 'model.dqm', url: `${base}/small.dqm` },
    { name: 'gallery.dqdb', url: new URL(`${base}/small.dqdb`) },
    { name: 'queries.dqdb', url: `${base}/none.dqdb`, optional: true },
  ], { onProgress: (p) => events.push(p), init: { cache: 'no-store' } });
  assert.equal(got.length, 3);
  assert.deepEqual(Buffer.from(got[0]), m);
  assert.deepEqual(Buffer.from(got[1]), d);
  assert.equal(got[2], null);
  assert.ok(got[0] instanceof Uint8Array);
  assert.equal(events[0].phase, 'download');
  assert.deepEqual([events[0].loaded, events[0].total], [0, m.length + d.length]);
  const last = events.at(-1);
  assert.equal(events.filter((e) => e.phase === 'downloaded').length, 1);
  assert.deepEqual(last, {
    phase: 'downloaded', loaded: m.length + d.length, total: m.length + d.length,
    files: [
      { name: 'model.dqm', loaded: m.length, total: m.length, missing: false },
      { name: 'gallery.dqdb', loaded: d.length, total: d.length, missing: false },
      { name: 'queries.dqdb', loaded: 0, total: 0, missing: true },
    ],
  });
  const loaded = events.map((e) => e.loaded);
  assert.deepEqual(loaded, [...loaded].sort((a, b) => a - b), 'progress is monotonic');
  // Events carry copies: a later one does not change an earlier one.
  assert.equal(events[0].files[0].loaded, 0);
});

test('download: a compressed response has no known total until it is done', async () => {
  const events = [];
  const [bytes] = await download([{ name: 'model.dqm', url: `${base}/small.dqm?gzip` }], { onProgress: (p) => events.push(p) });
  const size = fs.statSync(file('small.dqm')).size;
  assert.equal(bytes.length, size);
  assert.equal(events[0].total, 0);
  assert.deepEqual([events.at(-1).loaded, events.at(-1).total], [size, size]);
});

test('download: a missing required file, a dead server, a cut connection, bad arguments', async () => {
  await rejects(download([{ name: 'model.dqm', url: `${base}/small.dqm` }, { name: 'gallery.dqdb', url: `${base}/gone.dqdb` }]), (e) => {
    assert.equal(e.message, `gallery.dqdb: HTTP 404 Not Found for ${base}/gone.dqdb`);
    assert.equal(e.status, 404);
  });
  await rejects(download([{ name: 'model.dqm', url: 'http://127.0.0.1:1/x.dqm', optional: true }]), (e) => {
    assert.match(e.message, /^model\.dqm: cannot fetch http:\/\/127\.0\.0\.1:1\/x\.dqm: /);
    assert.equal(e.status, 0); // no answer: an optional file is not silently dropped for that
  });
  const size = fs.statSync(file('small.dqm')).size;
  await rejects(download([{ name: 'model.dqm', url: `${base}/small.dqm?cut` }]), (e) => {
    assert.match(e.message, new RegExp(`^model\\.dqm: ${base}/small\\.dqm\\?cut (ended after \\d+ of ${size} bytes|failed after \\d+ bytes)`));
  });
  await rejects(download('model.dqm'), (e) => assert.match(e.message, /^download: expected an array of \{ name, url, optional\? \}, got string/));
  await rejects(download([{ url: 'x' }]), (e) => assert.match(e.message, /^download: files\[0\] must be an object \{ name, url, optional\? \} with a non-empty name/));
  await rejects(download([{ name: 'a', url: 'not a url' }]), (e) => assert.equal(e.message, 'download: a: not a URL: string "not a url"'));
  await rejects(download([{ name: 'a', url: 5 }]), (e) => assert.equal(e.message, 'download: a: url must be a string or a URL, got number 5'));
  await rejects(download([], { onProgress: 'x' }), (e) => assert.match(e.message, /^download: onProgress must be a function/));
  assert.deepEqual(await download([]), []);
});
