// AVX2 batched scan: code c of subspace m reads the 16 queries' floats at lutq + (m K + c) 16 as two
// 8-float vectors. Lanes are added in increasing m from the m = 0 term, no FMA: bit-identical to
// the scalar reference. Two codes per step give the out-of-order core two independent add chains.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace dq {

void dq_scan_lut8_q16__scalar(const float* lutq, uint32_t M, uint32_t K, const uint8_t* codes, size_t n, float* out);

namespace {

template <uint32_t kM>
void scan(const float* lutq, uint32_t Mr, uint32_t K, const uint8_t* codes, size_t n, float* out) {
    const uint32_t M = kM ? kM : Mr;
    auto row = [&](uint32_t m, uint8_t c) { return lutq + (size_t(m) * K + c) * 16; };
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        const uint8_t* a = codes + i * M;
        const uint8_t* b = a + M;
        const float* pa = row(0, a[0]);
        const float* pb = row(0, b[0]);
        __m256 a0 = _mm256_loadu_ps(pa), a1 = _mm256_loadu_ps(pa + 8);
        __m256 b0 = _mm256_loadu_ps(pb), b1 = _mm256_loadu_ps(pb + 8);
        for (uint32_t m = 1; m < M; ++m) {
            pa = row(m, a[m]);
            pb = row(m, b[m]);
            a0 = _mm256_add_ps(a0, _mm256_loadu_ps(pa));
            a1 = _mm256_add_ps(a1, _mm256_loadu_ps(pa + 8));
            b0 = _mm256_add_ps(b0, _mm256_loadu_ps(pb));
            b1 = _mm256_add_ps(b1, _mm256_loadu_ps(pb + 8));
        }
        _mm256_storeu_ps(out + i * 16, a0);
        _mm256_storeu_ps(out + i * 16 + 8, a1);
        _mm256_storeu_ps(out + i * 16 + 16, b0);
        _mm256_storeu_ps(out + i * 16 + 24, b1);
    }
    if (i < n) dq_scan_lut8_q16__scalar(lutq, M, K, codes + i * M, n - i, out + i * 16);
}

}  // namespace

void dq_scan_lut8_q16__avx2(const float* lutq, uint32_t M, uint32_t K, const uint8_t* codes, size_t n, float* out) {
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
