// voy-search (WASM, Rust, k-d tree): f32 only, no quantization. Its package is a bundler build (it imports the
// .wasm as a module), so Node instantiates the .wasm by hand against the package's own glue.
import fs from 'node:fs';
import { createRequire } from 'node:module';

export const engine = 'voy-search';
export const pkg = 'voy-search';
export const browser = 'yes (WASM)';
export const pageFiles = ['voy_search.js', 'voy_search_bg.js', 'voy_search_bg.wasm'];

export async function open({ root }) {
  const require = createRequire(`${root}/package.json`);
  const glue = require.resolve('voy-search/voy_search_bg.js');
  const bg = await import(glue);
  const mod = await WebAssembly.instantiate(fs.readFileSync(glue.replace(/\.js$/, '.wasm')), { './voy_search_bg.js': bg });
  bg.__wbg_set_wasm(mod.instance.exports);
  return bg;
}

export const settings = () => [{ name: 'k-d tree f32', quantization: 'f32' }];

export async function build(voy, _s, data) {
  const { d, n, gallery, queries } = data;
  const embeddings = [];
  for (let i = 0; i < n; i++) embeddings.push({ id: String(i), title: '', url: '', embeddings: Array.from(gallery.subarray(i * d, (i + 1) * d)) });
  const index = new voy.Voy({ embeddings });
  return {
    search: (qi, k) => Int32Array.from(index.search(queries.subarray(qi * d, qi * d + d), k).neighbors, (r) => +r.id),
    memory: null,
    // serialize() is one JSON string: past ~200,000 items of dimension 64 it nears V8's string limit.
    pageIndex: n * d <= 200000 * 64 ? { bytes: index.serialize().length, what: 'Voy.serialize() JSON text (not compressed)' } : null,
    dispose() { index.free(); },
  };
}
