// Keeping a database in the browser between visits: IndexedDB (every browser) and the origin private
// file system (OPFS, where the browser has writable file streams). What is stored is always the bytes
// of a .dqdb (index.save()), so a stored database is reopened by loadIndex like any other source and
// checked by the core's reader (section CRCs, sizes, the model fingerprint) on the way in.
//
// A save replaces the previous one whole or not at all, never half a database:
// - IndexedDB: one put() in one readwrite transaction; a transaction that fails (quota exceeded) or
//   never commits (tab closed) leaves the previous value. We resolve only on 'complete'.
// - OPFS: createWritable() writes to a swap file that replaces the file only on close(); a failed
//   write is abort()ed, an interrupted one is discarded by the browser.

import { describe } from './pixels.mjs';

const DEFAULT_DB = 'deepquan';
const DEFAULT_STORE = 'databases';

const DQDB_MAGIC = [0x89, 0x44, 0x51, 0x42, 0x0d, 0x0a, 0x1a, 0x0a]; // "\x89DQB\r\n\x1a\n" (core format.h)

function bytesOf(what, data) {
  if (data !== null && typeof data === 'object' && typeof data.save === 'function' && 'disposed' in data) return data.save();
  let bytes = null;
  if (data instanceof Uint8Array) bytes = data;
  else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
  else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  else throw new Error(`${what}: expected a DeepQuanIndex, an ArrayBuffer or a Uint8Array of a .dqdb file, got ${describe(data)}`);
  // Only the magic: the whole file is checked by the core when it is opened again. This catches the
  // likely mistake (a model, or some other buffer) before it replaces a good saved database.
  if (bytes.length < 64 || DQDB_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${what}: these ${bytes.length} bytes are not a .dqdb database (pass index.save() or the bytes of a .dqdb file)`);
  }
  return bytes;
}

function checkKey(what, key) {
  if (typeof key !== 'string' || key.length === 0) throw new Error(`${what}: the key must be a non-empty string, got ${describe(key)}`);
}

function checkStoreOptions(what, options) {
  if (options === null || typeof options !== 'object') throw new Error(`${what}: expected an options object { database?, store? }, got ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (k !== 'database' && k !== 'store') throw new Error(`${what}: unknown option '${k}' (expected database, store)`);
  }
  const { database = DEFAULT_DB, store = DEFAULT_STORE } = options;
  for (const [k, v] of [['database', database], ['store', store]]) {
    if (typeof v !== 'string' || v.length === 0) throw new Error(`${what}: ${k} must be a non-empty string, got ${describe(v)}`);
  }
  return { database, store };
}

function idb(what) {
  if (typeof indexedDB === 'undefined') {
    throw new Error(`${what}: this environment has no IndexedDB (a browser API); under Node.js write index.save() to a file`);
  }
  return indexedDB;
}

const reason = (e) => (e ? (e.message ? `${e.name}: ${e.message}` : e.name) : 'unknown error');

/// Opens (creating on first use) the database holding `store`.
function openDb(what, { database, store }) {
  return new Promise((resolve, reject) => {
    const req = idb(what).open(database);
    req.onupgradeneeded = () => req.result.createObjectStore(store);
    req.onerror = () => reject(new Error(`${what}: cannot open IndexedDB database '${database}': ${reason(req.error)}`));
    req.onblocked = () => reject(new Error(`${what}: IndexedDB database '${database}' is blocked by another tab holding an older version`));
    req.onsuccess = () => {
      const db = req.result;
      if (db.objectStoreNames.contains(store)) return resolve(db);
      // A new store in an existing database needs a version change.
      const version = db.version + 1;
      db.close();
      const up = indexedDB.open(database, version);
      up.onupgradeneeded = () => up.result.createObjectStore(store);
      up.onerror = () => reject(new Error(`${what}: cannot add store '${store}' to IndexedDB database '${database}': ${reason(up.error)}`));
      up.onblocked = req.onblocked;
      up.onsuccess = () => resolve(up.result);
    };
  });
}

/// Runs one transaction; resolves with `result()` once it has committed.
async function transact(what, options, mode, body) {
  const db = await openDb(what, options);
  try {
    return await new Promise((resolve, reject) => {
      let tx;
      try {
        tx = db.transaction(options.store, mode, { durability: 'strict' });
      } catch (e) {
        reject(new Error(`${what}: ${reason(e)}`));
        return;
      }
      let value, req;
      try {
        req = body(tx.objectStore(options.store));
      } catch (e) {
        // put() itself can throw (DataCloneError, or a failing store); nothing was written.
        tx.abort();
        reject(new Error(`${what}: ${reason(e)}${mode === 'readwrite' ? ' (the previously saved database is unchanged)' : ''}`));
        return;
      }
      req.onsuccess = () => (value = req.result);
      tx.oncomplete = () => resolve(value);
      // A failed request (e.g. QuotaExceededError) aborts the transaction (its error event is not
      // cancelled), and so does a failed commit: either way onabort reports it, once.
      tx.onabort = () => reject(new Error(`${what}: ${reason(tx.error ?? req.error)}${mode === 'readwrite' ? ' (the previously saved database is unchanged)' : ''}`));
    });
  } finally {
    db.close();
  }
}

/// Stores a database under `key` (replacing what was there, atomically). data: an index (its save())
/// or .dqdb bytes. Resolves to the number of bytes stored once the transaction has committed.
export async function saveToIndexedDB(key, data, options = {}) {
  const what = 'saveToIndexedDB';
  checkKey(what, key);
  const opts = checkStoreOptions(what, options);
  const bytes = bytesOf(what, data);
  // A copy of exactly these bytes (a view may be a window on a bigger buffer).
  const record = { format: 'dqdb', bytes: bytes.slice().buffer, byteLength: bytes.length };
  await transact(what, opts, 'readwrite', (s) => s.put(record, key));
  return bytes.length;
}

/// The .dqdb bytes stored under `key`, or null if there are none.
export async function loadFromIndexedDB(key, options = {}) {
  const what = 'loadFromIndexedDB';
  checkKey(what, key);
  const opts = checkStoreOptions(what, options);
  const record = await transact(what, opts, 'readonly', (s) => s.get(key));
  if (record === undefined) return null;
  if (record === null || typeof record !== 'object' || record.format !== 'dqdb' || !(record.bytes instanceof ArrayBuffer) || record.bytes.byteLength !== record.byteLength) {
    throw new Error(`${what}: the value under '${key}' in '${opts.database}/${opts.store}' is not a database saved by deepquan`);
  }
  return new Uint8Array(record.bytes);
}

/// Deletes what is stored under `key` (nothing happens if there is nothing).
export async function removeFromIndexedDB(key, options = {}) {
  const what = 'removeFromIndexedDB';
  checkKey(what, key);
  await transact(what, checkStoreOptions(what, options), 'readwrite', (s) => s.delete(key));
}

/// Whether this browser has the OPFS with writable streams (Chromium 86+, Firefox 111+, Safari 17+
/// in windows and workers alike).
export function opfsSupported() {
  return typeof navigator !== 'undefined' && !!navigator.storage && typeof navigator.storage.getDirectory === 'function' &&
    typeof FileSystemFileHandle !== 'undefined' && typeof FileSystemFileHandle.prototype.createWritable === 'function';
}

function checkName(what, name) {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || /[/\\\0]/.test(name) || name === '.' || name === '..') {
    throw new Error(`${what}: the file name must be a non-empty name without '/', '\\' or NUL, got ${describe(name)}`);
  }
}

async function opfsRoot(what) {
  if (!opfsSupported()) throw new Error(`${what}: this browser has no origin private file system with writable streams; use saveToIndexedDB`);
  return navigator.storage.getDirectory();
}

/// Writes a database to the OPFS file `name`, replacing it atomically. Resolves to the bytes written.
export async function saveToOPFS(name, data) {
  const what = 'saveToOPFS';
  checkName(what, name);
  const bytes = bytesOf(what, data);
  const root = await opfsRoot(what);
  const handle = await root.getFileHandle(name, { create: true });
  let writable;
  try {
    writable = await handle.createWritable({ keepExistingData: false });
    await writable.write(bytes);
    await writable.close();
  } catch (e) {
    if (writable) await writable.abort().catch(() => {});
    throw new Error(`${what}: cannot write '${name}': ${reason(e)} (the previously saved database is unchanged)`);
  }
  return bytes.length;
}

/// The bytes of the OPFS file `name`, or null if there is none.
export async function loadFromOPFS(name) {
  const what = 'loadFromOPFS';
  checkName(what, name);
  const root = await opfsRoot(what);
  let handle;
  try {
    handle = await root.getFileHandle(name);
  } catch (e) {
    if (e && e.name === 'NotFoundError') return null;
    throw new Error(`${what}: cannot open '${name}': ${reason(e)}`);
  }
  const file = await handle.getFile();
  return new Uint8Array(await file.arrayBuffer());
}

/// Deletes the OPFS file `name` (nothing happens if there is none).
export async function removeFromOPFS(name) {
  const what = 'removeFromOPFS';
  checkName(what, name);
  const root = await opfsRoot(what);
  try {
    await root.removeEntry(name);
  } catch (e) {
    if (!e || e.name !== 'NotFoundError') throw new Error(`${what}: cannot remove '${name}': ${reason(e)}`);
  }
}
