// WebAssembly SIMD128 fast-scan (wasm SIMD build only): i8x16.swizzle does the 16-way lookup.
// Indices are masked to 0..15, so swizzle's "out of range gives 0" rule never applies and the
// result equals pshufb's. Accumulation as in the x86 kernels: u16 words of the shuffled bytes plus
// the odd bytes alone, even = total - (odd << 8).
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

namespace dq {

namespace {

// One 32-code block: tables(m) gives subspace m's 16-byte table. Inlined into both callers, so the
// fixed-M2 one keeps its tables in registers and the generic one loads them per block.
template <class Tables>
__attribute__((always_inline)) inline void scan_block(Tables tables, uint32_t M2, const uint8_t* blk, uint16_t* o) {
    const v128_t low4 = wasm_i8x16_splat(0x0f);
    v128_t tot_lo = wasm_i16x8_splat(0), odd_lo = wasm_i16x8_splat(0);
    v128_t tot_hi = wasm_i16x8_splat(0), odd_hi = wasm_i16x8_splat(0);
    for (uint32_t m = 0; m < M2; ++m) {
        const v128_t table = tables(m);
        const v128_t x = wasm_v128_load(blk + 16 * size_t(m));
        const v128_t r_lo = wasm_i8x16_swizzle(table, wasm_v128_and(x, low4));
        const v128_t r_hi = wasm_i8x16_swizzle(table, wasm_v128_and(wasm_u16x8_shr(x, 4), low4));
        tot_lo = wasm_i16x8_add(tot_lo, r_lo);
        odd_lo = wasm_i16x8_add(odd_lo, wasm_u16x8_shr(r_lo, 8));
        tot_hi = wasm_i16x8_add(tot_hi, r_hi);
        odd_hi = wasm_i16x8_add(odd_hi, wasm_u16x8_shr(r_hi, 8));
    }
    const v128_t ev_lo = wasm_i16x8_sub(tot_lo, wasm_i16x8_shl(odd_lo, 8));
    const v128_t ev_hi = wasm_i16x8_sub(tot_hi, wasm_i16x8_shl(odd_hi, 8));
    wasm_v128_store(o + 0, wasm_i16x8_shuffle(ev_lo, odd_lo, 0, 8, 1, 9, 2, 10, 3, 11));
    wasm_v128_store(o + 8, wasm_i16x8_shuffle(ev_lo, odd_lo, 4, 12, 5, 13, 6, 14, 7, 15));
    wasm_v128_store(o + 16, wasm_i16x8_shuffle(ev_hi, odd_hi, 0, 8, 1, 9, 2, 10, 3, 11));
    wasm_v128_store(o + 24, wasm_i16x8_shuffle(ev_hi, odd_hi, 4, 12, 5, 13, 6, 14, 7, 15));
}

// M2 fixed at compile time lets the tables stay in registers across blocks.
template <uint32_t M2>
__attribute__((noinline)) void scan_fixed(const uint8_t* q, const uint8_t* packed, size_t nblocks, uint16_t* out) {
    v128_t table[M2];
    for (uint32_t m = 0; m < M2; ++m) table[m] = wasm_v128_load(q + 16 * m);
    for (size_t b = 0; b < nblocks; ++b)
        scan_block([&](uint32_t m) { return table[m]; }, M2, packed + b * 16 * M2, out + b * 32);
}

void scan_any(const uint8_t* q, uint32_t M2, const uint8_t* packed, size_t nblocks, uint16_t* out) {
    for (size_t b = 0; b < nblocks; ++b)
        scan_block([q](uint32_t m) { return wasm_v128_load(q + 16 * size_t(m)); }, M2, packed + b * 16 * size_t(M2),
                   out + b * 32);
}

}  // namespace

void dq_scan_lut4_blk32__wasmsimd(const uint8_t* q, uint32_t M, const uint8_t* packed, size_t nblocks,
                                  uint16_t* out) {
    const uint32_t M2 = M + (M & 1u);
    switch (M2) {
        case 2: return scan_fixed<2>(q, packed, nblocks, out);
        case 4: return scan_fixed<4>(q, packed, nblocks, out);
        case 8: return scan_fixed<8>(q, packed, nblocks, out);
        case 16: return scan_fixed<16>(q, packed, nblocks, out);
        default: return scan_any(q, M2, packed, nblocks, out);
    }
}

}  // namespace dq
