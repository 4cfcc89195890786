// The one rule for which settings of an engine share an index, used by the Node runner (runner.mjs) and the
// page (page.mjs) alike so both time the same builds: settings with the same buildKey differ only at search
// time (ef, rescoring, SDC / ADC). The first of them gets fresh, timed builds; the others reuse its index when
// adapter.retune can (hnswlib's setEfSearch), else get one untimed build of their own (edgevec and usearch
// take ef at construction) and are reported with the first's build timing. Browser-safe: no Node imports.

/// A cache of at most one built index. get(s, fresh) returns { built, entry, reused }: entry is the cache
/// entry { key, name, built, ...what fresh measured } of the setting whose build this one has; reused is false
/// when `fresh` (async () => ({ built, ...timing })) ran for this setting. release() disposes what is held.
export function sharedBuilds(adapter, lib, data) {
  let shared = null;
  const release = () => {
    const b = shared?.built;
    shared = null; // cleared first: a dispose or a later build that throws must not leave it to dispose twice
    b?.dispose();
  };
  const get = async (s, fresh) => {
    const key = s.buildKey ?? s.name;
    if (shared && shared.key === key) {
      const tuned = adapter.retune?.(shared.built, s);
      if (tuned) return { built: tuned, entry: shared, reused: true };
      const entry = shared;
      entry.built.dispose();
      entry.built = null;
      shared = null;
      entry.built = await adapter.build(lib, s, data);
      shared = entry;
      return { built: entry.built, entry, reused: true };
    }
    release();
    const made = await fresh();
    shared = { ...made, key, name: s.name };
    return { built: made.built, entry: shared, reused: false };
  };
  return { get, release };
}
