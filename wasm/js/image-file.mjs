// PNG and JPEG files -> ImageData-like straight RGBA ({ data, width, height }) under Node, for
// deepquan-query --image and Node scripts; the package's index then preprocesses them with the
// core's preprocess_rgba, as the trainer does after libpng / libjpeg-turbo.
//
// Decoders: npm pngjs (every colour type and bit depth, tRNS, interlacing; 16-bit rounded to 8 as
// libpng's png_set_scale_16 does) and jpeg-js (baseline and progressive; its IDCT and YCbCr
// conversion are not libjpeg-turbo's, so a JPEG may decode to slightly other pixels than natively).
// The format comes from the bytes, never the name; the size is read from the header and refused
// above the core's limits before any pixel is decoded; every decoder error names the file.
import fs from 'node:fs';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

// dq/image.h's kMaxImageSide and kMaxImagePixels (the trainer's decoders refuse the same sizes).
export const MAX_IMAGE_SIDE = 16384;
export const MAX_IMAGE_PIXELS = 2 ** 26;

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/// 'png', 'jpeg' or null, from the first bytes.
export function sniffImage(bytes) {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/// PNG IHDR size: { width, height } (the first chunk, right after the signature).
function pngSize(b) {
  if (b.length < 24 || String.fromCharCode(b[12], b[13], b[14], b[15]) !== 'IHDR') throw new Error('no IHDR chunk where a PNG starts');
  const u32 = (o) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  return { width: u32(16), height: u32(20) };
}

/// JPEG frame size from the first SOFn marker: { width, height }.
function jpegSize(b) {
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) throw new Error(`corrupt JPEG: no marker at byte ${p}`);
    const m = b[p + 1];
    if (m === 0xff) { p++; continue; }             // fill byte
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { p += 2; continue; }   // no length
    const len = (b[p + 2] << 8) | b[p + 3];
    if (len < 2) throw new Error(`corrupt JPEG: marker 0x${m.toString(16)} with length ${len}`);
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc): precision, height, width.
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (p + 9 > b.length) break;
      return { height: (b[p + 5] << 8) | b[p + 6], width: (b[p + 7] << 8) | b[p + 8] };
    }
    if (m === 0xda || m === 0xd9) break;           // scan data or end before any frame header
    p += 2 + len;
  }
  throw new Error('truncated or corrupt JPEG: no frame header (SOF) before the image data');
}

/// "truncated (...): " when the file lacks its end marker, so a cut-off download reads as one
/// whatever the decoder's own words for it ("unknown JPEG marker 0", "read requests waiting...").
function truncation(b, format) {
  const tail = (bytes) => b.length >= bytes.length && bytes.every((x, i) => b[b.length - bytes.length + i] === x);
  if (format === 'png' && !tail([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82])) return 'truncated (no IEND chunk at the end): ';
  if (format === 'jpeg' && !tail([0xff, 0xd9])) return 'truncated (no end-of-image marker): ';
  return '';
}

function checkSize({ width, height }, kind) {
  if (width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw new Error(`${kind} is ${width}x${height} (width x height): each side must be in [1, ${MAX_IMAGE_SIDE}]`);
  }
  if (width * height > MAX_IMAGE_PIXELS) throw new Error(`${kind} is ${width}x${height}: more than ${MAX_IMAGE_PIXELS} pixels`);
}

/// Decodes PNG or JPEG bytes; `name` prefixes every error (the file). Returns { data: Uint8Array
/// (width × height × 4, straight RGBA), width, height, format }.
export function decodeImage(bytes, name) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const format = sniffImage(b);
  try {
    if (format === 'png') {
      checkSize(pngSize(b), 'PNG');
      const img = pngjs.PNG.sync.read(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      return { data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), width: img.width, height: img.height, format };
    }
    if (format === 'jpeg') {
      checkSize(jpegSize(b), 'JPEG');
      // jpeg-js's own caps, set to the core's pixel limit (4 bytes a pixel, plus its working buffers).
      const img = jpeg.decode(b, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
      if (!img || !img.width || !img.height) throw new Error('corrupt JPEG: no image decoded');
      return { data: img.data, width: img.width, height: img.height, format };
    }
  } catch (e) {
    throw new Error(`${name}: cannot decode ${format === 'png' ? 'PNG' : 'JPEG'}: ${truncation(b, format)}${e && e.message ? e.message : String(e)}`);
  }
  const head = Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`${name}: not a PNG or JPEG file (first bytes: ${head || 'none, the file is empty'})`);
}

/// Reads and decodes a PNG or JPEG file (format from its bytes, whatever its name).
export function readImageFile(file) {
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  return decodeImage(bytes, file);
}
