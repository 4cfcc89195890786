// Node only: model and database files from disk, read straight into the WebAssembly heap, and the
// pool's worker threads. Reached only from node.mjs (registered in platform.mjs), never from the
// browser entry.
import fs from 'node:fs/promises';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CHUNK, HeapBlock } from './sources.mjs';

/// A source (see openSource in sources.mjs) over a file path or file: URL.
export async function openFile(pathOrUrl, what) {
  const name = String(pathOrUrl instanceof URL ? pathOrUrl.pathname : pathOrUrl);
  let fh;
  try {
    fh = await fs.open(pathOrUrl, 'r');
  } catch (e) {
    throw new Error(`${what}: cannot open ${name}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  const { size } = await fh.stat();
  return {
    name,
    total: size,
    async readInto(module, report) {
      let block = null;
      try {
        block = new HeapBlock(module, size, what);
        block.reserve(size);
        let off = 0;
        while (off < size) {
          // Straight into the heap: no intermediate JS buffer.
          const { bytesRead } = await fh.read(module.HEAPU8, block.ptr + off, Math.min(CHUNK, size - off), off);
          if (bytesRead === 0) throw new Error(`${what}: ${name} shrank while reading (${off} of ${size} bytes)`);
          off += bytesRead;
          block.length = off;
          report(off, size);
        }
        return block;
      } catch (e) {
        if (block) block.free();
        throw e;
      } finally {
        await fh.close();
      }
    },
    async discard() {
      await fh.close();
    },
  };
}

/// A whole file's bytes (the .wasm under Node, where the web loader cannot fetch a path).
export async function readFile(pathOrUrl) {
  return fs.readFile(pathOrUrl); // a Buffer: a Uint8Array
}

/// A search worker of the pool (pool.mjs) as a worker_threads Worker, behind the small interface
/// pool.mjs uses for browser Workers too.
export function createWorker() {
  const w = new Worker(new URL('./node-search-worker.mjs', import.meta.url));
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer),
    onMessage: (cb) => w.on('message', cb),
    onError: (cb) => {
      w.on('error', cb);
      w.on('exit', (code) => {
        if (code !== 0) cb(new Error(`the search worker exited with code ${code}`));
      });
    },
    terminate: () => w.terminate(),
  };
}

/// Cores this process may use (the pool's default number of workers).
export function hardwareConcurrency() {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
