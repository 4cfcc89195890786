// AVX-512 (BW) fast-scan: one 64-byte load covers subspaces m..m+3 of a 32-code block and one
// vpshufb looks them up against the 64-byte table of rows m..m+3 (each 128-bit lane shuffles with
// its own row), twice the work per instruction of the AVX2 kernel. Faiss 1.7/1.8 has no such kernel.
// Same accumulation as the AVX2 kernel (u16 words of the shuffled bytes, the odd bytes alone, even =
// total - (odd << 8)); an M2 that is not a multiple of 4 ends with one AVX2-width pair.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace dq {

namespace {

struct Acc {
    __m256i tot_lo, odd_lo, tot_hi, odd_hi;
};

// kQuads / kPair fixed at compile time (the common M) lets the compiler keep the tables in
// registers across blocks; kQuads = 0 reads the shape from quads / pair.
template <uint32_t kQuads, bool kFixed, bool kPair>
inline size_t scan(const uint8_t* q, uint32_t nquads, bool npair, const uint8_t* packed, size_t nblocks,
                   uint16_t threshold, uint16_t* out, uint32_t* blocks) {
    const uint32_t quads = kFixed ? kQuads : nquads;
    const bool pair = kFixed ? kPair : npair;
    const size_t block_bytes = 64 * size_t(quads) + (pair ? 32 : 0);
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    const __m256i low4y = _mm256_set1_epi8(0x0f);
    const __m128i thr = _mm_set1_epi16(short(threshold));
    size_t kept = 0;
    for (size_t b = 0; b < nblocks; ++b) {
        const uint8_t* blk = packed + b * block_bytes;
        __m512i tot_lo = _mm512_setzero_si512(), odd_lo = _mm512_setzero_si512();
        __m512i tot_hi = _mm512_setzero_si512(), odd_hi = _mm512_setzero_si512();
        // Two 64-byte steps (subspaces m..m+7) are added as bytes before widening: exact, since table
        // entries are <= 127 (kFastScanLutMax); an odd last quad goes alone.
        auto lookup = [&](uint32_t i, __m512i& lo, __m512i& hi) {
            const __m512i table = _mm512_loadu_si512(q + 64 * size_t(i));
            const __m512i x = _mm512_loadu_si512(blk + 64 * size_t(i));
            lo = _mm512_shuffle_epi8(table, _mm512_and_si512(x, low4));
            hi = _mm512_shuffle_epi8(table, _mm512_and_si512(_mm512_srli_epi16(x, 4), low4));
        };
        auto widen = [&](__m512i r_lo, __m512i r_hi) {
            tot_lo = _mm512_add_epi16(tot_lo, r_lo);
            odd_lo = _mm512_add_epi16(odd_lo, _mm512_srli_epi16(r_lo, 8));
            tot_hi = _mm512_add_epi16(tot_hi, r_hi);
            odd_hi = _mm512_add_epi16(odd_hi, _mm512_srli_epi16(r_hi, 8));
        };
        uint32_t i = 0;
        for (; i + 2 <= quads; i += 2) {
            __m512i a_lo, a_hi, b_lo, b_hi;
            lookup(i, a_lo, a_hi);
            lookup(i + 1, b_lo, b_hi);
            widen(_mm512_add_epi8(a_lo, b_lo), _mm512_add_epi8(a_hi, b_hi));
        }
        if (i < quads) {
            __m512i a_lo, a_hi;
            lookup(i, a_lo, a_hi);
            widen(a_lo, a_hi);
        }
        // Lanes 0..3 hold subspaces m..m+3 (mod 4): fold to two lanes, add the last pair, fold to one.
        // (The maskz forms: GCC 12 warns on the _mm256_undefined of the plain extract and cast.)
        auto half = [](__m512i v) {
            return _mm256_add_epi16(_mm512_maskz_extracti64x4_epi64(0xff, v, 0), _mm512_maskz_extracti64x4_epi64(0xff, v, 1));
        };
        Acc a{half(tot_lo), half(odd_lo), half(tot_hi), half(odd_hi)};
        if (pair) {
            const __m256i table = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 64 * size_t(quads)));
            const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 64 * size_t(quads)));
            const __m256i r_lo = _mm256_shuffle_epi8(table, _mm256_and_si256(x, low4y));
            const __m256i r_hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(x, 4), low4y));
            a.tot_lo = _mm256_add_epi16(a.tot_lo, r_lo);
            a.odd_lo = _mm256_add_epi16(a.odd_lo, _mm256_srli_epi16(r_lo, 8));
            a.tot_hi = _mm256_add_epi16(a.tot_hi, r_hi);
            a.odd_hi = _mm256_add_epi16(a.odd_hi, _mm256_srli_epi16(r_hi, 8));
        }
        auto fold = [](__m256i v) {
            return _mm_add_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        };
        const __m128i od_lo = fold(a.odd_lo), od_hi = fold(a.odd_hi);
        const __m128i ev_lo = _mm_sub_epi16(fold(a.tot_lo), _mm_slli_epi16(od_lo, 8));
        const __m128i ev_hi = _mm_sub_epi16(fold(a.tot_hi), _mm_slli_epi16(od_hi, 8));
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

size_t dq_scan_lut4_blk32__avx512(const uint8_t* q, uint32_t M, const uint8_t* packed, size_t nblocks,
                                  uint16_t threshold, uint16_t* out, uint32_t* blocks) {
    const uint32_t M2 = M + (M & 1u), quads = M2 / 4;
    const bool pair = M2 % 4 != 0;
    switch (M2) {
        case 4: return scan<1, true, false>(q, quads, pair, packed, nblocks, threshold, out, blocks);
        case 8: return scan<2, true, false>(q, quads, pair, packed, nblocks, threshold, out, blocks);
        case 16: return scan<4, true, false>(q, quads, pair, packed, nblocks, threshold, out, blocks);
        case 32: return scan<8, true, false>(q, quads, pair, packed, nblocks, threshold, out, blocks);
        default: return scan<0, false, false>(q, quads, pair, packed, nblocks, threshold, out, blocks);
    }
}

}  // namespace dq
