// WebAssembly SIMD128 batched scan (wasm SIMD build only): code c of subspace m reads the 16
// queries' floats at lutq + (m K + c) 16 as four f32x4 vectors. Lanes are added in increasing m
// from the m = 0 term (wasm has no FMA to contract into): bit-identical to the scalar reference.
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

namespace dq {

void dq_scan_lut8_q16__scalar(const float* lutq, uint32_t M, uint32_t K, const uint8_t* codes, size_t n, float* out);

namespace {

template <uint32_t kM>
__attribute__((noinline)) void scan(const float* lutq, uint32_t Mr, uint32_t K, const uint8_t* codes, size_t n,
                                    float* out) {
    const uint32_t M = kM ? kM : Mr;
    for (size_t i = 0; i < n; ++i) {
        const uint8_t* c = codes + i * M;
        const float* p = lutq + size_t(c[0]) * 16;
        v128_t a0 = wasm_v128_load(p), a1 = wasm_v128_load(p + 4);
        v128_t a2 = wasm_v128_load(p + 8), a3 = wasm_v128_load(p + 12);
        for (uint32_t m = 1; m < M; ++m) {
            p = lutq + (size_t(m) * K + c[m]) * 16;
            a0 = wasm_f32x4_add(a0, wasm_v128_load(p));
            a1 = wasm_f32x4_add(a1, wasm_v128_load(p + 4));
            a2 = wasm_f32x4_add(a2, wasm_v128_load(p + 8));
            a3 = wasm_f32x4_add(a3, wasm_v128_load(p + 12));
        }
        float* o = out + i * 16;
        wasm_v128_store(o, a0);
        wasm_v128_store(o + 4, a1);
        wasm_v128_store(o + 8, a2);
        wasm_v128_store(o + 12, a3);
    }
}

}  // namespace

void dq_scan_lut8_q16__wasmsimd(const float* lutq, uint32_t M, uint32_t K, const uint8_t* codes, size_t n,
                                float* out) {
    switch (M) {
        case 0: return dq_scan_lut8_q16__scalar(lutq, M, K, codes, n, out);
        case 2: return scan<2>(lutq, M, K, codes, n, out);
        case 4: return scan<4>(lutq, M, K, codes, n, out);
        case 8: return scan<8>(lutq, M, K, codes, n, out);
        case 16: return scan<16>(lutq, M, K, codes, n, out);
        default: return scan<0>(lutq, M, K, codes, n, out);
    }
}

}  // namespace dq
