// Node only: IDX files from disk, gzip-compressed or not, through the one parser (idx.mjs). Never
// imported by the browser entry (it needs node:fs and node:zlib).
import fs from 'node:fs';
import zlib from 'node:zlib';
import { parseIdx, parseIdxImages } from './idx.mjs';

/// The bytes of `file`, gunzipped when they start with the gzip magic; Errors name the file.
export function readMaybeGzip(file) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = zlib.gunzipSync(buf);
    } catch (e) {
      throw new Error(`${file}: corrupt gzip data (${e.message})`);
    }
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/// parseIdx of a file: { dims, data }.
export function readIdxFile(file) {
  return parseIdx(readMaybeGzip(file), file);
}

/// parseIdxImages of a file: { n, shape, data, image(i) }.
export function readIdxImagesFile(file) {
  return parseIdxImages(readMaybeGzip(file), file);
}
