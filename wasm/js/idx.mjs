// The one IDX reader of the JavaScript side (the format of MNIST and Fashion-MNIST: big-endian magic
// 0x0000TTNN with T the element type and N the number of dimensions, N big-endian u32 sizes, then the
// elements). Pure: it takes the (already gunzipped) bytes, so the browser entry can import it; Node
// callers reading files use idx-file.mjs. Every size is checked before a byte is read.

const TYPES = { 0x08: 'u8' };

/// Parses IDX bytes. Returns { dims: number[], data: Uint8Array } where data is a view of `bytes`
/// (dims[0] × … × dims[N-1] elements). Throws an Error naming `name` for anything malformed:
/// bad magic, an element type other than unsigned bytes, a truncated header or body, trailing bytes.
export function parseIdx(bytes, name = 'IDX data') {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${name}: expected a Uint8Array`);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${name}: not an IDX file (bad magic)`);
  if (!(bytes[2] in TYPES)) throw new Error(`${name}: IDX data type 0x${bytes[2].toString(16)} is not unsigned bytes (0x08)`);
  const ndim = bytes[3];
  if (ndim < 1) throw new Error(`${name}: IDX file has no dimensions`);
  const off = 4 + 4 * ndim;
  if (bytes.length < off) throw new Error(`${name}: truncated IDX header (${ndim} dimensions need ${off} bytes, got ${bytes.length})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    dims.push(view.getUint32(4 + 4 * d, false));
    count *= dims[d];
  }
  if (!Number.isSafeInteger(count)) throw new Error(`${name}: IDX dimensions ${dims.join('x')} are too large`);
  const have = bytes.length - off;
  if (have < count) throw new Error(`${name}: truncated: dimensions ${dims.join('x')} need ${count} data bytes, file has ${have}`);
  if (have > count) throw new Error(`${name}: ${have - count} bytes after the ${dims.join('x')} elements the header announces`);
  return { dims, data: bytes.subarray(off, off + count) };
}

/// IDX images ([n, h, w] or [n, h, w, c]) as { n, shape: [h, w, c], image(i) -> Uint8Array copy }.
export function parseIdxImages(bytes, name = 'IDX data') {
  const { dims, data } = parseIdx(bytes, name);
  if (dims.length !== 3 && dims.length !== 4)
    throw new Error(`${name}: IDX file has ${dims.length} dimensions, expected images [n, h, w] or [n, h, w, c]`);
  const [n, h, w, c = 1] = dims;
  const per = h * w * c;
  return {
    n,
    shape: [h, w, c],
    data,
    image(i) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`${name}: image index ${i} out of range (${n} images)`);
      return data.slice(i * per, (i + 1) * per);
    },
  };
}
