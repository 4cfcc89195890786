// Dense f32 kernel, AVX2: one __m256 accumulator = the 8 lanes of encoder.h's summation order.
#include <immintrin.h>

#include "dense-f32-tile.h"

namespace dq {

namespace {

struct Avx2 {
    using reg = __m256;
    static reg zero() { return _mm256_setzero_ps(); }
    static reg load(const float* p) { return _mm256_loadu_ps(p); }
    // mul then add (no FMA): the file is built with -mavx2 only and -ffp-contract=off.
    static reg madd(reg acc, reg w, reg x) { return _mm256_add_ps(acc, _mm256_mul_ps(w, x)); }
    static void store(float* p, reg v) { _mm256_store_ps(p, v); }
};

}  // namespace

void dq_dense_f32__avx2(const float* w, size_t in, size_t out, const float* x, size_t n, float* y) {
    // 4 rows × 2 outputs = 8 accumulators + 2 weight + 4 input registers of the 16 ymm.
    dense_tile::dense<Avx2, 4, 2, 4>(w, in, out, x, n, y);
}

}  // namespace dq
