// Node only: model and database files from disk, read straight into the WebAssembly heap. Reached
// only from node.mjs (registered in platform.mjs), never from the browser entry.
import fs from 'node:fs/promises';
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
