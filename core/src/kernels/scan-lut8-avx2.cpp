// AVX2 scan of one-byte codes. Every distance is summed in increasing m in float, like the scalar
// reference, so results are bit-identical.
//
// K = 16: the 16-float LUT row of a subspace lives in two registers and _mm256_permutevar8x32_ps
// looks up 8 codes at once (a blend on index bit 3 picks the half) -- no memory gather.
// K = 256: gathers are slow on the CPUs we measured (Zen 4: ~10 cycles per vpgatherdps), so codes
// are summed with scalar loads, M fixed at compile time for the common sizes, 8 codes per iteration
// and one 256-bit store (fewer stores interleaved with the table loads measured faster and steadier).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace dq {

void dq_scan_lut8_u8__scalar(const float* lut, uint32_t M, uint32_t K, const uint8_t* codes, size_t n, float* out);

namespace {

template <int M>
inline float sum_code(const float* lut, const uint8_t* c) {
    float acc = lut[c[0]];
    for (int m = 1; m < M; ++m) acc += lut[m * 256 + c[m]];
    return acc;
}

template <int M>
void scan256(const float* lut, const uint8_t* codes, size_t n, float* out) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const uint8_t* c = codes + i * M;
        const __m256 v = _mm256_setr_ps(sum_code<M>(lut, c), sum_code<M>(lut, c + M), sum_code<M>(lut, c + 2 * M),
                                        sum_code<M>(lut, c + 3 * M), sum_code<M>(lut, c + 4 * M),
                                        sum_code<M>(lut, c + 5 * M), sum_code<M>(lut, c + 6 * M),
                                        sum_code<M>(lut, c + 7 * M));
        _mm256_storeu_ps(out + i, v);
    }
    for (; i < n; ++i) out[i] = sum_code<M>(lut, codes + i * M);
}

// Byte m of each of 8 codes widened to 8 int32 lanes.
inline __m256i column(const uint8_t* c, uint32_t M, uint32_t m) {
    return _mm256_setr_epi32(c[m], c[M + m], c[2 * M + m], c[3 * M + m], c[4 * M + m], c[5 * M + m], c[6 * M + m],
                             c[7 * M + m]);
}

inline __m256 lookup16(__m256 lo, __m256 hi, __m256i idx) {
    const __m256 a = _mm256_permutevar8x32_ps(lo, idx);
    const __m256 b = _mm256_permutevar8x32_ps(hi, idx);
    // Bit 3 of the index moved to the sign bit selects the upper half of the row.
    return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28)));
}

void scan16(const float* lut, uint32_t M, const uint8_t* codes, size_t n, float* out) {
    size_t i = 0;
    if (M == 4) {
        // 8 codes of 4 bytes = one 32-byte load; lane j holds code j, byte m at bits 8m.
        const __m256 l0 = _mm256_loadu_ps(lut), h0 = _mm256_loadu_ps(lut + 8);
        const __m256 l1 = _mm256_loadu_ps(lut + 16), h1 = _mm256_loadu_ps(lut + 24);
        const __m256 l2 = _mm256_loadu_ps(lut + 32), h2 = _mm256_loadu_ps(lut + 40);
        const __m256 l3 = _mm256_loadu_ps(lut + 48), h3 = _mm256_loadu_ps(lut + 56);
        for (; i + 8 <= n; i += 8) {
            const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + i * 4));
            __m256 acc = lookup16(l0, h0, w);  // permutevar uses the low 3 bits, blend bit 3: 0x0f suffices
            acc = _mm256_add_ps(acc, lookup16(l1, h1, _mm256_srli_epi32(w, 8)));
            acc = _mm256_add_ps(acc, lookup16(l2, h2, _mm256_srli_epi32(w, 16)));
            acc = _mm256_add_ps(acc, lookup16(l3, h3, _mm256_srli_epi32(w, 24)));
            _mm256_storeu_ps(out + i, acc);
        }
    } else if (M % 4 == 0) {
        // Bytes 4g..4g+3 of 8 codes as 8 dwords (one u32 load per code), then 4 lookups per word.
        for (; i + 8 <= n; i += 8) {
            const uint8_t* c = codes + i * M;
            __m256 acc = _mm256_setzero_ps();
            for (uint32_t g = 0; g < M / 4; ++g) {
                uint32_t w[8];
                for (int j = 0; j < 8; ++j) std::memcpy(&w[j], c + j * M + 4 * g, 4);
                const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
                const float* l = lut + 64 * g;
                const __m256 t0 = lookup16(_mm256_loadu_ps(l), _mm256_loadu_ps(l + 8), v);
                acc = g == 0 ? t0 : _mm256_add_ps(acc, t0);
                acc = _mm256_add_ps(acc, lookup16(_mm256_loadu_ps(l + 16), _mm256_loadu_ps(l + 24), _mm256_srli_epi32(v, 8)));
                acc = _mm256_add_ps(acc, lookup16(_mm256_loadu_ps(l + 32), _mm256_loadu_ps(l + 40), _mm256_srli_epi32(v, 16)));
                acc = _mm256_add_ps(acc, lookup16(_mm256_loadu_ps(l + 48), _mm256_loadu_ps(l + 56), _mm256_srli_epi32(v, 24)));
            }
            _mm256_storeu_ps(out + i, acc);
        }
    } else {
        for (; i + 8 <= n; i += 8) {
            const uint8_t* c = codes + i * M;
            __m256 acc = lookup16(_mm256_loadu_ps(lut), _mm256_loadu_ps(lut + 8), column(c, M, 0));
            for (uint32_t m = 1; m < M; ++m)
                acc = _mm256_add_ps(acc, lookup16(_mm256_loadu_ps(lut + 16 * m), _mm256_loadu_ps(lut + 16 * m + 8),
                                                  column(c, M, m)));
            _mm256_storeu_ps(out + i, acc);
        }
    }
    if (i < n) dq_scan_lut8_u8__scalar(lut, M, 16, codes + i * M, n - i, out + i);
}

}  // namespace

void dq_scan_lut8_u8__avx2(const float* lut, uint32_t M, uint32_t K, const uint8_t* codes, size_t n, float* out) {
    if (K == 16 && M > 0) return scan16(lut, M, codes, n, out);
    if (K == 256) {
        switch (M) {
            case 1: return scan256<1>(lut, codes, n, out);
            case 2: return scan256<2>(lut, codes, n, out);
            case 3: return scan256<3>(lut, codes, n, out);
            case 4: return scan256<4>(lut, codes, n, out);
            case 6: return scan256<6>(lut, codes, n, out);
            case 8: return scan256<8>(lut, codes, n, out);
            case 12: return scan256<12>(lut, codes, n, out);
            case 16: return scan256<16>(lut, codes, n, out);
            default: break;
        }
    }
    dq_scan_lut8_u8__scalar(lut, M, K, codes, n, out);
}

}  // namespace dq
