// Node only: one float32 feature vector from a NumPy .npy file (2-D (n, d), little-endian '<f4',
// C order) or a TEXMEX .fvecs file (each vector an int32 dimension d, then d float32 values), for
// deepquan-query --vector. Only the header and the one row are read, so a large file costs no
// memory; the file's size is checked against its header first, so a truncated file is reported as
// one whatever row is asked for. Never imported by the browser entry (it needs node:fs). Errors name
// the file. The values are returned as stored: NaN / Infinity are the caller's to refuse.
import fs from 'node:fs';

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/// `length` bytes at `offset` of an open file, or an Error naming `what` when the file ends first.
function readAt(fd, file, offset, length, what) {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) throw new Error(`${file}: truncated: ${what} needs ${length} bytes at byte ${offset}, the file ends after ${offset + got}`);
    got += n;
  }
  return buf;
}

/// The value of `key` in a .npy header (a Python dict literal): a string, a tuple's inside, or a word.
function npyField(header, key, file) {
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*(?:'([^']*)'|"([^"]*)"|\\(([^)]*)\\)|(\\w+))`).exec(header);
  if (!m) throw new Error(`${file}: corrupt .npy header: no '${key}' field`);
  return m[1] ?? m[2] ?? m[3] ?? m[4];
}

/// { n, dim, rowAt(i) -> Float32Array } of a float32 .npy file.
function openNpy(fd, file, size) {
  const pre = readAt(fd, file, 0, 10, 'the .npy preamble');
  const major = pre[6];
  let headerLen, start;
  if (major === 1) {
    headerLen = pre.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    headerLen = readAt(fd, file, 8, 4, 'the .npy header length').readUInt32LE(0);
    start = 12;
  } else {
    throw new Error(`${file}: unsupported .npy version ${major}.${pre[7]}`);
  }
  if (headerLen > 1 << 20) throw new Error(`${file}: corrupt .npy header: its length ${headerLen} is implausible`);
  const header = readAt(fd, file, start, headerLen, 'the .npy header').toString('latin1');
  const descr = npyField(header, 'descr', file);
  if (descr !== '<f4') throw new Error(`${file}: .npy dtype '${descr}' is not float32: --vector takes little-endian float32 ('<f4') vectors`);
  const order = npyField(header, 'fortran_order', file);
  if (order === 'True') throw new Error(`${file}: Fortran-order .npy arrays are not supported (save with C order)`);
  if (order !== 'False') throw new Error(`${file}: corrupt .npy header: fortran_order is '${order}'`);
  const shapeText = npyField(header, 'shape', file);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!shape.every((s) => /^\d+$/.test(s))) throw new Error(`${file}: corrupt .npy header: shape (${shapeText})`);
  if (shape.length !== 2) throw new Error(`${file}: .npy array has ${shape.length} dimensions (${shape.join(', ')}), expected 2 (n vectors, d values)`);
  const [n, dim] = shape.map(Number);
  if (dim < 1) throw new Error(`${file}: .npy vectors have 0 values`);
  const dataStart = start + headerLen;
  const need = dataStart + n * dim * 4;
  if (size < need) throw new Error(`${file}: truncated: shape (${n}, ${dim}) needs ${need} bytes, the file has ${size}`);
  if (size > need) throw new Error(`${file}: ${size - need} unexpected bytes after the (${n}, ${dim}) float32 values`);
  return {
    n,
    dim,
    rowAt: (i) => {
      const b = readAt(fd, file, dataStart + i * dim * 4, dim * 4, `row ${i}`);
      const v = new Float32Array(dim);
      for (let j = 0; j < dim; j++) v[j] = b.readFloatLE(4 * j);
      return v;
    },
  };
}

/// { n, dim, rowAt(i) -> Float32Array } of an .fvecs file.
function openFvecs(fd, file, size) {
  if (size === 0) throw new Error(`${file}: the .fvecs file is empty`);
  const dim = readAt(fd, file, 0, 4, "the first vector's dimension").readInt32LE(0);
  if (dim < 1 || dim > 1 << 24) throw new Error(`${file}: corrupt .fvecs file: the first vector has dimension ${dim} (expected 1 to 16777216)`);
  const record = 4 + 4 * dim;
  if (size % record !== 0) {
    throw new Error(`${file}: truncated: the file's ${size} bytes are not a whole number of ${record}-byte records of ${dim}-dimensional vectors`);
  }
  return {
    n: size / record,
    dim,
    rowAt: (i) => {
      const b = readAt(fd, file, i * record, record, `vector ${i}`);
      const d = b.readInt32LE(0);
      if (d !== dim) throw new Error(`${file}: corrupt .fvecs file: vector ${i} has dimension ${d}, expected ${dim}`);
      const v = new Float32Array(dim);
      for (let j = 0; j < dim; j++) v[j] = b.readFloatLE(4 + 4 * j);
      return v;
    },
  };
}

/// Row `row` of a float32 .npy or .fvecs file: { vector: Float32Array, n, dim, format: 'npy' | 'fvecs' }.
/// The format comes from the bytes (the .npy magic); a file without it is read as .fvecs when it is
/// named so, and refused otherwise.
export function readVectorFile(file, row) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`${file}: cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(6);
    const isNpy = fs.readSync(fd, head, 0, 6, 0) === 6 && NPY_MAGIC.every((b, i) => head[i] === b);
    let format, r;
    if (isNpy) {
      format = 'npy';
      r = openNpy(fd, file, size);
    } else if (/\.fvecs$/i.test(file)) {
      format = 'fvecs';
      r = openFvecs(fd, file, size);
    } else if (/\.npy$/i.test(file)) {
      throw new Error(`${file}: not a .npy file (bad magic)`);
    } else {
      throw new Error(`${file}: neither a .npy file (no \\x93NUMPY magic) nor named .fvecs`);
    }
    if (row >= r.n) throw new Error(`${file}: row ${row} out of range (the file has ${r.n} ${r.n === 1 ? 'row' : 'rows'})`);
    return { vector: r.rowAt(row), n: r.n, dim: r.dim, format };
  } finally {
    fs.closeSync(fd);
  }
}
