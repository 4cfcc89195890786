// Search filters (the `filter` search option), checked once here for DeepQuanIndex and SearchPool.
//
// A filter is a function (position) => boolean, or an object with one or more of
//   labels: [...]      items whose label is one of these pass (-1 = unknown label)
//   ids: [...]         items whose id is one of these pass
//   excludeIds: [...]  items whose id is one of these fail
//   bitmap: Uint8Array ceil(size / 8) bytes; bit i (byte i >> 3, bit i & 7) set = position i passes
// (several keys: an item must pass each). Lists go to the core as typed arrays, which turns them into
// its bitmap (dq::filter_by_labels / filter_by_ids, the native CLI's code), so the filter acts inside
// the scan. A predicate is evaluated here, in JS, into a bitmap: over the index's positions, or over
// the pool's global positions, then cut per shard (sliceBitmap).

import { describe } from './pixels.mjs';

const KEYS = ['labels', 'ids', 'excludeIds', 'bitmap'];
const EXPECTED = 'a function (position) => boolean or an object with labels, ids, excludeIds and/or bitmap';

function list(v, key, lo, hi, Typed, what) {
  const ok = Array.isArray(v) || v instanceof Int32Array || v instanceof Uint32Array;
  if (!ok) throw new Error(`${what}: filter.${key} must be an array of integers, got ${describe(v)}`);
  const out = new Typed(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) {
      throw new Error(`${what}: filter.${key}[${i}] must be an integer in [${lo}, ${hi}], got ${describe(x)}`);
    }
    out[i] = x;
  }
  return out;
}

/// Bytes of a bitmap over n positions.
export const bitmapBytes = (n) => Math.ceil(n / 8);

/// The predicate's bitmap over positions [0, size): every call must return true or false.
export function predicateBitmap(fn, size, what) {
  const bits = new Uint8Array(bitmapBytes(size));
  for (let p = 0; p < size; p++) {
    let r;
    try {
      r = fn(p);
    } catch (e) {
      throw new Error(`${what}: the filter function threw at position ${p}: ${e && e.message ? e.message : String(e)}`, { cause: e });
    }
    if (r !== true && r !== false) {
      throw new Error(`${what}: the filter function returned ${describe(r)} for position ${p} (expected true or false)`);
    }
    if (r) bits[p >> 3] |= 1 << (p & 7);
  }
  return bits;
}

/// Positions [begin, begin + count) of a bitmap as a bitmap of their own (a shard's).
export function sliceBitmap(bits, begin, count) {
  const out = new Uint8Array(bitmapBytes(count));
  for (let i = 0; i < count; i++) {
    const p = begin + i;
    if ((bits[p >> 3] >> (p & 7)) & 1) out[i >> 3] |= 1 << (i & 7);
  }
  return out;
}

/**
 * Checks a filter option against an index of `size` items. Returns null (no filter), or
 * { labels?: Int32Array, ids?: Uint32Array, excludeIds?: Uint32Array, bitmap?: Uint8Array,
 *   predicate?: function } with every list checked and copied.
 */
export function checkFilter(filter, size, hasLabels, what) {
  if (filter === undefined || filter === null) return null;
  if (typeof filter === 'function') return { predicate: filter };
  if (typeof filter !== 'object' || Array.isArray(filter) || ArrayBuffer.isView(filter)) {
    throw new Error(`${what}: filter must be ${EXPECTED}, got ${describe(filter)}`);
  }
  const keys = Object.keys(filter);
  for (const key of keys) {
    if (!KEYS.includes(key)) throw new Error(`${what}: unknown filter key '${key}' (expected labels, ids, excludeIds, bitmap)`);
  }
  if (keys.length === 0) throw new Error(`${what}: filter must be ${EXPECTED}, got an empty object`);
  const out = {};
  if (filter.labels !== undefined) {
    if (!hasLabels) throw new Error(`${what}: filter.labels: this index has no labels`);
    out.labels = list(filter.labels, 'labels', -1, 0x7fffffff, Int32Array, what);
  }
  if (filter.ids !== undefined) out.ids = list(filter.ids, 'ids', 0, 0xffffffff, Uint32Array, what);
  if (filter.excludeIds !== undefined) out.excludeIds = list(filter.excludeIds, 'excludeIds', 0, 0xffffffff, Uint32Array, what);
  if (filter.bitmap !== undefined) {
    const b = filter.bitmap;
    if (!(b instanceof Uint8Array) || b.length !== bitmapBytes(size)) {
      throw new Error(`${what}: filter.bitmap must be a Uint8Array of ceil(size / 8) = ${bitmapBytes(size)} bytes, got ${describe(b)}`);
    }
    out.bitmap = b.slice();
  }
  return out;
}

/// The checked filter as the native search takes it (a predicate evaluated into a bitmap), or null.
export function nativeFilter(f, size, what) {
  if (f === null) return null;
  if (!f.predicate) return f;
  return { bitmap: predicateBitmap(f.predicate, size, what) };
}
