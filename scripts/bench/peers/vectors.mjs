// What the b1 and centred settings derive from the gallery's z, shared by bench-peers.mjs and the Chromium
// page (page.mjs) so both hand an engine the very same bytes. Browser-safe: no Node API.

/// { meanZ, signBits(v, count), centered(v) } over the n × d row-major gallery: signBits packs the sign of
/// z minus the gallery's per-dimension mean, 8 dimensions a byte (⌈d/8⌉ bytes a row); centered subtracts the mean.
export function vectorHelpers(gallery, n, d) {
  const meanZ = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) meanZ[t] += gallery[i * d + t] / n;
  const signBits = (v, count) => {
    const B = Math.ceil(d / 8), out = new Uint8Array(count * B);
    for (let i = 0; i < count; i++) for (let t = 0; t < d; t++) if (v[i * d + t] > meanZ[t]) out[i * B + (t >> 3)] |= 1 << (t & 7);
    return out;
  };
  const centered = (v) => v.map((x, i) => x - meanZ[i % d]);
  return { meanZ, signBits, centered };
}
