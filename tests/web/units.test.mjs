// Node-only checks of the page's pure modules and the static server (no browser, no package).
// (File reading is the package's: its checks are in tests/wasm/database.test.mjs.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import zlib from 'node:zlib';

import { centreOfMass, cropAndScale, inkBounds, inkFromRGBA, toModelInput } from '../../web/draw.mjs';
import { createServer, resolveRequest } from '../../scripts/serve.mjs';
import { ROOT } from './harness.mjs';

test('draw: a blank canvas gives no query', () => {
  assert.equal(toModelInput(new Float32Array(100 * 100), 100, 100), null);
});

test('draw: the ink box is scaled to 20 px on its longer side and keeps its aspect ratio', () => {
  // A 40 × 100 solid rectangle (tall) on a 200 × 200 canvas -> 8 × 20 in the 28 × 28 frame.
  const w = 200, h = 200;
  const ink = new Float32Array(w * h);
  for (let y = 30; y < 130; y++) for (let x = 50; x < 90; x++) ink[y * w + x] = 1;
  assert.deepEqual(inkBounds(ink, w, h), { x0: 50, y0: 30, x1: 90, y1: 130 });
  const r = toModelInput(ink, w, h);
  assert.deepEqual(r.size, { w: 8, h: 20 });
  // Solid source, whole-pixel ratio: every output pixel of the glyph is exactly 1, the rest 0.
  let on = 0;
  for (const v of r.pixels) {
    assert.ok(v === 0 || Math.abs(v - 1) < 1e-6, `pixel value ${v}`);
    on += v > 0.5;
  }
  assert.equal(on, 8 * 20);
  // Centre of mass lands on the frame centre (14, 14): offset (10, 4).
  assert.deepEqual(r.offset, { x: 10, y: 4 });
  const c = centreOfMass(r.pixels, 28, 28);
  assert.equal(c.cx, 14);
  assert.equal(c.cy, 14);
});

test('draw: the centre of mass, not the box centre, is centred (as MNIST did)', () => {
  // A T shape: the top bar pulls the mass up, so the glyph moves down from the box-centred y = 4.
  const w = 100, h = 100;
  const ink = new Float32Array(w * h);
  for (let y = 0; y < 10; y++) for (let x = 0; x < 100; x++) ink[y * w + x] = 1; // top bar
  for (let y = 10; y < 100; y++) for (let x = 40; x < 60; x++) ink[y * w + x] = 1; // stem
  const r = toModelInput(ink, w, h);
  assert.deepEqual(r.size, { w: 20, h: 20 });
  assert.deepEqual(r.offset, { x: 4, y: 7 });
  const c = centreOfMass(r.pixels, 28, 28);
  assert.ok(Math.abs(c.cx - 14) <= 0.5 && Math.abs(c.cy - 14) <= 0.5, `centre of mass (${c.cx}, ${c.cy})`);
});

test('draw: a shift that would push ink out of the frame stops at the edge (no ink is lost)', () => {
  // An L with a heavy bottom bar wants to move up by more than the frame allows.
  const w = 100, h = 100;
  const ink = new Float32Array(w * h);
  for (let y = 0; y < 100; y++) for (let x = 0; x < 10; x++) ink[y * w + x] = 1;
  for (let y = 85; y < 100; y++) for (let x = 0; x < 100; x++) ink[y * w + x] = 1;
  const r = toModelInput(ink, w, h);
  assert.equal(r.offset.y, 0);
  const glyph = cropAndScale(ink, w, inkBounds(ink, w, h), 20, 20);
  const sum = (a) => a.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(sum(r.pixels) - sum(glyph)) < 1e-3);
});

test('draw: area averaging conserves ink mass', () => {
  const w = 97, h = 61;
  const ink = new Float32Array(w * h).map((_, i) => ((i * 7919) % 13) / 12);
  const box = { x0: 0, y0: 0, x1: w, y1: h };
  const out = cropAndScale(ink, w, box, 20, 13);
  const sum = (a) => a.reduce((s, v) => s + v, 0);
  const expect = (sum(ink) * (20 * 13)) / (w * h);
  assert.ok(Math.abs(sum(out) - expect) < 1e-3 * expect, `mass ${sum(out)} vs ${expect}`);
});

test('draw: other input sizes keep the 20/28 proportion, channels are replicated', () => {
  const ink = new Float32Array(50 * 50);
  for (let y = 10; y < 40; y++) for (let x = 10; x < 40; x++) ink[y * 50 + x] = 1;
  const r = toModelInput(ink, 50, 50, { outH: 4, outW: 4, channels: 3 });
  assert.equal(r.pixels.length, 48);
  assert.deepEqual(r.size, { w: 3, h: 3 });
  for (let i = 0; i < 16; i++) assert.equal(r.pixels[3 * i], r.pixels[3 * i + 2]);
});

test('draw: RGBA ink is the red channel times alpha; a wrong length is refused', () => {
  const ink = inkFromRGBA(new Uint8ClampedArray([255, 0, 0, 255, 255, 255, 255, 0, 51, 51, 51, 255]), 3, 1);
  assert.deepEqual(Array.from(ink, (v) => +v.toFixed(3)), [1, 0, 0.2]);
  assert.throws(() => inkFromRGBA(new Uint8ClampedArray(8), 3, 1), /expected 12 bytes for 3x1, got 8/);
});

test('serve: paths map into their mount and never escape it', () => {
  const mounts = { '/': '/srv/web', '/pkg/': '/srv/pkg', '/data/': '/srv/data' };
  assert.equal(resolveRequest(mounts, '/app.mjs').file, '/srv/web/app.mjs');
  assert.equal(resolveRequest(mounts, '/pkg/index.mjs?x=1').file, '/srv/pkg/index.mjs');
  assert.equal(resolveRequest(mounts, '/data/a%20b.dqdb').file, '/srv/data/a b.dqdb');
  assert.equal(resolveRequest(mounts, '/data/../../etc/passwd').file, '/srv/data/etc/passwd');
  assert.equal(resolveRequest(mounts, '/data/%2e%2e/%2e%2e/etc/passwd').file, '/srv/data/etc/passwd');
  assert.deepEqual(resolveRequest(mounts, '/pkg'), { redirect: '/pkg/' });
  assert.equal(resolveRequest(mounts, '/x%00y'), null);
  assert.equal(resolveRequest(mounts, '/%E0%A4%A'), null);
  assert.equal(resolveRequest({ '/': '/srv/web', '/data/': null }, '/data/x').file, '/srv/web/data/x');
});

test('serve: MIME types, exact Content-Length, HEAD, 404 and 405 over real HTTP', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dq-serve-'));
  const pkg = path.join(tmp, 'pkg');
  const data = path.join(tmp, 'data');
  fs.mkdirSync(pkg);
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(pkg, 'x.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  fs.writeFileSync(path.join(pkg, 'index.mjs'), 'export const a = 1;\n');
  fs.writeFileSync(path.join(data, 'gallery.dqdb'), zlib.gzipSync(Buffer.alloc(5000, 7)));
  const server = createServer({ web: path.join(ROOT, 'web'), pkg, data });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const get = (p, method = 'GET') => new Promise((resolve, reject) => {
    http.request(base + p, { method }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
  try {
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(page.body.toString(), /<canvas id="canvas"/);
    assert.equal((await get('/app.mjs')).headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal((await get('/style.css')).headers['content-type'], 'text/css; charset=utf-8');
    const wasm = await get('/pkg/x.wasm');
    assert.equal(wasm.headers['content-type'], 'application/wasm');
    assert.equal(wasm.body.length, 8);
    assert.equal((await get('/pkg/index.mjs')).headers['content-type'], 'text/javascript; charset=utf-8');
    const db = await get('/data/gallery.dqdb');
    const size = fs.statSync(path.join(data, 'gallery.dqdb')).size;
    assert.equal(db.headers['content-type'], 'application/octet-stream');
    assert.equal(Number(db.headers['content-length']), size);
    assert.equal(db.headers['content-encoding'], undefined); // bytes as stored: progress counts them
    assert.equal(db.body.length, size);
    const head = await get('/data/gallery.dqdb', 'HEAD');
    assert.equal(Number(head.headers['content-length']), size);
    assert.equal(head.body.length, 0);
    assert.equal((await get('/data/missing.dqm')).status, 404);
    assert.equal((await get('/data/../../../etc/passwd')).status, 404);
    assert.equal((await get('/', 'POST')).status, 405);
    assert.equal((await get('/pkg')).status, 301);
  } finally {
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
