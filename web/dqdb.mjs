// A small read-only view of a .dqdb file (layout: core/include/dq/format.h) for the page's own
// needs: the query set (queries.dqdb: labels + thumbnails) and the gallery's thumbnails and labels.
//
// The WASM core is the validating reader of record (every offset, CRC and value); this one checks
// the structure it touches (magic, version, endianness, file size, section bounds and shapes), so a
// truncated or foreign file fails here with a message naming the numbers instead of reading garbage.
// Returned arrays are copies: they stay valid when the caller transfers or drops `bytes`.

const MAGIC_DB = [0x89, 0x44, 0x51, 0x42, 0x0d, 0x0a, 0x1a, 0x0a]; // "\x89DQB\r\n\x1a\n"
const MAGIC_MODEL = [0x89, 0x44, 0x51, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a];
const DTYPE_SIZE = { 1: 4, 2: 2, 3: 1, 4: 1, 5: 4, 6: 4, 7: 1 };

const fourcc = (s) => s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);
const kindName = (k) => String.fromCharCode(k & 255, (k >>> 8) & 255, (k >>> 16) & 255, (k >>> 24) & 255);

function u64(dv, off) {
  const lo = dv.getUint32(off, true);
  const hi = dv.getUint32(off + 4, true);
  if (hi >= 0x200000) throw new Error(`value at byte ${off} is too large (${hi} * 2^32 + ${lo})`);
  return hi * 0x100000000 + lo;
}

/// Reads the sections table of a DeepQuan file. `what` names the file in messages.
function readSections(bytes, what, magic) {
  if (bytes.length < 64) throw new Error(`${what}: truncated: file is ${bytes.length} bytes, the header needs 64`);
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== magic[i]) {
      const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
      const html = bytes[0] === 0x3c ? '; it looks like an HTML page (wrong URL?)' : '';
      throw new Error(`${what}: bad magic: not a DeepQuan ${magic === MAGIC_DB ? 'database' : 'model'} file (got ${head})${html}`);
    }
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = dv.getUint16(8, true);
  const minor = dv.getUint16(10, true);
  if (dv.getUint32(12, true) !== 0x01020304) throw new Error(`${what}: wrong endian tag 0x${dv.getUint32(12, true).toString(16)}`);
  if (major !== 1) throw new Error(`${what}: unsupported version ${major}.${minor} (this reader: 1.x)`);
  const fileSize = u64(dv, 16);
  if (fileSize !== bytes.length) {
    throw new Error(fileSize > bytes.length
      ? `${what}: truncated: file is ${bytes.length} bytes, header says ${fileSize}`
      : `${what}: file is ${bytes.length} bytes, header says ${fileSize} (trailing data)`);
  }
  const count = dv.getUint32(28, true);
  const tableOff = u64(dv, 32);
  if (tableOff + 64 * count > bytes.length) {
    throw new Error(`${what}: section table (${count} entries at ${tableOff}) runs past the end of the ${bytes.length}-byte file`);
  }
  const sections = new Map();
  for (let i = 0; i < count; i++) {
    const e = tableOff + 64 * i;
    const kind = kindName(dv.getUint32(e, true));
    const dtype = dv.getUint16(e + 4, true);
    const offset = u64(dv, e + 8);
    const size = u64(dv, e + 16);
    const ndim = dv.getUint32(e + 28, true);
    const dims = [];
    for (let d = 0; d < Math.min(ndim, 4); d++) dims.push(u64(dv, e + 32 + 8 * d));
    if (offset + size > bytes.length) {
      throw new Error(`${what}: section ${kind}: needs ${size} bytes at offset ${offset}, file has ${bytes.length}`);
    }
    const esize = DTYPE_SIZE[dtype];
    if (esize && dims.length && size !== esize * dims.reduce((a, b) => a * b, 1)) {
      throw new Error(`${what}: section ${kind}: ${size} bytes do not match its shape [${dims.join(', ')}]`);
    }
    sections.set(kind, { kind, dtype, offset, size, dims });
  }
  return { dv, sections, version: `${major}.${minor}` };
}

function section(bytes, sections, kind, what, expectSize) {
  const s = sections.get(kind);
  if (!s) return null;
  if (expectSize !== undefined && s.size !== expectSize) {
    throw new Error(`${what}: section ${kind}: ${s.size} bytes, expected ${expectSize}`);
  }
  // Copy into a fresh, aligned buffer (slice), so typed views of any element size are legal.
  // (new Uint8Array(view) copies; Node's Buffer.slice would return a view.)
  return new Uint8Array(bytes.subarray(s.offset, s.offset + s.size));
}

/// Parses a .dqdb: { n, M, K, ids: Uint32Array, labels: Int32Array|null, thumbShape: [h, w, c]|null,
/// thumbnails: Uint8Array|null (n × h × w × c) }. bytes: Uint8Array or ArrayBuffer.
export function readDatabase(input, what = 'database') {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const { sections } = readSections(bytes, what, MAGIC_DB);
  const head = section(bytes, sections, 'HEAD', what, 24);
  if (!head) throw new Error(`${what}: missing the HEAD section`);
  const [n, M, K, th, tw, tc] = new Uint32Array(head.buffer);
  const ids = section(bytes, sections, 'IDS_', what, 4 * n);
  if (!ids) throw new Error(`${what}: missing the IDS_ section`);
  const labels = section(bytes, sections, 'LABL', what, 4 * n);
  const thumbBytes = th * tw * tc;
  const thumbnails = thumbBytes ? section(bytes, sections, 'THMB', what, n * thumbBytes) : null;
  if (thumbBytes && !thumbnails) throw new Error(`${what}: HEAD declares ${th}x${tw}x${tc} thumbnails but there is no THMB section`);
  return {
    n, M, K,
    ids: new Uint32Array(ids.buffer),
    labels: labels ? new Int32Array(labels.buffer) : null,
    thumbShape: thumbBytes ? [th, tw, tc] : null,
    thumbnails,
  };
}

/// The model's input shape from its ARCH section: { height, width, channels, M, K, layers, meta }
/// (meta: the META provenance JSON, or null).
/// Used only for display and to size the drawing; the WASM core validates the model.
export function readModelShape(input, what = 'model') {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const { sections } = readSections(bytes, what, MAGIC_MODEL);
  const arch = section(bytes, sections, 'ARCH', what);
  if (!arch || arch.length < 36) throw new Error(`${what}: missing or short ARCH section`);
  const a = new Uint32Array(arch.buffer);
  const layers = [];
  for (let l = 0; l < a[8] && 9 + 3 * l + 2 < a.length; l++) layers.push([a[9 + 3 * l], a[10 + 3 * l]]);
  let meta = null;
  const metaBytes = section(bytes, sections, 'META', what);
  if (metaBytes) {
    try {
      meta = JSON.parse(new TextDecoder().decode(metaBytes));
    } catch {
      meta = null; // provenance only: a page works without it
    }
  }
  return { height: a[0], width: a[1], channels: a[2], M: a[4], K: a[5], dsub: a[6], weightType: ['f32', 'f16', 'int8', 'int4'][a[7]] ?? String(a[7]), layers, meta };
}

export const _internal = { fourcc, kindName };
