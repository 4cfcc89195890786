#!/usr/bin/env node
// deepquan-query: search a DeepQuan database from Node.js with the WebAssembly package.
//
// The query is a PNG or JPEG file (--image photo.png: decoded by pngjs / jpeg-js, preprocessed by the
// core as the model's image section says), an image of an IDX file (--image FILE[:INDEX], gzip or
// not; the format comes from the bytes), a feature vector for a model trained on them (--vector
// FILE[:ROW]: a row of a float32 .npy or an .fvecs file), or a database item (--query-index I). For the latter the item's thumbnail is the query when it has the model's input
// shape (the original image: both modes work); otherwise the item's stored code is (SDC only: a
// code has no float latent vector for ADC).
// Exit codes: 0 ok, 1 error (message on stderr), 2 usage error (usage on stderr).

// Relative to the assembled package (wasm/dist): the bin sits in bin/, the modules one level up.
import fs from 'node:fs';
import { readIdxImagesFile } from '../idx-file.mjs';
import { readImageFile, sniffImage } from '../image-file.mjs';
import { readVectorFile } from '../vector-file.mjs';
import { loadIndex, readDatabase } from '../node.mjs';

const USAGE = `usage: deepquan-query --model MODEL.dqm --db GALLERY.dqdb
                      (--image FILE.png|.jpg|.idx[.gz][:INDEX] | --vector FILE.npy|.fvecs[:ROW] | --query-index I)
                      [--k 10] [--mode sdc|adc] [--pool P | --exact] [--labels L,L,...] [--ids I,I,...]
                      [--exclude-ids I,I,...] [--json] [--simd auto|on|off]

  --model FILE        model file (.dqm)
  --db FILE           code database (.dqdb)
  --image FILE        query = a PNG or JPEG file (composited over the model's background, BT.601 gray
                      or RGB, area-resized to the model's size: as deepquan encode --images does)
  --image FILE[:N]    query = image N (default 0) of an IDX image file (ubyte, optionally gzipped)
  --vector FILE[:N]   query = row N (default 0) of a float32 .npy (2-D, '<f4', C order) or .fvecs file,
                      for a model trained on feature vectors (deepquan train --dataset feats.npy|.fvecs)
  --query-index I     query = database item at position I (its thumbnail if full-size, else its code)
  --k K               number of results, 1..database size (default 10)
  --mode sdc|adc      symmetric (code to code, default) or asymmetric (query vector to codes) distance
  --pool P            K = 16: candidates the fast-scan re-ranks exactly (default max(8 k, 64))
  --exact             K = 16: scan every code exactly instead of the fast-scan
  --labels L,L,...    return only items with one of these labels (-1 = unknown)
  --ids I,I,...       return only items with one of these ids
  --exclude-ids I,... never return items with these ids
                      (filters act inside the scan, as deepquan search's: k results whenever k items
                      pass; an item must pass each filter given)
  --json              print JSON instead of a table
  --simd auto|on|off  choose the WebAssembly module (default auto: SIMD128 when supported)
`;

class UsageError extends Error {}

const FLAGS = { model: 1, db: 1, image: 1, vector: 1, 'query-index': 1, k: 1, mode: 1, pool: 1, exact: 0, labels: 1, ids: 1, 'exclude-ids': 1, json: 0, simd: 1, help: 0 };

function parseArgs(argv) {
  const a = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    let name = arg.slice(2), value;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (!(name in FLAGS)) throw new UsageError(`unknown flag --${name}`);
    if (name in a) throw new UsageError(`--${name} given twice`);
    if (FLAGS[name]) {
      if (value === undefined) {
        if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`--${name} needs a value`);
        value = argv[++i];
      }
      a[name] = value;
    } else {
      if (value !== undefined) throw new UsageError(`--${name} takes no value`);
      a[name] = true;
    }
  }
  return a;
}

function nonNegInt(s, flag) {
  if (!/^\d+$/.test(s)) throw new UsageError(`${flag} must be a non-negative integer, got '${s}'`);
  return Number(s);
}

/// A comma-separated list of integers in [lo, hi] (deepquan search's --labels / --ids syntax).
function integers(s, flag, lo, hi) {
  return s.split(',').map((t) => {
    if (!/^-?\d+$/.test(t) || Number(t) < lo || Number(t) > hi) {
      throw new UsageError(`${flag}: '${t}' is not an integer in [${lo}, ${hi}] (expected a comma-separated list)`);
    }
    return Number(t);
  });
}

/// Whether --image names a PNG or JPEG (by its first bytes; a missing file is reported by the reader).
function isPngOrJpeg(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(8);
    return sniffImage(head.subarray(0, fs.readSync(fd, head, 0, 8, 0))) !== null;
  } finally {
    fs.closeSync(fd);
  }
}

async function main(argv) {
  const a = parseArgs(argv);
  if (a.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  for (const f of ['model', 'db']) if (!(f in a)) throw new UsageError(`--${f} is required`);
  if (['image', 'vector', 'query-index'].filter((f) => f in a).length !== 1) {
    throw new UsageError('give exactly one of --image, --vector and --query-index');
  }
  const k = 'k' in a ? nonNegInt(a.k, '--k') : 10;
  if (k < 1) throw new UsageError('--k must be at least 1');
  const mode = a.mode ?? 'sdc';
  if (mode !== 'sdc' && mode !== 'adc') throw new UsageError(`--mode must be sdc or adc, got '${mode}'`);
  const pool = 'pool' in a ? nonNegInt(a.pool, '--pool') : 0;
  const exact = !!a.exact;
  if (pool > 0 && exact) throw new UsageError('--pool and --exact exclude each other (--exact scans every code)');
  const filter = {};
  if ('labels' in a) filter.labels = integers(a.labels, '--labels', -1, 2147483647);
  if ('ids' in a) filter.ids = integers(a.ids, '--ids', 0, 4294967295);
  if ('exclude-ids' in a) filter.excludeIds = integers(a['exclude-ids'], '--exclude-ids', 0, 4294967295);
  const simdFlag = a.simd ?? 'auto';
  const simd = { auto: 'auto', on: true, off: false }[simdFlag];
  if (simd === undefined) throw new UsageError(`--simd must be auto, on or off, got '${simdFlag}'`);
  let image = null, vector = null, position = null;
  // FILE or FILE:N (N digits only; a path may hold other colons).
  const fileAt = (spec) => {
    const m = /^(.*):(\d+)$/.exec(spec);
    return m ? { file: m[1], index: Number(m[2]) } : { file: spec, index: 0 };
  };
  if ('image' in a) {
    image = fileAt(a.image);
  } else if ('vector' in a) {
    vector = fileAt(a.vector);
  } else {
    position = nonNegInt(a['query-index'], '--query-index');
  }

  const index = await loadIndex({ model: a.model, database: a.db, simd });
  try {
    const info = index.info;
    // Checked here, before any search, with the CLI's wording (the index would refuse it too).
    if (pool > 0 && info.scanKernel === info.exactScanKernel) throw new UsageError(`--pool applies to the K = 16 fast-scan only; this model (K = ${info.K}) is scanned exactly`);
    const scanKernel = exact ? info.exactScanKernel : info.scanKernel;
    if (filter.labels && !info.hasLabels) throw new Error('--labels: the database has no labels');
    const opts = { k, mode, pool, exact, ...(Object.keys(filter).length ? { filter } : {}) };
    let hits, query;
    // A model takes pixels or feature vectors (info.inputKind), never both: say which flag fits.
    const features = info.inputKind === 'features';
    if (vector && !features) {
      throw new Error(`--vector: this model takes ${info.height}x${info.width}x${info.channels} images, not feature vectors (it was not trained on a float .npy / .fvecs dataset); query it with --image or --query-index`);
    }
    if (image && features) {
      throw new Error(`--image: this model takes feature vectors of ${info.inputDim} values (it was trained on a float .npy / .fvecs dataset), not images; query it with --vector FILE.npy|.fvecs[:ROW] or --query-index`);
    }
    if (image && !fs.existsSync(image.file)) throw new Error(`${image.file}: cannot read: no such file`);
    // By the bytes; a file named .png / .jpg that is neither is reported as such by the decoder.
    if (image && (isPngOrJpeg(image.file) || /\.(png|jpe?g)$/i.test(image.file))) {
      if (image.index !== 0) {
        throw new UsageError(`--image ${a.image}: a PNG or JPEG file holds one image (index 0)`);
      }
      query = image.file;
      hits = index.search(readImageFile(image.file), opts);
    } else if (image) {
      const { shape, image: imageAt } = readIdxImagesFile(image.file);
      const pixels = imageAt(image.index);
      if (shape[0] !== info.height || shape[1] !== info.width || shape[2] !== info.channels) {
        throw new Error(`${image.file}: images are ${shape.join('x')}, the model expects ${info.height}x${info.width}x${info.channels}`);
      }
      query = `${image.file}:${image.index}`;
      hits = index.search(pixels, opts);
    } else if (vector) {
      const { vector: x, dim } = readVectorFile(vector.file, vector.index);
      if (dim !== info.inputDim) {
        throw new Error(`${vector.file}: vectors have ${dim} values, the model expects ${info.inputDim}`);
      }
      const bad = x.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new Error(`${vector.file}: row ${vector.index}, column ${bad} is ${x[bad]} (feature vectors must be finite)`);
      }
      query = `${vector.file}:${vector.index}`;
      hits = index.search(x, opts);
    } else {
      if (position >= info.size) throw new Error(`--query-index ${position} out of range (the database has ${info.size} items)`);
      const t = info.thumbShape;
      const fullSize = t && t[0] === info.height && t[1] === info.width && t[2] === info.channels;
      if (fullSize) {
        query = `item ${position} (thumbnail)`;
        hits = index.search(index.thumbnail(position), opts);
      } else {
        if (mode === 'adc') {
          throw new Error(`--query-index with --mode adc needs the item's image, but the database has ${t ? `${t.join('x')} thumbnails, not ${info.height}x${info.width}x${info.channels}` : 'no thumbnails'}; use --mode sdc (searches by the stored code)`);
        }
        query = `item ${position} (stored code)`;
        hits = index.searchCode(index.code(position), opts);
      }
    }
    // An image folder's database names its items (as deepquan search prints them): the label's
    // folder name and the item's string (its file's relative path).
    // By the hit's position: its own item when an id occurs twice.
    const db = await readDatabase(a.db, { simd });
    const names = hits.map((h) => ({
      labelName: db.labelNames && h.label !== null && h.label < db.labelNames.length ? db.labelNames[h.label] : null,
      string: db.strings ? db.strings[h.position] : null,
    }));
    if (a.json) {
      const results = hits.map((h, r) => ({ rank: r + 1, id: h.id, position: h.position, label: h.label, distance: h.distance, ...names[r] }));
      process.stdout.write(JSON.stringify({ query, mode, k, backend: index.backend, scanKernel, results }) + '\n');
    } else {
      process.stdout.write(`query ${query}, ${mode}, ${info.size} items, ${index.backend}, kernel ${scanKernel}\n`);
      process.stdout.write(`${'rank'.padStart(5)} ${'id'.padStart(10)} ${'label'.padStart(6)} ${'distance'.padStart(12)}\n`);
      hits.forEach((h, r) => {
        const label = h.label === null ? '-' : String(h.label);
        const named = (names[r].labelName !== null ? `  ${names[r].labelName}` : '') + (names[r].string !== null ? `  ${names[r].string}` : '');
        process.stdout.write(`${String(r + 1).padStart(5)} ${String(h.id).padStart(10)} ${label.padStart(6)} ${h.distance.toPrecision(7).padStart(12)}${named}\n`);
      });
    }
  } finally {
    index.dispose();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`deepquan-query: ${e.message}\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`deepquan-query: ${e && e.message ? e.message : String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
