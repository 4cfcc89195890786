// WebAssembly SIMD128 scan of one-byte codes (wasm SIMD build only). Sums in increasing m in float,
// bit-identical to the scalar reference.
//
// wasm has no gather, and measured in V8 a lookup costs about four instructions whatever the
// vector trickery (load byte, scale, load float, add). What pays: M fixed at compile time, 4 or 8 codes
// per iteration (amortizes V8's per-iteration interrupt check; one v128 store of four at M <= 2), and
// the table copied to a static buffer so each lookup's address is `code*4 + constant` (one add
// fewer: wasm cannot fold a runtime base into the load's offset immediate). Measured with
// tests/bench/bench_scan in Node 20 on Zen 4: about twice the scalar reference at M = 2, 4 and 8.
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace dq {

void dq_scan_lut8_u8__scalar(const float* lut, uint32_t M, uint32_t K, const uint8_t* codes, size_t n, float* out);

namespace {

constexpr size_t kStaticFloats = 16 * 256;
// The module is single-threaded (no pthreads build), so one buffer is safe.
alignas(64) float g_lut[kStaticFloats];

template <int M, int K>
inline float sum_code(const float* lut, const uint8_t* c) {
    float acc = lut[c[0]];
    for (int m = 1; m < M; ++m) acc += lut[m * K + c[m]];
    return acc;
}

// kStatic: read g_lut by name, so its address is a link-time constant. noinline: one small wasm
// function per specialization; inlined into one huge dispatcher, V8 kept running it in its baseline
// tier (Liftoff) for the whole benchmark, at about half the speed.
template <int M, int K, bool kStatic>
__attribute__((noinline)) void scan_fixed(const float* lut_arg, const uint8_t* codes, size_t n, float* out) {
    const float* lut = kStatic ? g_lut : lut_arg;
    size_t i = 0;
    if (M <= 2) {
        for (; i + 4 <= n; i += 4) {
            const uint8_t* c = codes + i * M;
            wasm_v128_store(out + i, wasm_f32x4_make(sum_code<M, K>(lut, c), sum_code<M, K>(lut, c + M),
                                                     sum_code<M, K>(lut, c + 2 * M), sum_code<M, K>(lut, c + 3 * M)));
        }
    } else {
        // Measured: from M = 3 on, scalar stores beat building a vector (LLVM interleaves the sums
        // and V8 spills), and 8 codes per iteration beat 4 by about 5 %.
        for (; i + 8 <= n; i += 8) {
            const uint8_t* c = codes + i * M;
#pragma clang loop unroll(full)
            for (int j = 0; j < 8; ++j) out[i + j] = sum_code<M, K>(lut, c + j * M);
        }
    }
    for (; i < n; ++i) out[i] = sum_code<M, K>(lut, codes + i * M);
}

template <int K, bool S>
bool dispatch_m(const float* lut, uint32_t M, const uint8_t* codes, size_t n, float* out) {
    switch (M) {
        case 1: scan_fixed<1, K, S>(lut, codes, n, out); return true;
        case 2: scan_fixed<2, K, S>(lut, codes, n, out); return true;
        case 3: scan_fixed<3, K, S>(lut, codes, n, out); return true;
        case 4: scan_fixed<4, K, S>(lut, codes, n, out); return true;
        case 6: scan_fixed<6, K, S>(lut, codes, n, out); return true;
        case 8: scan_fixed<8, K, S>(lut, codes, n, out); return true;
        case 12: scan_fixed<12, K, S>(lut, codes, n, out); return true;
        case 16: scan_fixed<16, K, S>(lut, codes, n, out); return true;
        default: return false;
    }
}

}  // namespace

void dq_scan_lut8_u8__wasmsimd(const float* lut, uint32_t M, uint32_t K, const uint8_t* codes, size_t n,
                               float* out) {
    const size_t floats = size_t(M) * K;
    // The copy costs M*K floats: worth it only when the scan is longer than the table.
    if (floats <= kStaticFloats && n >= 256) {
        std::memcpy(g_lut, lut, floats * sizeof(float));
        if (K == 256 && dispatch_m<256, true>(g_lut, M, codes, n, out)) return;
        if (K == 16 && dispatch_m<16, true>(g_lut, M, codes, n, out)) return;
    } else {
        if (K == 256 && dispatch_m<256, false>(lut, M, codes, n, out)) return;
        if (K == 16 && dispatch_m<16, false>(lut, M, codes, n, out)) return;
    }
    dq_scan_lut8_u8__scalar(lut, M, K, codes, n, out);
}

}  // namespace dq
