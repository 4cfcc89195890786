// Pixel inputs -> the model's input vector (Float32Array of height × width × channels values,
// row-major, channel last), with errors that say what was expected and what came.
//
// Accepted:
//   Float32Array(D), values already scaled: finite and in [0, 1] (in [0, 255 × scale] for a model
//     whose input scale is not 1/255); for a model of feature vectors (spec.standardized: the model
//     standardizes its inputs, section STDZ) any finite values, and only Float32Arrays;
//   Uint8Array / Uint8ClampedArray(D) of raw bytes: x = byte × scale, rounded to float32 exactly as
//     the native trainer does (float(byte) * scale), so both sides feed the encoder the same bits;
//   an ImageData-like { data, width, height } (straight RGBA bytes): the core's preprocess_rgba
//     (dq/image.h) makes the model's bytes, exactly as the trainer does for a PNG / JPEG file:
//     composited over the model's background (black for a model not trained on image files),
//     BT.601 integer gray (1 channel) or RGB (3), exact integer area resize, rounded once.

import { call } from './module.mjs';

/// Short description of a value for error messages: "Float32Array(100)", "Array(3)", "string".
export function describe(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length ?? v.byteLength})`;
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (v instanceof ArrayBuffer) return `ArrayBuffer(${v.byteLength})`;
  if (typeof v === 'object') return v.constructor && v.constructor !== Object ? v.constructor.name : 'object';
  if (typeof v === 'string') return `string "${v.length > 40 ? v.slice(0, 40) + '...' : v}"`;
  return `${typeof v} ${String(v)}`;
}

/// Upper bound of a valid float input: 1 for the usual 1/255 scale.
export function maxValue(spec) {
  const hi = Math.fround(255 * spec.scale);
  return Math.abs(hi - 1) < 1e-6 ? 1 : hi;
}

function expected(spec) {
  const d = spec.inputDim;
  if (spec.standardized) return `a Float32Array of ${d} finite values (this model takes feature vectors)`;
  return `a Float32Array of ${d} values in [0, ${maxValue(spec)}], a Uint8Array or Uint8ClampedArray of ${d} bytes, ` +
    `or an ImageData-like {data, width, height}`;
}

export function isImageDataLike(p) {
  return p !== null && typeof p === 'object' && !ArrayBuffer.isView(p) && 'data' in p && 'width' in p && 'height' in p;
}

/// Checks a float vector in place (the first bad value is named by index).
export function checkFloats(x, spec, what, offset = 0) {
  if (spec.standardized) {
    // Feature vectors in any range: the model standardizes them; only NaN and ±Infinity are refused.
    for (let i = 0; i < x.length; i++) {
      if (Number.isFinite(x[i])) continue;
      throw new Error(`${what}: value at index ${offset + i} is ${x[i]} (feature vectors must be finite)`);
    }
    return;
  }
  const hi = maxValue(spec);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v >= 0 && v <= hi) continue;
    const at = offset + i;
    if (Number.isNaN(v)) throw new Error(`${what}: value at index ${at} is NaN (expected a finite value in [0, ${hi}])`);
    if (!Number.isFinite(v)) throw new Error(`${what}: value at index ${at} is ${v} (expected a finite value in [0, ${hi}])`);
    throw new Error(`${what}: value at index ${at} is ${v}, outside [0, ${hi}] (pixels as floats must be scaled to [0, ${hi}]; pass a Uint8Array for 0..255 bytes)`);
  }
}

/// A model of feature vectors has no pixels: anything but a Float32Array is refused by name.
function refuseNonFeatures(p, spec, what) {
  if (spec.standardized && !(p instanceof Float32Array)) {
    throw new Error(`${what}: this model takes feature vectors, not pixels (it standardizes its inputs): expected ` +
      `${expected(spec)}, got ${isImageDataLike(p) ? 'an ImageData-like image' : describe(p)}`);
  }
}

/// Bytes -> floats, byte × scale rounded once to float32.
export function bytesToFloats(bytes, spec, out = new Float32Array(bytes.length), offset = 0) {
  const s = spec.scale;
  for (let i = 0; i < bytes.length; i++) out[offset + i] = bytes[i] * s;
  return out;
}

/// The pixel spec every entry point converts with, from a module and an index's info: the model's
/// input shape and scale, and its image rule (dq/image.h's preprocess_rgba in the core, over the
/// colour info.background names: the model's recorded background, black for a model without one).
export function pixelSpec(Module, info) {
  const { inputDim, height, width, channels, scale, standardized } = info;
  const background = parseInt(info.background.slice(1), 16);
  const preprocess = (rgba, h, w) => call(Module, 'preprocessRgba', rgba, h, w, height, width, channels, background);
  return { inputDim, height, width, channels, scale, standardized, background, preprocess };
}

/// ImageData-like RGBA -> model input floats: the core's preprocess_rgba gives the model's bytes
/// (composite, BT.601 gray or RGB, exact integer area resize, as the trainer does for PNG / JPEG
/// files), then the byte path scales them, so the same decoded pixels give the same floats here
/// and natively.
export function imageDataToFloats(img, spec, what) {
  return bytesToFloats(imageDataToBytes(img, spec, what), spec);
}

/// ImageData-like RGBA -> the model's input bytes (Uint8Array(inputDim)), checked.
export function imageDataToBytes(img, spec, what) {
  const { data, width, height } = img;
  if (!(data instanceof Uint8ClampedArray || data instanceof Uint8Array)) {
    throw new Error(`${what}: ImageData-like input needs data as a Uint8ClampedArray or Uint8Array of RGBA bytes, got ${describe(data)}`);
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${what}: ImageData-like input needs positive integer width and height, got ${describe(width)} × ${describe(height)}`);
  }
  if (data.length !== width * height * 4) {
    throw new Error(`${what}: ImageData-like data has ${data.length} bytes, expected width × height × 4 = ${width} × ${height} × 4 = ${width * height * 4}`);
  }
  const C = spec.channels;
  if (C !== 1 && C !== 3) throw new Error(`${what}: ImageData input needs a model with 1 or 3 channels, this one has ${C}`);
  try {
    return spec.preprocess(data, height, width);
  } catch (e) {
    throw new Error(`${what}: ${e.message}`);
  }
}

/// Any accepted pixel input -> a fresh Float32Array(inputDim), validated.
export function toInput(pixels, spec, what = 'pixels') {
  const D = spec.inputDim;
  refuseNonFeatures(pixels, spec, what);
  if (pixels instanceof Float32Array) {
    if (pixels.length !== D) throw new Error(`${what}: expected ${expected(spec)}; got Float32Array(${pixels.length}) (wrong length)`);
    checkFloats(pixels, spec, what);
    return pixels.slice();
  }
  if (pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray) {
    if (pixels.length !== D) throw new Error(`${what}: expected ${expected(spec)}; got ${describe(pixels)} (wrong length)`);
    return bytesToFloats(pixels, spec);
  }
  if (isImageDataLike(pixels)) return imageDataToFloats(pixels, spec, what);
  throw new Error(`${what}: expected ${expected(spec)}; got ${describe(pixels)}`);
}

/// A batch of images as one Float32Array of n × inputDim: an array of pixel inputs (each as for
/// toInput), or one flat Float32Array / Uint8Array / Uint8ClampedArray.
export function toBatch(batch, spec, what) {
  const D = spec.inputDim;
  if (!Array.isArray(batch)) refuseNonFeatures(batch, spec, what);
  if (batch instanceof Float32Array) {
    if (batch.length % D !== 0) throw new Error(`${what}: a flat Float32Array must hold n × ${D} values, got ${batch.length} (not a multiple of ${D})`);
    checkFloats(batch, spec, what);
    return batch;
  }
  if (batch instanceof Uint8Array || batch instanceof Uint8ClampedArray) {
    if (batch.length % D !== 0) throw new Error(`${what}: a flat ${batch.constructor.name} must hold n × ${D} bytes, got ${batch.length} (not a multiple of ${D})`);
    return bytesToFloats(batch, spec);
  }
  if (!Array.isArray(batch)) {
    throw new Error(`${what}: expected an array of images or a flat Float32Array of n × ${D} values, got ${describe(batch)}`);
  }
  const x = new Float32Array(batch.length * D);
  batch.forEach((p, i) => x.set(toInput(p, spec, `${what}: image ${i}`), i * D));
  return x;
}
