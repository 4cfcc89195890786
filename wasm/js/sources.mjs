// Model / database sources -> bytes in the WebAssembly heap, with progress.
//
// A source is a URL string or URL (fetched, streamed), a file path or file: URL (Node: read from
// disk), an ArrayBuffer or any ArrayBuffer view. Downloads go straight into one heap block (sized
// from Content-Length when it is the decoded size, grown by doubling otherwise), so a file is held
// once in JS-visible memory only while its chunk is in flight. A URL can also be read into a JS
// buffer instead (readBytes: download.mjs, for callers that keep the bytes), through the same loop.

import { describe } from './pixels.mjs';
import { platform } from './platform.mjs';

/// Bytes per read of a streamed body or a file.
export const CHUNK = 1 << 20;

/// A growable byte block in the module's heap. Views are re-read from Module.HEAPU8 on every
/// write, since an allocation may grow (and so detach) the memory.
export class HeapBlock {
  constructor(module, capacity, what) {
    this.module = module;
    this.what = what;
    this.cap = Math.max(64, capacity);
    this.ptr = this.#alloc(this.cap);
    this.length = 0;
  }

  #alloc(n) {
    const p = this.module.allocBuffer(n);
    if (!p) throw new Error(`${this.what}: out of memory allocating ${n} bytes in the WebAssembly heap (limit 1 GiB)`);
    return p;
  }

  reserve(extra) {
    const need = this.length + extra;
    if (need <= this.cap) return;
    const cap = Math.max(need, this.cap * 2);
    const p = this.#alloc(cap);
    this.module.HEAPU8.copyWithin(p, this.ptr, this.ptr + this.length);
    this.module.freeBuffer(this.ptr);
    this.ptr = p;
    this.cap = cap;
  }

  append(bytes) {
    this.reserve(bytes.length);
    this.module.HEAPU8.set(bytes, this.ptr + this.length);
    this.length += bytes.length;
  }

  free() {
    if (this.ptr) this.module.freeBuffer(this.ptr);
    this.ptr = 0;
  }
}

/// HeapBlock's counterpart in JS memory (same append / length / free), for readBytes.
class ByteBlock {
  constructor(capacity) {
    this.buf = new Uint8Array(Math.max(64, capacity));
    this.length = 0;
  }

  append(bytes) {
    if (this.length + bytes.length > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + bytes.length));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /// The bytes read: the buffer itself when it is exactly full, else a trimmed copy.
  bytes() {
    return this.buf.length === this.length ? this.buf : this.buf.slice(0, this.length);
  }

  free() {
    this.buf = null;
  }
}

function toBytes(src) {
  if (src instanceof Uint8Array) return src;
  if (src instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && src instanceof SharedArrayBuffer)) return new Uint8Array(src);
  if (ArrayBuffer.isView(src)) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  return null;
}

function looksLikeUrl(s) {
  return /^[a-z][a-z0-9+.-]*:/i.test(s) && !/^[a-z]:[\\/]/i.test(s); // not a Windows drive path
}

/// Starts reading a source (the request goes out now) and returns { name, total,
/// readInto(module, report) -> HeapBlock, discard() } (discard: close it unread). `what` names it
/// in errors ("model").
export async function openSource(src, what) {
  const bytes = toBytes(src);
  if (bytes) {
    return {
      name: `${what} bytes`,
      total: bytes.length,
      async readInto(module, report) {
        const block = new HeapBlock(module, bytes.length, what);
        try {
          block.append(bytes);
        } catch (e) {
          block.free();
          throw e;
        }
        report(bytes.length, bytes.length);
        return block;
      },
      async discard() {},
    };
  }
  let url = null;
  if (src instanceof URL) url = src;
  else if (typeof src === 'string') {
    if (src.length === 0) throw new Error(`${what}: empty string given as a URL or file path`);
    if (looksLikeUrl(src)) url = new URL(src);
    else if (!platform.openFile && globalThis.location) url = new URL(src, globalThis.location.href);
  } else {
    throw new Error(`${what}: expected a URL, a file path, an ArrayBuffer or a Uint8Array, got ${describe(src)}`);
  }
  if (url === null || url.protocol === 'file:') {
    // Files are the host's business: the Node entry registers a reader (platform.mjs), the browser
    // entry none, so no node: import is reachable from a browser bundle.
    if (platform.openFile) return platform.openFile(url ?? src, what);
    throw new Error(`${what}: '${src}' is a file path, and file paths are read only by the Node.js entry of deepquan (import 'deepquan' under Node.js); pass a URL, an ArrayBuffer or a Uint8Array`);
  }
  return openUrl(url, what);
}

/// Opens a URL: the request goes out now; `init` is passed to fetch (e.g. { cache: 'no-store' }).
/// An HTTP error status throws an Error whose `status` property holds it, 0 when there was no answer
/// (so a caller can treat a 404 of an optional file as absent, or tell a dead server from a bad URL).
export async function openUrl(url, what, init = undefined) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    // status 0, as fetch's own Response.error(): no answer at all (server down, blocked, offline).
    throw Object.assign(new Error(`${what}: cannot fetch ${url.href}: ${e.message}${e.cause ? ` (${e.cause.message ?? e.cause})` : ''}`), { status: 0 });
  }
  if (!res.ok) {
    throw Object.assign(new Error(`${what}: HTTP ${res.status} ${res.statusText} for ${url.href}`), { status: res.status });
  }
  // Content-Length is the encoded size when the server compressed the body: only a hint then.
  const len = Number(res.headers.get('content-length'));
  const encoded = !!res.headers.get('content-encoding');
  const total = Number.isFinite(len) && len > 0 && !encoded ? len : undefined;
  const capacity = total ?? (Number.isFinite(len) && len > 0 ? len : CHUNK);
  // Streams the body into `block` (a HeapBlock or a ByteBlock), freeing it on failure.
  const stream = async (block, report) => {
    try {
      if (!res.body || !res.body.getReader) {
        block.append(new Uint8Array(await res.arrayBuffer()));
        report(block.length, block.length);
        return block;
      }
      const reader = res.body.getReader();
      for (;;) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (e) {
          throw new Error(`${what}: ${url.href} failed after ${block.length} bytes: ${e.message}`);
        }
        if (chunk.done) break;
        block.append(chunk.value);
        report(block.length, total !== undefined && block.length <= total ? total : undefined);
      }
      if (total !== undefined && block.length !== total) {
        throw new Error(`${what}: ${url.href} ended after ${block.length} of ${total} bytes (connection cut?)`);
      }
      return block;
    } catch (e) {
      block.free();
      throw e;
    }
  };
  return {
    name: url.href,
    total,
    readInto: (module, report) => stream(new HeapBlock(module, capacity, what), report),
    readBytes: async (report) => (await stream(new ByteBlock(capacity), report)).bytes(),
    async discard() {
      if (res.body && !res.bodyUsed) await res.body.cancel().catch(() => {});
    },
  };
}
