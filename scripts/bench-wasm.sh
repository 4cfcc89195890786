#!/usr/bin/env bash
# WebAssembly package benchmark (figures, not a test): encoder latency per query, search latency
# over 70,000 and 1,000,000 codes at 32 and 64 bits, for the SIMD128 and baseline modules, plus the
# module sizes raw and gzipped. Models have the paper's 784-500-500-2000-L shape with seeded random
# weights (latency does not depend on the values); databases hold random codes. The timing program is
# scripts/bench/wasm-latency.mjs.
#
#   scripts/bench-wasm.sh            (needs wasm/dist and build/native/tests/tools/dq_golden)
#   REPEAT=N scripts/bench-wasm.sh   the timing program N times (default 3), each a process of its own
#   DQ_GOLDEN_BIN=... DQ_PKG_DIR=... scripts/bench-wasm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${REPEAT:-3}
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || { echo "bench-wasm: REPEAT='$REPEAT' is not a positive whole number" >&2; exit 2; }
GOLDEN=${DQ_GOLDEN_BIN:-build/native/tests/tools/dq_golden}
PKG=${DQ_PKG_DIR:-wasm/dist}
[ -x "$GOLDEN" ] || { echo "bench-wasm: $GOLDEN not built (cmake --preset native && cmake --build --preset native --target dq_golden)" >&2; exit 1; }
[ -f "$PKG/index.mjs" ] || { echo "bench-wasm: $PKG/index.mjs not built (cmake --preset wasm && cmake --build --preset wasm)" >&2; exit 1; }
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
"$GOLDEN" "$DATA" --bench

echo "== module sizes"
for f in "$PKG"/deepquan-simd.wasm "$PKG"/deepquan-simd.mjs "$PKG"/deepquan.wasm "$PKG"/deepquan.mjs "$PKG"/index.mjs "$PKG"/pixels.mjs "$PKG"/sources.mjs; do
  printf '%-22s %8d bytes raw %8d gzip -9\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done

# Each run a process of its own (fresh JIT and heap), so the spread between runs is the spread a user meets.
for ((r = 1; r <= REPEAT; r++)); do
  echo "== run $r of $REPEAT"
  node scripts/bench/wasm-latency.mjs "$DATA" "$(realpath "$PKG")"
done
