#!/usr/bin/env bash
# Scan benchmark: native kernels, the same benchmark compiled to wasm (SIMD128 and scalar builds,
# run by Node), and Faiss (IndexPQ ADC / SDC, IndexPQFastScan) on the very same codes, one thread.
# Prints each run, then one table of M codes/s with ratios. Not a test: figures only.
#
#   scripts/bench-scan.sh [N]          (default N = 1000000)
# REPEAT=r runs every benchmark (ours and both Faiss builds) r times, each a process of its own; the
# summary keeps each figure's best run (the machine is shared, and contention only ever lowers a figure),
# the benchmark report (scripts/bench/report/scan.mjs) the median and spread of the runs.
# Environment: BUILD_DIR (native build, default build/bench-scan), WASM_BUILD_DIR (the wasm builds, CMake preset
#              wasm-bench-scan, default $BUILD_DIR-wasm), OUT_DIR (default $BUILD_DIR/bench-scan),
#              SKIP_WASM=1, SKIP_FAISS=1, SKIP_VERIFY=1 (skip the Catch2 run of the core in both
#              wasm builds that precedes the wasm benchmark), FAISS_AVX2=1 (also run the native Faiss anchor:
#              Faiss 1.7.3 built with AVX2 from Debian's source, scripts/bench-faiss-avx2.sh, on the same dump;
#              its first run fetches and builds Faiss, which takes a long while).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
N=${1:-1000000}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench-scan}
OUT=${OUT_DIR:-$BUILD_DIR/bench-scan}
REPEAT=${REPEAT:-1}
mkdir -p "$OUT/dump"
rm -f "$OUT"/native.txt "$OUT"/wasm-simd.txt "$OUT"/wasm-scalar.txt "$OUT"/faiss.txt "$OUT"/faiss-avx2.txt "$OUT"/faiss-avx2.all
export NODE_PATH=/usr/share/nodejs

echo "=== native (cmake target bench_scan, $BUILD_DIR) ==="
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DDQ_BUILD_TRAINER=OFF >/dev/null
cmake --build "$BUILD_DIR" -j2 --target bench_scan >/dev/null
for _ in $(seq "$REPEAT"); do
  "$BUILD_DIR/tests/bench/bench_scan" --n "$N" --dump "$OUT/dump" | tee -a "$OUT/native.txt"
done

if [ "${SKIP_WASM:-0}" != 1 ]; then
  # The two wasm builds (SIMD128 and scalar) of the scan benchmark come from the
  # CMake preset wasm-bench-scan (scripts/bench/wasm-scan.cmake: the core sources the scan needs, -O3, no FMA
  # contraction, SINGLE_FILE Node programs); WASM_BUILD_DIR is its build tree.
  WASM_BUILD=${WASM_BUILD_DIR:-$BUILD_DIR-wasm}
  WASM_OUT="$WASM_BUILD/bench-scan"
  echo; echo "=== wasm builds (cmake --preset wasm-bench-scan, $WASM_BUILD) ==="
  cmake --preset wasm-bench-scan -B "$WASM_BUILD" >/dev/null
  cmake --build "$WASM_BUILD" -j2 --target dq_bench_scan_simd dq_bench_scan_scalar >/dev/null
  if [ "${SKIP_VERIFY:-0}" != 1 ]; then
    # First the core's Catch2 suite in both wasm builds (the preset CI runs: scripts/test.sh): the wasm
    # SIMD128 kernels must be bit-identical to the scalar reference there too.
    echo; echo "=== wasm: the core's Catch2 suite under node (cmake --preset wasm-tests) ==="
    { cmake --preset wasm-tests >/dev/null && cmake --build --preset wasm-tests -j2 >/dev/null &&
      ctest --preset wasm-tests > "$OUT/wasm-tests.log" 2>&1; } || { cat "$OUT/wasm-tests.log" 2>/dev/null; exit 1; }
    tail -3 "$OUT/wasm-tests.log"
  fi
  # --no-liftoff: measure the optimized (TurboFan) code a page runs once warm. Without it V8 starts
  # in its baseline tier, and on this 2-core machine the background tier-up sometimes lands after
  # the timed runs, halving figures at random.
  echo; echo "=== wasm SIMD128 (em++ -msimd128, node --no-liftoff) ==="
  for _ in $(seq "$REPEAT"); do node --no-liftoff "$WASM_OUT/bench-simd.js" --n "$N" | tee -a "$OUT/wasm-simd.txt"; done
  echo; echo "=== wasm scalar (em++ without -msimd128, node --no-liftoff) ==="
  for _ in $(seq "$REPEAT"); do node --no-liftoff "$WASM_OUT/bench-scalar.js" --n "$N" | tee -a "$OUT/wasm-scalar.txt"; done
fi

if [ "${SKIP_FAISS:-0}" != 1 ]; then
  echo; echo "=== Faiss (/usr/bin/python3, omp_set_num_threads(1)) ==="
  # One process per repetition, as for our kernels: the report's spread is over runs, not over one run's searches.
  for _ in $(seq "$REPEAT"); do /usr/bin/python3 scripts/bench/faiss_scan.py "$OUT/dump" "$N" 1 | tee -a "$OUT/faiss.txt"; done
fi

# The anchor reads the same dump, so it does not make its own; its REPS timed searches match faiss_scan.py's
# count, one process per repetition, each result kept.
if [ "${FAISS_AVX2:-0}" = 1 ]; then
  echo
  for _ in $(seq "$REPEAT"); do
    OUT_DIR="$OUT" BUILD_DIR="$BUILD_DIR" REPS=7 NO_SUMMARY=1 scripts/bench-faiss-avx2.sh "$N"
    cat "$OUT/faiss-avx2.txt" >> "$OUT/faiss-avx2.all"
  done
  mv "$OUT/faiss-avx2.all" "$OUT/faiss-avx2.txt"
fi

echo; echo "=== summary: M codes/s, best kernel of each backend (scan alone / scan + top-10) ==="
results=()
for f in native wasm-simd wasm-scalar faiss faiss-avx2; do [ -f "$OUT/$f.txt" ] && results+=("$OUT/$f.txt"); done
/usr/bin/python3 scripts/bench/scan_summary.py "${results[@]}"
