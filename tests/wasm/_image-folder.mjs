// A folder of PNGs in 3 labelled sub-folders, written with pngjs, and the native trainer's models of
// it: shared by tests/wasm/images.test.mjs (native vs WASM bytes and codes) and tests/web/images.test.mjs
// (the page with a 3-channel model). Deterministic: the same files on every run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import pngjs from 'pngjs';

// A small deterministic generator (xorshift32), so the folder is the same on every run.
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

// pngjs colour types: 0 gray, 2 RGB, 4 gray + alpha, 6 RGBA (written from RGBA input).
export const COLOR_TYPES = [6, 2, 0, 4];
export const SIZES = [[24, 24], [31, 17], [9, 13], [40, 28], [16, 16], [5, 7]];

/// RGBA pixels of class `cls`: 0 red discs, 1 green horizontal bands, 2 blue checkers; alpha varies.
export function drawRgba(cls, w, h, rand) {
  const data = Buffer.alloc(w * h * 4);
  const cx = w * (0.3 + 0.4 * rand()), cy = h * (0.3 + 0.4 * rand()), r = Math.min(w, h) * (0.2 + 0.2 * rand());
  const period = 2 + Math.floor(rand() * 4), base = Math.floor(rand() * 60);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const on = cls === 0 ? (x - cx) ** 2 + (y - cy) ** 2 < r * r
        : cls === 1 ? Math.floor(y / period) % 2 === 0 : (Math.floor(x / period) + Math.floor(y / period)) % 2 === 0;
      const hi = 150 + Math.floor(rand() * 100), lo = base + Math.floor(rand() * 30);
      const px = [lo, lo, lo];
      px[cls] = on ? hi : lo;
      data.set([...px, on ? 255 : Math.floor(rand() * 256)], 4 * (y * w + x));
    }
  }
  return data;
}

/// 8-bit, or 16-bit with random low bytes (so the 16 -> 8 rounding of both decoders is exercised).
export function writePng(file, w, h, rgba, colorType, depth16, rand) {
  const png = new pngjs.PNG({ width: w, height: h });
  let data = rgba;
  if (depth16) {
    const u16 = Uint16Array.from(rgba, (v) => Math.min(65535, v * 257 + Math.floor(rand() * 257) - 128 * (v > 0)));
    data = Buffer.from(u16.buffer);
  }
  png.data = data;
  fs.writeFileSync(file, pngjs.PNG.sync.write(png, { colorType, inputColorType: 6, bitDepth: depth16 ? 16 : 8 }));
}

export const CLASSES = ['discs', 'bands', 'checkers'];

/// Writes root/<class>/NN.png, 12 a class; colour type i % 4 of COLOR_TYPES, 16-bit when i % 6 = 5.
/// Returns the relative paths, sorted (the order the trainer lists them in).
export function writeImageFolder(root, rand = rng(19)) {
  const files = [];
  CLASSES.forEach((name, cls) => {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    for (let i = 0; i < 12; i++) {
      const [w, h] = SIZES[(i + cls) % SIZES.length];
      const rel = `${name}/${String(i).padStart(2, '0')}.png`;
      writePng(path.join(root, rel), w, h, drawRgba(cls, w, h, rand), COLOR_TYPES[i % COLOR_TYPES.length], i % 6 === 5, rand);
      files.push(rel);
    }
  });
  return files.sort();
}

/// The colour type a file of writeImageFolder was written with (and whether it is 16-bit).
export const fileKind = (rel) => {
  const i = Number(path.basename(rel, '.png'));
  return { colorType: COLOR_TYPES[i % COLOR_TYPES.length], depth16: i % 6 === 5 };
};

export function runNative(bin, args) {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `deepquan ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/// deepquan train --images on the folder: a small K = 16 model (16 bits, 2 queries a class; 400
/// pretraining steps at lr 0.003 pass the "did not learn" guard for every model made here), at
/// size x size with `channels`, over `background`; out gets model.dqm, gallery.dqdb, queries.dqdb.
export function trainFolder(bin, root, out, { channels, background, size = '12x12', thumbnailSize = size }) {
  runNative(bin, ['train', '--images', root, '--bits', '16', '--codeword-bits', '4', '--size', size, '--channels', String(channels),
    '--background', background, '--thumbnail-size', thumbnailSize, '--queries-per-class', '2', '--pretrain-iterations', '400', '--pretrain-lr', '0.003',
    '--iterations', '4', '--batch', '8', '--threads', '1', '--out', out]);
}

/// A PNG pngjs's writer cannot make (palette, gray below 8 bits, tRNS), written chunk by chunk with
/// node:zlib (deflate, crc32) from the PNG specification: rows of `samples` (h × w × channels values
/// of the colour type, palette indices for type 3), packed MSB first at `bitDepth`, filter 0.
export function writeRawPng(file, { width, height, colorType, bitDepth, samples, palette, trns, interlace = false }) {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  // Adam7 passes (x0, y0, dx, dy), or the whole image as one pass.
  const passes = interlace ? [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] : [[0, 0, 1, 1]];
  const rows = [];
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx), ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * channels * bitDepth) / 8);
    for (let py = 0; py < ph; py++) {
      const row = Buffer.alloc(rowBytes + 1); // byte 0: filter type 0 (none)
      let bit = 0;
      for (let px = 0; px < pw; px++) {
        for (let c = 0; c < channels; c++, bit += bitDepth) {
          const v = samples[((y0 + py * dy) * width + x0 + px * dx) * channels + c];
          if (bitDepth === 16) row.writeUInt16BE(v, 1 + bit / 8);
          else row[1 + (bit >> 3)] |= v << (8 - bitDepth - (bit & 7));
        }
      }
      rows.push(row);
    }
  }
  const raw = Buffer.concat(rows);
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, colorType, 0, 0, interlace ? 1 : 0], 8);
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (palette) parts.push(chunk('PLTE', Buffer.from(palette.flat())));
  if (trns) parts.push(chunk('tRNS', Buffer.from(trns)));
  parts.push(chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0)));
  fs.writeFileSync(file, Buffer.concat(parts));
}

/// Palette PNGs at 1, 2, 4 and 8 bits (with a partial tRNS), gray at 1, 2 and 4 bits, gray and RGB
/// with a tRNS colour key, two Adam7-interlaced ones: what real folders hold besides pngjs's own
/// output. Returns the names, sorted.
export function writeOddPngs(dir, rand = rng(7)) {
  fs.mkdirSync(dir, { recursive: true });
  const made = [];
  const pick = (n) => Math.floor(rand() * n);
  for (const bitDepth of [1, 2, 4, 8]) {
    const n = 2 ** bitDepth;
    const palette = Array.from({ length: Math.min(n, 40) }, () => [pick(256), pick(256), pick(256)]);
    const trns = Array.from({ length: Math.ceil(palette.length / 2) }, () => pick(256));
    const [w, h] = [11 + bitDepth, 9 + 2 * bitDepth];
    const name = `palette-${bitDepth}bit.png`;
    writeRawPng(path.join(dir, name), { width: w, height: h, colorType: 3, bitDepth, palette, trns,
      samples: Array.from({ length: w * h }, () => pick(palette.length)) });
    made.push(name);
  }
  for (const bitDepth of [1, 2, 4]) {
    const [w, h] = [17, 5 + bitDepth];
    const name = `gray-${bitDepth}bit.png`;
    writeRawPng(path.join(dir, name), { width: w, height: h, colorType: 0, bitDepth, samples: Array.from({ length: w * h }, () => pick(2 ** bitDepth)) });
    made.push(name);
  }
  // tRNS colour keys: the gray value 3 of 4 bits, the RGB colour (10, 20, 30), made transparent.
  writeRawPng(path.join(dir, 'gray-4bit-trns.png'), { width: 14, height: 14, colorType: 0, bitDepth: 4, trns: [0, 3],
    samples: Array.from({ length: 196 }, () => pick(16)) });
  const rgbSamples = Array.from({ length: 20 * 15 }, () => (rand() < 0.3 ? [10, 20, 30] : [pick(256), pick(256), pick(256)])).flat();
  writeRawPng(path.join(dir, 'rgb-trns.png'), { width: 20, height: 15, colorType: 2, bitDepth: 8, trns: [0, 10, 0, 20, 0, 30], samples: rgbSamples });
  made.push('gray-4bit-trns.png', 'rgb-trns.png');
  // Adam7-interlaced: RGBA 8-bit and gray + alpha 16-bit, odd sizes so every pass is partial.
  writeRawPng(path.join(dir, 'rgba-interlaced.png'), { width: 19, height: 13, colorType: 6, bitDepth: 8, interlace: true,
    samples: Array.from({ length: 19 * 13 * 4 }, () => pick(256)) });
  writeRawPng(path.join(dir, 'ga16-interlaced.png'), { width: 9, height: 11, colorType: 4, bitDepth: 16, interlace: true,
    samples: Array.from({ length: 9 * 11 * 2 }, () => pick(65536)) });
  made.push('rgba-interlaced.png', 'ga16-interlaced.png');
  return made.sort();
}
