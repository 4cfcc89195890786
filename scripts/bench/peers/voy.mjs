// voy-search (WASM, Rust, k-d tree): f32 only, no quantization. Its package is a bundler build (it imports the
// .wasm as a module), so Node instantiates the .wasm by hand against the package's own glue.

export const engine = 'voy-search';
export const pkg = 'voy-search';
export const browser = 'yes (WASM)';
export const pageFiles = ['voy_search.js', 'voy_search_bg.js', 'voy_search_bg.wasm'];

// Node modules are imported inside open: page.mjs imports this file in Chromium, where it calls openPage.
export async function open({ root }) {
  const fs = await import('node:fs');
  const { createRequire } = await import('node:module');
  const glue = createRequire(`${root}/package.json`).resolve('voy-search/voy_search_bg.js');
  return instantiate(await import(glue), fs.readFileSync(glue.replace(/\.js$/, '.wasm')));
}

/// In a page: what a bundler would do, by hand (the glue, then the .wasm instantiated against it).
export async function openPage({ modules }) {
  const bytes = await (await fetch(`${modules}/voy-search/voy_search_bg.wasm`)).arrayBuffer();
  return instantiate(await import(`${modules}/voy-search/voy_search_bg.js`), bytes);
}

async function instantiate(bg, bytes) {
  const mod = await WebAssembly.instantiate(bytes, { './voy_search_bg.js': bg });
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
