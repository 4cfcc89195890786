// AVX2 fast-scan: one 32-byte load covers subspace m of two neighbouring 32-code blocks (the group
// layout of fastscan.h), and one vpshufb looks both up against table row m broadcast to the two
// 128-bit lanes. u16 accumulation without widening: the shuffled bytes are added as u16 words (word w
// = code 2w + 256 × code 2w+1, wrapping) and, separately, the odd bytes (word >> 8); the even sums are
// recovered as total - (odd << 8), exact because every true sum fits u16. Lane l of every accumulator
// belongs to block l of the pair, so a block ends without folding lanes.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace dq {

namespace {

// kM2 fixed at compile time (the common M) unrolls the subspace loop; 0 reads M2 at run time. The
// tables are broadcast from L1 at every use (a load, no ALU work): kept in registers, 8 of them and
// the 4 accumulators spill AVX2's 16 ymm. The codes 2 KiB ahead are prefetched at M2 <= 8 only: on the
// Intel Xeon VM (AVX-512, AMX) at N = 1 M, 3 alternating runs each, it gained ~10 % at M = 8 (4.8 -> 5.3 G
// codes/s) and lost ~18 % at M = 16 (2.8 -> 2.3) at every distance tried (0.5-4 KiB).
template <uint32_t kM2>
inline size_t scan(const uint8_t* q, uint32_t nM2, const uint8_t* packed, size_t nblocks, uint16_t threshold,
                   uint16_t* out, uint32_t* blocks) {
    const uint32_t M2 = kM2 ? kM2 : nM2;
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i thr = _mm256_set1_epi16(short(threshold));
    size_t kept = 0;
    for (size_t b = 0; b < nblocks; b += 2) {
        const uint8_t* x0 = packed + (b / 4) * 64 * size_t(M2) + 16 * (b % 4);
        __m256i tot_lo = _mm256_setzero_si256(), odd_lo = _mm256_setzero_si256();
        __m256i tot_hi = _mm256_setzero_si256(), odd_hi = _mm256_setzero_si256();
        auto lookup = [&](uint32_t m, __m256i& lo, __m256i& hi) {
            const __m256i table =
                _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * size_t(m))));
            const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x0 + 64 * size_t(m)));
            if (M2 <= 8 && b % 4 == 0)
                _mm_prefetch(reinterpret_cast<const char*>(x0 + 64 * size_t(m) + 2048), _MM_HINT_T0);
            lo = _mm256_shuffle_epi8(table, _mm256_and_si256(x, low4));
            hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(x, 4), low4));
        };
        // Subspaces m and m+1 (M2 is even) are added as bytes before widening: exact, since table entries
        // are <= 127 (kFastScanLutMax).
        for (uint32_t m = 0; m < M2; m += 2) {
            __m256i a_lo, a_hi, b_lo, b_hi;
            lookup(m, a_lo, a_hi);
            lookup(m + 1, b_lo, b_hi);
            const __m256i r_lo = _mm256_add_epi8(a_lo, b_lo), r_hi = _mm256_add_epi8(a_hi, b_hi);
            tot_lo = _mm256_add_epi16(tot_lo, r_lo);
            odd_lo = _mm256_add_epi16(odd_lo, _mm256_srli_epi16(r_lo, 8));
            tot_hi = _mm256_add_epi16(tot_hi, r_hi);
            odd_hi = _mm256_add_epi16(odd_hi, _mm256_srli_epi16(r_hi, 8));
        }
        const __m256i ev_lo = _mm256_sub_epi16(tot_lo, _mm256_slli_epi16(odd_lo, 8));
        const __m256i ev_hi = _mm256_sub_epi16(tot_hi, _mm256_slli_epi16(odd_hi, 8));
        // Some sum of lane l's block <= threshold exactly when the lane's minimum is: one movemask bit
        // pair per word, bits 0..15 for block b, 16..31 for block b + 1.
        const __m256i mn = _mm256_min_epu16(_mm256_min_epu16(ev_lo, odd_lo), _mm256_min_epu16(ev_hi, odd_hi));
        uint32_t hit = uint32_t(_mm256_movemask_epi8(_mm256_cmpeq_epi16(_mm256_min_epu16(mn, thr), mn)));
        if (b + 1 == nblocks) hit &= 0xffffu;  // the pair's second block is past the end
        if (hit == 0) continue;
        // Rare (a block that may enter the pool): interleave even and odd codes per lane, then copy each
        // kept lane out. Lane l of s[0..3] holds codes 0..7, 8..15, 16..23, 24..31 of block b + l.
        alignas(32) uint16_t s[4][16];
        _mm256_store_si256(reinterpret_cast<__m256i*>(s[0]), _mm256_unpacklo_epi16(ev_lo, odd_lo));
        _mm256_store_si256(reinterpret_cast<__m256i*>(s[1]), _mm256_unpackhi_epi16(ev_lo, odd_lo));
        _mm256_store_si256(reinterpret_cast<__m256i*>(s[2]), _mm256_unpacklo_epi16(ev_hi, odd_hi));
        _mm256_store_si256(reinterpret_cast<__m256i*>(s[3]), _mm256_unpackhi_epi16(ev_hi, odd_hi));
        for (uint32_t l = 0; l < 2; ++l) {
            if (((hit >> (16 * l)) & 0xffffu) == 0) continue;
            uint16_t* o = out + kept * 32;
            for (int part = 0; part < 4; ++part) std::memcpy(o + 8 * part, s[part] + 8 * l, 16);
            blocks[kept++] = uint32_t(b + l);
        }
    }
    return kept;
}

}  // namespace

size_t dq_scan_lut4_blk32__avx2(const uint8_t* q, uint32_t M, const uint8_t* packed, size_t nblocks,
                                uint16_t threshold, uint16_t* out, uint32_t* blocks) {
    const uint32_t M2 = M + (M & 1u);
    switch (M2) {
        case 8: return scan<8>(q, M2, packed, nblocks, threshold, out, blocks);
        case 16: return scan<16>(q, M2, packed, nblocks, threshold, out, blocks);
        default: return scan<0>(q, M2, packed, nblocks, threshold, out, blocks);
    }
}

}  // namespace dq
