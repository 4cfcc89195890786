// SSE4.1 (pshufb) fast-scan: one subspace of a 32-code block per 16-byte register (a block's
// subspaces lie 64 bytes apart: the group layout of fastscan.h). Same accumulation trick as the AVX2
// kernel; also the native stand-in for the wasm SIMD128 kernel, which has the same shape.
#include <smmintrin.h>

#include <cstddef>
#include <cstdint>

namespace dq {

size_t dq_scan_lut4_blk32__sse41(const uint8_t* q, uint32_t M, const uint8_t* packed, size_t nblocks,
                                 uint16_t threshold, uint16_t* out, uint32_t* blocks) {
    const uint32_t M2 = M + (M & 1u);
    const __m128i low4 = _mm_set1_epi8(0x0f), thr = _mm_set1_epi16(short(threshold));
    size_t kept = 0;
    for (size_t b = 0; b < nblocks; ++b) {
        const uint8_t* blk = packed + (b / 4) * 64 * size_t(M2) + 16 * (b % 4);
        __m128i tot_lo = _mm_setzero_si128(), odd_lo = _mm_setzero_si128();
        __m128i tot_hi = _mm_setzero_si128(), odd_hi = _mm_setzero_si128();
        for (uint32_t m = 0; m < M2; ++m) {
            const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * size_t(m)));
            const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 64 * size_t(m)));
            const __m128i r_lo = _mm_shuffle_epi8(table, _mm_and_si128(x, low4));
            const __m128i r_hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(x, 4), low4));
            tot_lo = _mm_add_epi16(tot_lo, r_lo);
            odd_lo = _mm_add_epi16(odd_lo, _mm_srli_epi16(r_lo, 8));
            tot_hi = _mm_add_epi16(tot_hi, r_hi);
            odd_hi = _mm_add_epi16(odd_hi, _mm_srli_epi16(r_hi, 8));
        }
        const __m128i ev_lo = _mm_sub_epi16(tot_lo, _mm_slli_epi16(odd_lo, 8));
        const __m128i ev_hi = _mm_sub_epi16(tot_hi, _mm_slli_epi16(odd_hi, 8));
        // Some sum <= threshold exactly when the lanes' minimum is: min == min(min, threshold).
        const __m128i lo = _mm_min_epu16(_mm_min_epu16(ev_lo, odd_lo), _mm_min_epu16(ev_hi, odd_hi));
        if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_min_epu16(lo, thr), lo)) == 0) continue;
        __m128i* o = reinterpret_cast<__m128i*>(out + kept * 32);
        _mm_storeu_si128(o + 0, _mm_unpacklo_epi16(ev_lo, odd_lo));
        _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ev_lo, odd_lo));
        _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(ev_hi, odd_hi));
        _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(ev_hi, odd_hi));
        blocks[kept++] = uint32_t(b);
    }
    return kept;
}

}  // namespace dq
