#include "dq/fastscan.h"
#include "dq/filter.h"

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include "dq/error.h"
#include "dq/topk.h"
#include "cpu_features.h"

namespace dq {

#define DQ_SCAN_LUT4_KERNEL(fn, supported, tile)                                                    \
    size_t fn(const uint8_t* q, uint32_t M, const uint8_t* packed, size_t nblocks, uint16_t threshold, \
              uint16_t* out, uint32_t* blocks);
#include "kernels/scan-lut4.inc"
#undef DQ_SCAN_LUT4_KERNEL

namespace {

uint32_t even_m(uint32_t M) { return M + (M & 1u); }

// Offset of the 16 bytes of block b, subspace m in the layout of fastscan.h.
inline size_t chunk(size_t b, uint32_t m, uint32_t M2) {
    return (b / kFastScanGroup) * 16 * kFastScanGroup * M2 + 16 * kFastScanGroup * size_t(m) + 16 * (b % kFastScanGroup);
}

// Bit j set when d[j] <= t, j < 32. The build's baseline SIMD, chosen at compile time (SSE2 is part of
// x86-64; the wasm SIMD build is its own module): d <= t exactly when the saturating d - t is 0.
inline uint32_t le_mask_32(const uint16_t* d, uint16_t t) {
#if defined(__SSE2__)
    const __m128i tv = _mm_set1_epi16(short(t)), zero = _mm_setzero_si128();
    auto le = [&](int i) {
        return _mm_cmpeq_epi16(_mm_subs_epu16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(d + 8 * i)), tv), zero);
    };
    // packs keeps a 0 / -1 word as a 0 / -1 byte: one mask bit per code.
    const uint32_t lo = uint32_t(_mm_movemask_epi8(_mm_packs_epi16(le(0), le(1))));
    const uint32_t hi = uint32_t(_mm_movemask_epi8(_mm_packs_epi16(le(2), le(3))));
    return lo | hi << 16;
#elif defined(__wasm_simd128__)
    const v128_t tv = wasm_i16x8_splat(short(t));
    auto le = [&](int i) { return wasm_u16x8_le(wasm_v128_load(d + 8 * i), tv); };
    const uint32_t lo = wasm_i8x16_bitmask(wasm_i8x16_narrow_i16x8(le(0), le(1)));
    const uint32_t hi = wasm_i8x16_bitmask(wasm_i8x16_narrow_i16x8(le(2), le(3)));
    return lo | hi << 16;
#else
    uint32_t m = 0;
    for (int j = 0; j < 32; ++j) m |= uint32_t(d[j] <= t) << j;
    return m;
#endif
}

void check_m(uint32_t M, const char* who) {
    DQ_CHECK(M > 0 && M <= kFastScanMaxM, "%s: M must be in 1..%u, got %u", who, kFastScanMaxM, M);
}

}  // namespace

size_t fastscan_packed_bytes(size_t n, uint32_t M) {
    constexpr size_t group_codes = kFastScanBlock * kFastScanGroup;
    return (n + group_codes - 1) / group_codes * 16 * kFastScanGroup * even_m(M);
}

void pack_codes4(const uint8_t* codes, size_t n, uint32_t M, uint8_t* packed) {
    check_m(M, "pack_codes4");
    const uint32_t M2 = even_m(M);
    const size_t nblocks = fastscan_packed_bytes(n, M) / (16 * M2);  // whole groups, padding included
    for (size_t b = 0; b < nblocks; ++b) {
        for (uint32_t m = 0; m < M2; ++m) {
            for (size_t j = 0; j < 16; ++j) {
                const size_t lo = b * kFastScanBlock + j, hi = lo + 16;
                uint8_t a = 0, c = 0;
                if (m < M && lo < n) a = codes[lo * M + m];
                if (m < M && hi < n) c = codes[hi * M + m];
                DQ_CHECK(a < 16, "pack_codes4: code %zu subspace %u is %u, must be < 16", lo, m, unsigned(a));
                DQ_CHECK(c < 16, "pack_codes4: code %zu subspace %u is %u, must be < 16", hi, m, unsigned(c));
                packed[chunk(b, m, M2) + j] = uint8_t(a | (c << 4));
            }
        }
    }
}

void unpack_codes4(const uint8_t* packed, size_t n, uint32_t M, uint8_t* codes) {
    check_m(M, "unpack_codes4");
    const uint32_t M2 = even_m(M);
    for (size_t i = 0; i < n; ++i) {
        const size_t b = i / kFastScanBlock, j = i % kFastScanBlock;
        for (uint32_t m = 0; m < M; ++m) {
            const uint8_t byte = packed[chunk(b, m, M2) + (j & 15)];
            codes[i * M + m] = j < 16 ? (byte & 15) : (byte >> 4);
        }
    }
}

QuantizedLut4 quantize_lut4(const float* lut, uint32_t M) {
    check_m(M, "quantize_lut4");
    QuantizedLut4 t;
    t.M = M;
    t.M2 = even_m(M);
    t.q.assign(size_t(t.M2) * 16, 0);
    std::vector<float> mins(M);
    float max_range = 0.0f;
    for (uint32_t m = 0; m < M; ++m) {
        const float* row = lut + size_t(m) * 16;
        float lo = row[0], hi = row[0];
        for (int k = 0; k < 16; ++k) {
            DQ_CHECK(std::isfinite(row[k]), "quantize_lut4: lut[%u][%d] is not finite (%g)", m, k, double(row[k]));
            lo = std::min(lo, row[k]);
            hi = std::max(hi, row[k]);
        }
        mins[m] = lo;
        max_range = std::max(max_range, hi - lo);
        t.bias = m == 0 ? lo : t.bias + lo;
    }
    t.scale = max_range > 0.0f ? float(kFastScanLutMax) / max_range : 1.0f;
    for (uint32_t m = 0; m < M; ++m) {
        for (int k = 0; k < 16; ++k) {
            const float v = std::floor((lut[size_t(m) * 16 + k] - mins[m]) * t.scale + 0.5f);
            t.q[size_t(m) * 16 + k] = uint8_t(std::min(float(kFastScanLutMax), std::max(0.0f, v)));
        }
    }
    return t;
}

size_t dq_scan_lut4_blk32__scalar(const uint8_t* q, uint32_t M, const uint8_t* packed, size_t nblocks,
                                  uint16_t threshold, uint16_t* out, uint32_t* blocks) {
    const uint32_t M2 = even_m(M);
    size_t kept = 0;
    for (size_t b = 0; b < nblocks; ++b) {
        uint16_t o[kFastScanBlock];
        bool any = false;
        for (size_t j = 0; j < kFastScanBlock; ++j) {
            uint32_t sum = 0;
            for (uint32_t m = 0; m < M2; ++m) {
                const uint8_t byte = packed[chunk(b, m, M2) + (j & 15)];
                sum += q[m * 16 + (j < 16 ? (byte & 15) : (byte >> 4))];
            }
            o[j] = uint16_t(sum);
            any |= sum <= threshold;
        }
        if (!any) continue;
        std::copy(o, o + kFastScanBlock, out + kept * kFastScanBlock);
        blocks[kept++] = uint32_t(b);
    }
    return kept;
}

const std::vector<FastScanKernelInfo>& fastscan_kernels() {
    static const std::vector<FastScanKernelInfo> list = {
#define DQ_SCAN_LUT4_KERNEL(fn, supported, tile) FastScanKernelInfo{#fn, &fn, &supported, tile},
#include "kernels/scan-lut4.inc"
#undef DQ_SCAN_LUT4_KERNEL
    };
    return list;
}

const FastScanKernelInfo& best_fastscan_kernel() {
    static const FastScanKernelInfo& best = pick_best(fastscan_kernels());
    return best;
}

size_t fastscan_default_pool(size_t k) { return std::max<size_t>(8 * k, 64); }

size_t fastscan_pool(size_t k, size_t pool, size_t n) {
    return std::min(std::max(pool ? pool : fastscan_default_pool(k), k), n);
}

FastScanCodes::FastScanCodes(const uint8_t* codes, size_t n, uint32_t M) : n_(n), M_(M) {
    check_m(M, "FastScanCodes");
    DQ_CHECK(n <= size_t(std::numeric_limits<uint32_t>::max()),
             "FastScanCodes: %zu codes, at most %u supported", n, std::numeric_limits<uint32_t>::max());
    packed_.assign(fastscan_packed_bytes(n, M), 0);
    pack_codes4(codes, n, M, packed_.data());
}

void FastScanCodes::append(const uint8_t* codes, size_t n) {
    if (n == 0) return;
    check_m(M_, "FastScanCodes::append");
    DQ_CHECK(n <= size_t(std::numeric_limits<uint32_t>::max()) - n_,
             "FastScanCodes::append: %zu codes to %zu, at most %u supported", n, n_,
             std::numeric_limits<uint32_t>::max());
    for (size_t i = 0; i < n * M_; ++i)
        DQ_CHECK(codes[i] < 16, "FastScanCodes::append: code %zu subspace %zu is %u, must be < 16", i / M_, i % M_,
                 unsigned(codes[i]));
    const uint32_t M2 = even_m(M_);
    packed_.resize(fastscan_packed_bytes(n_ + n, M_), 0);
    for (size_t r = 0; r < n; ++r) {
        const size_t i = n_ + r, b = i / kFastScanBlock, j = i % kFastScanBlock;
        for (uint32_t m = 0; m < M_; ++m) {
            const uint8_t c = codes[r * M_ + m];
            packed_[chunk(b, m, M2) + (j & 15)] |= j < 16 ? c : uint8_t(c << 4);
        }
    }
    n_ += n;
}

uint8_t FastScanCodes::code(size_t i, uint32_t m) const {
    const uint8_t byte = packed_[chunk(i / kFastScanBlock, m, even_m(M_)) + (i & 15)];
    return (i % kFastScanBlock) < 16 ? (byte & 15) : (byte >> 4);
}

void FastScanCodes::search(const float* lut, size_t k, size_t pool, const uint32_t* ids, float* distances,
                           int64_t* out_ids, FastScanKernel kernel, const uint8_t* allow, int64_t* out_pos) const {
    DQ_CHECK(k > 0, "FastScanCodes::search: k must be positive, got 0");
    if (!kernel) kernel = best_fastscan_kernel().fn;
    const QuantizedLut4 t = quantize_lut4(lut, M_);
    const size_t P = fastscan_pool(k, pool, allow ? filter_count(allow, n_) : n_);
    auto passes = [allow](size_t i) { return !allow || filter_passes(allow, i); };

    // Bounded max-heap of (u16 sum << 32 | position): the P smallest sums, ties to the lower position.
    // The kernel drops, per chunk, the blocks none of whose sums can enter the pool at the chunk's
    // threshold (the pool's largest sum once it is full); the threshold only falls within a chunk, so a
    // dropped block could never have entered, and a kept one is still checked code by code.
    std::vector<uint64_t> heap;
    heap.reserve(P);
    constexpr size_t kChunkBlocks = 64;  // whole groups: each call starts one
    static_assert(kChunkBlocks % kFastScanGroup == 0, "a chunk must start a group");
    uint16_t buf[kChunkBlocks * kFastScanBlock];
    uint32_t kept[kChunkBlocks];
    const size_t nb = nblocks();
    const size_t bytes_per_block = 16 * size_t(t.M2);
    for (size_t b0 = 0; b0 < nb && P > 0; b0 += kChunkBlocks) {
        const size_t cb = std::min(kChunkBlocks, nb - b0);
        const uint16_t threshold = heap.size() < P ? uint16_t(0xffff) : uint16_t(heap.front() >> 32);
        const size_t nkept = kernel(t.q.data(), M_, packed_.data() + b0 * bytes_per_block, cb, threshold, buf, kept);
        for (size_t c = 0; c < nkept; ++c) {
            const uint16_t* sums = buf + c * kFastScanBlock;
            const size_t first = (b0 + kept[c]) * kFastScanBlock;
            const size_t count = std::min(kFastScanBlock, n_ - first);  // the last block's padding is not looked at
            size_t j = 0;
            for (; j < count && heap.size() < P; ++j) {
                if (!passes(first + j)) continue;
                heap.push_back((uint64_t(sums[j]) << 32) | (first + j));
                std::push_heap(heap.begin(), heap.end());
            }
            if (j == count) continue;
            // The pool is full: only codes whose sum is <= the pool's largest can enter; visit just those.
            uint32_t bits = le_mask_32(sums, uint16_t(heap.front() >> 32));
            bits &= (count == 32 ? ~0u : (1u << count) - 1) & (~0u << j);  // codes j .. count-1
            for (; bits; bits &= bits - 1) {
                const size_t jj = size_t(__builtin_ctz(bits));
                const uint64_t key = (uint64_t(sums[jj]) << 32) | (first + jj);
                if (key < heap.front() && passes(first + jj)) {
                    std::pop_heap(heap.begin(), heap.end());
                    heap.back() = key;
                    std::push_heap(heap.begin(), heap.end());
                }
            }
        }
    }

    // Exact re-rank: the float LUT summed in increasing m, as dq_scan_lut8_u8__scalar does.
    TopK top(std::min(k, heap.size()));
    for (const uint64_t key : heap) {
        const size_t i = size_t(key & 0xffffffffu);
        float acc = lut[code(i, 0)];
        for (uint32_t m = 1; m < M_; ++m) acc += lut[size_t(m) * 16 + code(i, m)];
        top.push_one(acc, ids ? int64_t(ids[i]) : int64_t(i), i);
    }
    top.result(distances, out_ids, out_pos);
    for (size_t j = std::min(k, heap.size()); j < k; ++j) {
        distances[j] = std::numeric_limits<float>::infinity();
        out_ids[j] = -1;
        if (out_pos) out_pos[j] = -1;
    }
}

}  // namespace dq
