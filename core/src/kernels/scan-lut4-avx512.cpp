// AVX-512 (BW) fast-scan: one 64-byte load covers subspace m of a whole group of four 32-code
// blocks (the group layout of fastscan.h) and one vpshufb looks them up against table row m
// broadcast to the four 128-bit lanes: twice the work per instruction of the AVX2 kernel. Faiss
// 1.7/1.8 has no such kernel. Same accumulation as the AVX2 kernel (u16 words of the shuffled bytes,
// the odd bytes alone, even = total - (odd << 8)); lane l of every accumulator belongs to block l of
// the group, so a group ends without folding lanes, and its threshold test is one compare into a
// mask register.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace dq {

namespace {

// Row m of the table in all four lanes. (The maskz form: GCC 12 warns on the _mm512_undefined of the
// plain _mm512_broadcast_i32x4; an all-ones mask compiles to the same vbroadcasti32x4.)
inline __m512i row4(const uint8_t* q, uint32_t m) {
    return _mm512_maskz_broadcast_i32x4(0xffff, _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * size_t(m))));
}

// kM2 fixed at compile time (the common M) unrolls the subspace loop and, up to 16 rows, keeps the
// broadcast tables in registers across groups (16 of AVX-512's 32 zmm); 0 reads M2 at run time and
// broadcasts each row from L1 at its use. Each line of codes is prefetched 2 KiB ahead: at N = 1 M the
// scan reads from L3 at ~80 % of a plain sequential read (bench_scan's bandwidth figure), and on the
// Intel Xeon VM (AVX-512, AMX), 3 alternating runs each, the prefetch gained ~5 % at M = 8 and ~8 % at
// M = 16 (0.5, 1, 4 KiB: less).
template <uint32_t kM2>
inline size_t scan(const uint8_t* q, uint32_t nM2, const uint8_t* packed, size_t nblocks, uint16_t threshold,
                   uint16_t* out, uint32_t* blocks) {
    const uint32_t M2 = kM2 ? kM2 : nM2;
    constexpr bool kHeld = kM2 > 0 && kM2 <= 16;
    __m512i held[kHeld ? kM2 : 1];
    if (kHeld)
        for (uint32_t m = 0; m < kM2; ++m)
            held[m] = row4(q, m);
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    const __m512i thr = _mm512_set1_epi16(short(threshold));
    size_t kept = 0;
    for (size_t b = 0; b < nblocks; b += 4) {
        const uint8_t* x0 = packed + (b / 4) * 64 * size_t(M2);
        __m512i tot_lo = _mm512_setzero_si512(), odd_lo = _mm512_setzero_si512();
        __m512i tot_hi = _mm512_setzero_si512(), odd_hi = _mm512_setzero_si512();
        auto lookup = [&](uint32_t m, __m512i& lo, __m512i& hi) {
            const __m512i table = kHeld ? held[kHeld ? m : 0] : row4(q, m);
            const __m512i x = _mm512_loadu_si512(x0 + 64 * size_t(m));
            _mm_prefetch(reinterpret_cast<const char*>(x0 + 64 * size_t(m) + 2048), _MM_HINT_T0);
            lo = _mm512_shuffle_epi8(table, _mm512_and_si512(x, low4));
            hi = _mm512_shuffle_epi8(table, _mm512_and_si512(_mm512_srli_epi16(x, 4), low4));
        };
        // Subspaces m and m+1 (M2 is even) are added as bytes before widening: exact, since table entries
        // are <= 127 (kFastScanLutMax).
        for (uint32_t m = 0; m < M2; m += 2) {
            __m512i a_lo, a_hi, b_lo, b_hi;
            lookup(m, a_lo, a_hi);
            lookup(m + 1, b_lo, b_hi);
            const __m512i r_lo = _mm512_add_epi8(a_lo, b_lo), r_hi = _mm512_add_epi8(a_hi, b_hi);
            tot_lo = _mm512_add_epi16(tot_lo, r_lo);
            odd_lo = _mm512_add_epi16(odd_lo, _mm512_srli_epi16(r_lo, 8));
            tot_hi = _mm512_add_epi16(tot_hi, r_hi);
            odd_hi = _mm512_add_epi16(odd_hi, _mm512_srli_epi16(r_hi, 8));
        }
        const __m512i ev_lo = _mm512_sub_epi16(tot_lo, _mm512_slli_epi16(odd_lo, 8));
        const __m512i ev_hi = _mm512_sub_epi16(tot_hi, _mm512_slli_epi16(odd_hi, 8));
        // Bits 8l .. 8l+7 of the mask: lane l (block b + l) has some sum <= threshold; lanes past the
        // end are dropped.
        const __m512i mn = _mm512_min_epu16(_mm512_min_epu16(ev_lo, odd_lo), _mm512_min_epu16(ev_hi, odd_hi));
        uint32_t hit = _mm512_cmple_epu16_mask(mn, thr);
        if (nblocks - b < 4) hit &= (1u << (8 * (nblocks - b))) - 1;
        if (hit == 0) continue;
        // Rare (a block that may enter the pool): interleave even and odd codes per lane, then copy each
        // kept lane out. Lane l of s[0..3] holds codes 0..7, 8..15, 16..23, 24..31 of block b + l.
        alignas(64) uint16_t s[4][32];
        _mm512_store_si512(s[0], _mm512_unpacklo_epi16(ev_lo, odd_lo));
        _mm512_store_si512(s[1], _mm512_unpackhi_epi16(ev_lo, odd_lo));
        _mm512_store_si512(s[2], _mm512_unpacklo_epi16(ev_hi, odd_hi));
        _mm512_store_si512(s[3], _mm512_unpackhi_epi16(ev_hi, odd_hi));
        for (uint32_t l = 0; l < 4; ++l) {
            if (((hit >> (8 * l)) & 0xffu) == 0) continue;
            uint16_t* o = out + kept * 32;
            for (int part = 0; part < 4; ++part) std::memcpy(o + 8 * part, s[part] + 8 * l, 16);
            blocks[kept++] = uint32_t(b + l);
        }
    }
    return kept;
}

}  // namespace

size_t dq_scan_lut4_blk32__avx512(const uint8_t* q, uint32_t M, const uint8_t* packed, size_t nblocks,
                                  uint16_t threshold, uint16_t* out, uint32_t* blocks) {
    const uint32_t M2 = M + (M & 1u);
    switch (M2) {
        case 4: return scan<4>(q, M2, packed, nblocks, threshold, out, blocks);
        case 8: return scan<8>(q, M2, packed, nblocks, threshold, out, blocks);
        case 16: return scan<16>(q, M2, packed, nblocks, threshold, out, blocks);
        case 32: return scan<32>(q, M2, packed, nblocks, threshold, out, blocks);
        default: return scan<0>(q, M2, packed, nblocks, threshold, out, blocks);
    }
}

}  // namespace dq
