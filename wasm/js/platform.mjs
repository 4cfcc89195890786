// What the package needs from its host beyond the web platform (fetch, WebAssembly), filled in by
// an entry file. The browser entry (index.mjs) fills in nothing, so a bundle made from it reaches
// no node: import; the Node entry (node.mjs) registers Node's file system here. Everything else in
// the package asks this object instead of testing "am I in Node?".

export const platform = {
  /// (pathOrFileUrl, what) -> source (sources.mjs's { name, total, readInto, discard }), or null.
  openFile: null,
  /// (pathOrFileUrl) -> Promise<Uint8Array> of a whole file, or null.
  readFile: null,
  /// () -> a search worker { post, onMessage, onError, terminate } (pool.mjs), or null: a browser
  /// module Worker then.
  createWorker: null,
  /// () -> cores available, or null: navigator.hardwareConcurrency then.
  hardwareConcurrency: null,
};

/// Whether this is a Node.js process: then the Emscripten loader (built for web and worker) cannot
/// fetch its .wasm, so module.mjs must hand it the bytes.
export const isNode = typeof process !== 'undefined' && !!process.versions && !!process.versions.node;

/// Called once by an entry file.
export function registerPlatform(hooks) {
  Object.assign(platform, hooks);
}
