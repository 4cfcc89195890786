#!/usr/bin/env bash
# The whole test suite: native build + Catch2 and e2e (ctest), the same under ASan + UBSan, fuzzing
# (CI=true), the script suite (node:test), the core suite built with Emscripten and run by node,
# WASM build + node:test, browser suite.
# Exits non-zero if any stage fails; each runner prints its own summary.
set -uo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
jobs=$(nproc 2>/dev/null || echo 2)
status=0
step() { echo; echo "=== $* ==="; }
fail() { echo "test.sh: FAILED: $*" >&2; status=1; }

step "native build (build/native)"
if cmake --preset native >/dev/null && cmake --build --preset native -j "$jobs"; then
  step "Catch2 suites (ctest)"
  ctest --test-dir build/native --output-on-failure -j "$jobs" || fail "ctest"
else
  fail "native build"
fi

step "ASan + UBSan build (build/asan)"
# The same Catch2 suites and the corrupt-input CLI test under the sanitizers (any report fails the
# test: -fno-sanitize-recover). The training e2e tests (label slow) already ran natively above.
if cmake --preset native-asan >/dev/null && cmake --build --preset native-asan -j "$jobs"; then
  step "Catch2 suites under ASan + UBSan (ctest)"
  ctest --test-dir build/asan --output-on-failure -j "$jobs" -LE slow || fail "ctest (asan)"
else
  fail "asan build"
fi

if [ "${CI:-}" = "true" ] || [ -n "${DQ_FUZZ_SECONDS:-}" ]; then
  step "fuzzing (build/fuzz, ${DQ_FUZZ_SECONDS:-20} s per target)"
  scripts/fuzz.sh --seconds "${DQ_FUZZ_SECONDS:-20}" || fail "fuzz.sh"
else
  step "fuzzing: skipped (runs when CI=true or DQ_FUZZ_SECONDS=N; or run scripts/fuzz.sh)"
fi

step "script suite (node --test tests/scripts: the benchmark program: matrix, runner, report; demo.sh options)"
node --test --test-concurrency=1 tests/scripts/ || fail "node --test tests/scripts"

step "core suite in wasm (build/wasm-tests: Catch2 under node, SIMD128 and baseline modules)"
# The kernels the page runs, against the scalar reference, where they run: the native ctest run
# cannot see the wasm SIMD128 kernels.
if cmake --preset wasm-tests >/dev/null && cmake --build --preset wasm-tests -j "$jobs"; then
  ctest --preset wasm-tests || fail "ctest (wasm-tests)"
else
  fail "wasm-tests build"
fi

step "wasm build (build/wasm -> wasm/dist)"
if cmake --preset wasm >/dev/null && cmake --build --preset wasm -j "$jobs"; then
  step "WASM package suite (node --test)"
  node --test --test-concurrency=1 tests/wasm/ || fail "node --test tests/wasm"
  step "browser suite (node --test, Chromium)"
  node --test --test-concurrency=1 tests/web/ || fail "node --test tests/web"
else
  fail "wasm build"
fi

echo
if [ $status -eq 0 ]; then echo "test.sh: all suites passed"; else echo "test.sh: some suites FAILED"; fi
exit $status
