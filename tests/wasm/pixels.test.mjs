// Pixel inputs: bytes, floats and ImageData-like (resized and composited by the core's preprocess_rgba)
// agree, to the byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { goldenSetup, throws } from './_helpers.mjs';

const { G, small, open, queryImage } = await goldenSetup();

test('pixels: bytes, floats and ImageData-like inputs agree; ImageData is resized and composited', async () => {
  const index = await open();
  const u8 = queryImage(small, 4);
  const want = index.embed(u8);
  const f = Float32Array.from(u8, (v) => v * index.info.scale);
  assert.deepEqual(index.embed(f), want, 'byte × scale in float32 = the byte path');
  assert.deepEqual(index.embed(new Uint8ClampedArray(u8)), want);
  const rgba = (src, w, h, alpha = 255) => {
    const data = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set([src[i], src[i], src[i], alpha], 4 * i);
    return { data, width: w, height: h };
  };
  assert.deepEqual(index.preprocess(rgba(u8, 28, 28)), u8, 'gray RGBA at the model size: the bytes unchanged');
  assert.deepEqual(index.embed(rgba(u8, 28, 28)), want, 'gray RGBA at the model size');
  const up = new Uint8Array(56 * 56);
  for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) up[y * 56 + x] = u8[(y >> 1) * 28 + (x >> 1)];
  assert.deepEqual(index.embed(rgba(up, 56, 56)), want, '2× image area-averaged back to 28×28');
  assert.deepEqual(index.embed(rgba(u8, 28, 28, 0)), index.embed(new Uint8Array(784)), 'transparent = black background');
  const odd = rgba(new Uint8Array(30 * 17).fill(200), 30, 17);
  assert.deepEqual(index.embed(odd), index.embed(new Uint8Array(784).fill(200)), 'uniform image stays uniform when resized');
  throws(() => index.embed({ data: new Uint8ClampedArray(10), width: 2, height: 2 }), 'embed: pixels: ImageData-like data has 10 bytes, expected width × height × 4 = 2 × 2 × 4 = 16');
  throws(() => index.embed({ data: [1, 2, 3, 4], width: 1, height: 1 }), 'needs data as a Uint8ClampedArray or Uint8Array of RGBA bytes, got Array(4)');
  throws(() => index.embed({ data: new Uint8ClampedArray(4), width: 0, height: 1 }), 'needs positive integer width and height');
  index.dispose();

  // RGB model: RGBA -> RGB.
  const rgb = await open('int8-rgb');
  const img = queryImage(G['int8-rgb'], 0);
  const data = new Uint8ClampedArray(8 * 6 * 4);
  for (let p = 0; p < 48; p++) data.set([img[3 * p], img[3 * p + 1], img[3 * p + 2], 255], 4 * p);
  assert.deepEqual(rgb.embed({ data, width: 6, height: 8 }), rgb.embed(img));
  rgb.dispose();
});

// Exact bytes of dq/image.h's rule (integer composite, BT.601 per mille, exact box filter, one
// round-half-up), worked out by hand below; the package used float arithmetic before, which gave
// none of these as bytes (e.g. 127.5 / 255 instead of 128 / 255 for a 0 / 255 pair).

test('pixels: ImageData goes through the core\'s preprocess_rgba: exact bytes', async () => {
  const index = await open(); // 28×28×1, no image section: background black
  const solid = (w, h, px) => {
    const data = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set(px(i % w, Math.floor(i / w)), 4 * i);
    return { data, width: w, height: h };
  };
  const all = (v) => new Uint8Array(784).fill(v);
  // BT.601: 299·10 + 587·200 + 114·30 = 123810 per mille -> 123.81 -> 124.
  assert.deepEqual(index.preprocess(solid(28, 28, () => [10, 200, 30, 255])), all(124));
  // Alpha over black: 255 · 128 / 255 = 128 exactly; 255 · 1 / 255 = 1.
  assert.deepEqual(index.preprocess(solid(28, 28, () => [255, 255, 255, 128])), all(128));
  assert.deepEqual(index.preprocess(solid(28, 28, () => [255, 255, 255, 1])), all(1));
  // Alpha 77 on red 200 over black, gray: 299 · 200 · 77 / (255 · 1000) = 18.0565... -> 18.
  assert.deepEqual(index.preprocess(solid(28, 28, () => [200, 0, 0, 77])), all(18));
  // 56 columns of 0, 255, 0, 255, ...: each output averages one pair, 127.5 -> 128 (half up).
  assert.deepEqual(index.preprocess(solid(56, 28, (x) => (x % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255]))), all(128));
  // 42 columns of 0, 100, 200 repeating -> 28: output 2j covers source 3j (weight 1) and half of
  // 3j + 1: (0 + 100 / 2) / 1.5 = 33.3 -> 33; output 2j + 1: (100 / 2 + 200) / 1.5 = 166.7 -> 167.
  const thirds = index.preprocess(solid(42, 28, (x) => { const v = [0, 100, 200][x % 3]; return [v, v, v, 255]; }));
  assert.deepEqual(thirds, Uint8Array.from({ length: 784 }, (_, i) => (i % 2 ? 167 : 33)));
  // Enlarging 1×1 repeats the pixel; a 2×1 source puts 14 columns of each.
  assert.deepEqual(index.preprocess(solid(1, 1, () => [90, 90, 90, 255])), all(90));
  assert.deepEqual(index.preprocess(solid(2, 1, (x) => (x ? [250, 250, 250, 255] : [6, 6, 6, 255]))), Uint8Array.from({ length: 784 }, (_, i) => (i % 28 < 14 ? 6 : 250)));
  // What search / encode feed the encoder is exactly these bytes.
  const img = solid(42, 28, (x) => { const v = [0, 100, 200][x % 3]; return [v, 50, 255 - v, 200]; });
  assert.deepEqual(index.embed(img), index.embed(index.preprocess(img)));
  assert.deepEqual(index.encode(img), index.encode(index.preprocess(img)));
  // Sizes beyond the core's limits are refused before any pixel is copied in.
  throws(() => index.preprocess({ data: new Uint8Array(20000 * 4), width: 20000, height: 1 }), 'preprocess: image: image size 1x20000: each side must be in [1, 16384]');
  throws(() => index.preprocess(new Uint8Array(784)), 'preprocess: expected an ImageData-like {data, width, height} of RGBA bytes, got Uint8Array(784)');
  index.dispose();

  // 3 channels: RGB kept, alpha composited per channel; 2 rows -> 8 and 3 columns -> 6 by box.
  const rgb = await open('int8-rgb'); // 8×6×3
  assert.deepEqual(rgb.preprocess(solid(6, 8, () => [255, 100, 0, 51])), Uint8Array.from({ length: 144 }, (_, i) => [51, 20, 0][i % 3]));
  const pairs = rgb.preprocess(solid(3, 2, (x, y) => [x * 100, y * 200, 7, 255]));
  // Row y of 8 comes from source row y >> 2; columns 2j, 2j + 1 from source column j.
  assert.deepEqual(pairs, Uint8Array.from({ length: 144 }, (_, i) => {
    const p = Math.floor(i / 3), c = i % 3, y = Math.floor(p / 6), x = p % 6;
    return [Math.floor(x / 2) * 100, (y >> 2) * 200, 7][c];
  }));
  rgb.dispose();
});
