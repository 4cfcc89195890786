// WebAssembly SIMD128 fast-scan (wasm SIMD build only): i8x16.swizzle does the 16-way lookup.
// Indices are masked to 0..15, so swizzle's "out of range gives 0" rule never applies and the
// result equals pshufb's. Accumulation as in the x86 kernels: u16 words of the shuffled bytes plus
// the odd bytes alone, even = total - (odd << 8). The threshold test is fused in (fastscan.h): a
// block none of whose sums is <= threshold is not stored. A block's subspaces lie 64 bytes apart
// (the group layout of fastscan.h), its neighbour in the group 16 bytes on.
//
// Measured in Node 20 (V8 11.3) on Zen 4, N = 1 M, tests/bench/bench_scan: V8 has 16 xmm registers,
// so keeping all M2 tables in registers (M2 fixed at compile time) spills from M2 = 8 on and ran
// 25-35 % slower than reading each table from L1 per block (M2 = 8 and 16); a loop LLVM fully
// unrolled (M2 fixed, tables loaded) was slower still. Two blocks per iteration, sharing each table
// load, gained about 5 % more.
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

namespace dq {

namespace {

struct Acc {
    v128_t tot_lo, odd_lo, tot_hi, odd_hi;
};

inline Acc zero_acc() {
    const v128_t z = wasm_i16x8_splat(0);
    return {z, z, z, z};
}

// Subspaces m and m+1 together: their looked-up bytes are added as bytes first (exact: table entries
// are <= 127, quantize_lut4), then widened once, which saves a quarter of the u16 work.
__attribute__((always_inline)) inline void step2(Acc& a, v128_t t0, v128_t t1, v128_t x0, v128_t x1) {
    const v128_t low4 = wasm_i8x16_splat(0x0f);
    const v128_t r_lo = wasm_i8x16_add(wasm_i8x16_swizzle(t0, wasm_v128_and(x0, low4)),
                                       wasm_i8x16_swizzle(t1, wasm_v128_and(x1, low4)));
    const v128_t r_hi = wasm_i8x16_add(wasm_i8x16_swizzle(t0, wasm_v128_and(wasm_u16x8_shr(x0, 4), low4)),
                                       wasm_i8x16_swizzle(t1, wasm_v128_and(wasm_u16x8_shr(x1, 4), low4)));
    a.tot_lo = wasm_i16x8_add(a.tot_lo, r_lo);
    a.odd_lo = wasm_i16x8_add(a.odd_lo, wasm_u16x8_shr(r_lo, 8));
    a.tot_hi = wasm_i16x8_add(a.tot_hi, r_hi);
    a.odd_hi = wasm_i16x8_add(a.odd_hi, wasm_u16x8_shr(r_hi, 8));
}

// Whether some sum of the block is <= thr; only then are its 32 sums stored at o, in code order.
__attribute__((always_inline)) inline bool finish(const Acc& a, v128_t thr, uint16_t* o) {
    const v128_t ev_lo = wasm_i16x8_sub(a.tot_lo, wasm_i16x8_shl(a.odd_lo, 8));
    const v128_t ev_hi = wasm_i16x8_sub(a.tot_hi, wasm_i16x8_shl(a.odd_hi, 8));
    const v128_t lo = wasm_u16x8_min(wasm_u16x8_min(ev_lo, a.odd_lo), wasm_u16x8_min(ev_hi, a.odd_hi));
    if (!wasm_v128_any_true(wasm_u16x8_le(lo, thr))) return false;
    wasm_v128_store(o + 0, wasm_i16x8_shuffle(ev_lo, a.odd_lo, 0, 8, 1, 9, 2, 10, 3, 11));
    wasm_v128_store(o + 8, wasm_i16x8_shuffle(ev_lo, a.odd_lo, 4, 12, 5, 13, 6, 14, 7, 15));
    wasm_v128_store(o + 16, wasm_i16x8_shuffle(ev_hi, a.odd_hi, 0, 8, 1, 9, 2, 10, 3, 11));
    wasm_v128_store(o + 24, wasm_i16x8_shuffle(ev_hi, a.odd_hi, 4, 12, 5, 13, 6, 14, 7, 15));
    return true;
}

// M2 <= 4 fixed at compile time: the tables fit registers across blocks.
template <uint32_t M2>
__attribute__((noinline)) size_t scan_fixed(const uint8_t* q, const uint8_t* packed, size_t nblocks, uint16_t threshold,
                                            uint16_t* out, uint32_t* blocks) {
    v128_t table[M2];
    for (uint32_t m = 0; m < M2; ++m) table[m] = wasm_v128_load(q + 16 * m);
    const v128_t thr = wasm_i16x8_splat(short(threshold));
    size_t kept = 0;
    for (size_t b = 0; b < nblocks; ++b) {
        Acc a = zero_acc();
        const uint8_t* blk = packed + (b / 4) * 64 * M2 + 16 * (b % 4);
        for (uint32_t m = 0; m < M2; m += 2)
            step2(a, table[m], table[m + 1], wasm_v128_load(blk + 64 * m), wasm_v128_load(blk + 64 * m + 64));
        if (finish(a, thr, out + kept * 32)) blocks[kept++] = uint32_t(b);
    }
    return kept;
}

// Any M2: two blocks per iteration (neighbours in a group) share each table load (from L1), then a
// last odd block.
size_t scan_any(const uint8_t* q, uint32_t M2, const uint8_t* packed, size_t nblocks, uint16_t threshold, uint16_t* out,
                uint32_t* blocks) {
    const v128_t thr = wasm_i16x8_splat(short(threshold));
    size_t kept = 0, b = 0;
    for (; b + 2 <= nblocks; b += 2) {
        const uint8_t* blk = packed + (b / 4) * 64 * size_t(M2) + 16 * (b % 4);
        Acc a = zero_acc(), c = zero_acc();
        for (uint32_t m = 0; m < M2; m += 2) {
            const v128_t t0 = wasm_v128_load(q + 16 * size_t(m)), t1 = wasm_v128_load(q + 16 * size_t(m) + 16);
            const uint8_t* x = blk + 64 * size_t(m);
            step2(a, t0, t1, wasm_v128_load(x), wasm_v128_load(x + 64));
            step2(c, t0, t1, wasm_v128_load(x + 16), wasm_v128_load(x + 80));
        }
        if (finish(a, thr, out + kept * 32)) blocks[kept++] = uint32_t(b);
        if (finish(c, thr, out + kept * 32)) blocks[kept++] = uint32_t(b + 1);
    }
    if (b < nblocks) {
        Acc a = zero_acc();
        const uint8_t* blk = packed + (b / 4) * 64 * size_t(M2) + 16 * (b % 4);
        for (uint32_t m = 0; m < M2; m += 2)
            step2(a, wasm_v128_load(q + 16 * size_t(m)), wasm_v128_load(q + 16 * size_t(m) + 16),
                  wasm_v128_load(blk + 64 * size_t(m)), wasm_v128_load(blk + 64 * size_t(m) + 64));
        if (finish(a, thr, out + kept * 32)) blocks[kept++] = uint32_t(b);
    }
    return kept;
}

}  // namespace

size_t dq_scan_lut4_blk32__wasmsimd(const uint8_t* q, uint32_t M, const uint8_t* packed, size_t nblocks,
                                    uint16_t threshold, uint16_t* out, uint32_t* blocks) {
    const uint32_t M2 = M + (M & 1u);
    switch (M2) {
        case 2: return scan_fixed<2>(q, packed, nblocks, threshold, out, blocks);
        case 4: return scan_fixed<4>(q, packed, nblocks, threshold, out, blocks);
        default: return scan_any(q, M2, packed, nblocks, threshold, out, blocks);
    }
}

}  // namespace dq
