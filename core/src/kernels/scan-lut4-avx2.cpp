// AVX2 fast-scan: one 32-byte load covers subspaces m and m+1 of a 32-code block, and one
// vpshufb looks them up against the 32-byte table of rows m, m+1 (each 128-bit lane shuffles with
// its own row). u16 accumulation without widening: the shuffled bytes are added as u16 words
// (word w = code 2w + 256 × code 2w+1, wrapping) and, separately, the odd bytes (word >> 8); the
// even sums are recovered as total - (odd << 8), exact because every true sum fits u16.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace dq {

namespace {

// pairs fixed at compile time lets the compiler keep the tables in registers across blocks; pairs = 0
// reads it from `npairs`. Only M = 7, 8 (4 pairs) is fixed: with 8 pairs, 8 tables and 4 accumulators
// spill AVX2's 16 ymm registers (measured 20 % slower than loading each table per block).
template <uint32_t kPairs>
inline size_t scan(const uint8_t* q, uint32_t npairs, const uint8_t* packed, size_t nblocks, uint16_t threshold,
                   uint16_t* out, uint32_t* blocks) {
    const uint32_t pairs = kPairs ? kPairs : npairs;
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m128i thr = _mm_set1_epi16(short(threshold));
    size_t kept = 0;
    for (size_t b = 0; b < nblocks; ++b) {
        const uint8_t* blk = packed + b * 32 * size_t(pairs);
        __m256i tot_lo = _mm256_setzero_si256(), odd_lo = _mm256_setzero_si256();
        __m256i tot_hi = _mm256_setzero_si256(), odd_hi = _mm256_setzero_si256();
        // Two 32-byte steps (subspaces m..m+3) are added as bytes before widening: exact, since table
        // entries are <= 127 (kFastScanLutMax); an odd last pair goes alone.
        auto lookup = [&](uint32_t p, __m256i& lo, __m256i& hi) {
            const __m256i table = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32 * size_t(p)));
            const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 32 * size_t(p)));
            lo = _mm256_shuffle_epi8(table, _mm256_and_si256(x, low4));
            hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(x, 4), low4));
        };
        auto widen = [&](__m256i r_lo, __m256i r_hi) {
            tot_lo = _mm256_add_epi16(tot_lo, r_lo);
            odd_lo = _mm256_add_epi16(odd_lo, _mm256_srli_epi16(r_lo, 8));
            tot_hi = _mm256_add_epi16(tot_hi, r_hi);
            odd_hi = _mm256_add_epi16(odd_hi, _mm256_srli_epi16(r_hi, 8));
        };
        uint32_t p = 0;
        for (; p + 2 <= pairs; p += 2) {
            __m256i a_lo, a_hi, b_lo, b_hi;
            lookup(p, a_lo, a_hi);
            lookup(p + 1, b_lo, b_hi);
            widen(_mm256_add_epi8(a_lo, b_lo), _mm256_add_epi8(a_hi, b_hi));
        }
        if (p < pairs) {
            __m256i a_lo, a_hi;
            lookup(p, a_lo, a_hi);
            widen(a_lo, a_hi);
        }
        // Lane 0 holds the even subspaces' sums, lane 1 the odd ones': fold them.
        auto fold = [](__m256i v) {
            return _mm_add_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        };
        const __m128i to_lo = fold(tot_lo), od_lo = fold(odd_lo);
        const __m128i to_hi = fold(tot_hi), od_hi = fold(odd_hi);
        const __m128i ev_lo = _mm_sub_epi16(to_lo, _mm_slli_epi16(od_lo, 8));
        const __m128i ev_hi = _mm_sub_epi16(to_hi, _mm_slli_epi16(od_hi, 8));
        // Some sum <= threshold exactly when the lanes' minimum is.
        const __m128i lo = _mm_min_epu16(_mm_min_epu16(ev_lo, od_lo), _mm_min_epu16(ev_hi, od_hi));
        if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_min_epu16(lo, thr), lo)) == 0) continue;
        __m128i* o = reinterpret_cast<__m128i*>(out + kept * 32);
        _mm_storeu_si128(o + 0, _mm_unpacklo_epi16(ev_lo, od_lo));  // codes 0..7
        _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ev_lo, od_lo));  // codes 8..15
        _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(ev_hi, od_hi));  // codes 16..23
        _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(ev_hi, od_hi));  // codes 24..31
        blocks[kept++] = uint32_t(b);
    }
    return kept;
}

}  // namespace

size_t dq_scan_lut4_blk32__avx2(const uint8_t* q, uint32_t M, const uint8_t* packed, size_t nblocks,
                                uint16_t threshold, uint16_t* out, uint32_t* blocks) {
    const uint32_t pairs = (M + 1) / 2;
    switch (pairs) {
        case 4: return scan<4>(q, pairs, packed, nblocks, threshold, out, blocks);
        default: return scan<0>(q, pairs, packed, nblocks, threshold, out, blocks);
    }
}

}  // namespace dq
