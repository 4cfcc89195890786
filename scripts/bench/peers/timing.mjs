// The timed query passes of one built engine, shared by the Node runner (runner.mjs) and the Chromium page
// (page.mjs), so both measure the same thing: 20 warm-up queries, then `runs` passes over every query, each
// query timed on its own (awaited one at a time when the engine is asynchronous). Browser-safe: no Node API.

/// { passes: runs arrays of per-query ms, found: the last pass's results (one Int32Array per query) }.
export async function timedPasses(built, nq, k, runs) {
  const passes = [];
  let found = null;
  const warm = Math.min(nq, 20);
  for (let i = 0; i < warm; i++) await built.search(i, k);
  for (let r = 0; r < runs; r++) {
    const times = new Array(nq), res = new Array(nq);
    if (built.async) {
      for (let i = 0; i < nq; i++) { const t = performance.now(); res[i] = await built.search(i, k); times[i] = performance.now() - t; }
    } else {
      for (let i = 0; i < nq; i++) { const t = performance.now(); res[i] = built.search(i, k); times[i] = performance.now() - t; }
    }
    passes.push(times);
    found = res;
  }
  return { passes, found };
}
