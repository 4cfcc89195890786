// The Node.js entry of deepquan (package.json "exports" condition "node"): the browser entry plus
// Node's file system, so model and database sources may be file paths and the .wasm is read from
// disk. Same API, same objects: everything is re-exported from index.mjs.
import { registerPlatform } from './platform.mjs';
import { createWorker, hardwareConcurrency, openFile, readFile } from './node-files.mjs';

registerPlatform({ openFile, readFile, createWorker, hardwareConcurrency });

export * from './index.mjs';
export { default } from './index.mjs';
