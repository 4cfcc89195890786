// The one IDX reader (wasm/js/idx.mjs, idx-file.mjs), which the CLI, scripts/prepare-data.mjs and
// these tests share: shapes, copies, and a named Error for every malformed file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseIdx, parseIdxImages } from '../../wasm/js/idx.mjs';
import { readIdxFile, readIdxImagesFile } from '../../wasm/js/idx-file.mjs';
import { tmpDir } from './_helpers.mjs';

/// IDX bytes of unsigned bytes with the given dims; element i holds i & 255.
function idx(dims, extra = 0) {
  const count = dims.reduce((a, b) => a * b, 1);
  const b = new Uint8Array(4 + 4 * dims.length + count + extra);
  b.set([0, 0, 8, dims.length]);
  const dv = new DataView(b.buffer);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) b[4 + 4 * dims.length + i] = i & 255;
  return b;
}

test('parseIdx: dims big-endian, data a view of the elements', () => {
  const b = idx([3, 2]);
  const { dims, data } = parseIdx(b, 'x');
  assert.deepEqual(dims, [3, 2]);
  assert.deepEqual(Array.from(data), [0, 1, 2, 3, 4, 5]);
  assert.equal(data.buffer, b.buffer);
});

test('parseIdxImages: [n, h, w] and [n, h, w, c]; image(i) is a copy', () => {
  const gray = parseIdxImages(idx([2, 2, 3]), 'g');
  assert.deepEqual([gray.n, gray.shape], [2, [2, 3, 1]]);
  assert.deepEqual(Array.from(gray.image(1)), [6, 7, 8, 9, 10, 11]);
  const rgb = parseIdxImages(idx([2, 1, 2, 3]), 'c');
  assert.deepEqual([rgb.n, rgb.shape], [2, [1, 2, 3]]);
  const img = rgb.image(1);
  assert.deepEqual(Array.from(img), [6, 7, 8, 9, 10, 11]);
  img[0] = 99;
  assert.equal(rgb.image(1)[0], 6);
  assert.throws(() => rgb.image(2), { name: 'RangeError', message: 'c: image index 2 out of range (2 images)' });
  assert.throws(() => rgb.image(-1), /image index -1 out of range/);
  assert.throws(() => parseIdxImages(idx([4]), 'labels'), { message: 'labels: IDX file has 1 dimensions, expected images [n, h, w] or [n, h, w, c]' });
});

test('parseIdx: every malformed input is a named Error', () => {
  const t = (bytes, message) => assert.throws(() => parseIdx(bytes, 'f'), { message });
  t(new Uint8Array([1, 0, 8, 1]), 'f: not an IDX file (bad magic)');
  t(new Uint8Array(2), 'f: not an IDX file (bad magic)');
  t(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'f: IDX data type 0xd is not unsigned bytes (0x08)');
  t(new Uint8Array([0, 0, 8, 0]), 'f: IDX file has no dimensions');
  t(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), 'f: truncated IDX header (3 dimensions need 16 bytes, got 8)');
  t(idx([2, 3]).subarray(0, 13), 'f: truncated: dimensions 2x3 need 6 data bytes, file has 1');
  t(idx([2, 3], 2), 'f: 2 bytes after the 2x3 elements the header announces');
  assert.throws(() => parseIdx([0, 0, 8, 1], 'f'), { name: 'TypeError', message: 'f: expected a Uint8Array' });
});

test('readIdxFile / readIdxImagesFile: plain and gzipped files, unreadable and corrupt ones', () => {
  const dir = tmpDir();
  const plain = path.join(dir, 'a.idx'), gz = path.join(dir, 'a.idx.gz'), bad = path.join(dir, 'b.idx.gz');
  fs.writeFileSync(plain, idx([2, 2, 2]));
  fs.writeFileSync(gz, zlib.gzipSync(idx([2, 2, 2])));
  fs.writeFileSync(bad, Buffer.from([0x1f, 0x8b, 1, 2]));
  assert.deepEqual(readIdxFile(gz).dims, [2, 2, 2]);
  assert.deepEqual(readIdxImagesFile(gz).image(1), readIdxImagesFile(plain).image(1));
  assert.throws(() => readIdxFile(path.join(dir, 'none.idx')), { message: `${path.join(dir, 'none.idx')}: cannot read: no such file` });
  assert.throws(() => readIdxFile(bad), { message: new RegExp(`^${bad.replace(/[.]/g, '\\.')}: corrupt gzip data \\(`) });
});
