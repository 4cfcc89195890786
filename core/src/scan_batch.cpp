#include "dq/scan_batch.h"

#include <algorithm>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include "dq/filter.h"
#include "cpu_features.h"

namespace dq {

#define DQ_SCAN_LUT8Q16_KERNEL(fn, supported, tile) \
    void fn(const float* lutq, uint32_t M, uint32_t K, const uint8_t* codes, size_t n, float* out);
#include "kernels/scan-lut8q16.inc"
#undef DQ_SCAN_LUT8Q16_KERNEL

namespace {

// Codes per chunk: 512 × 16 floats = 32 KiB of distances, in L1 / L2 while the top-k reads them back.
constexpr size_t kBatchChunk = 512;

// Whether d[q] <= t[q] for some q < 16 (false for NaN). The build's baseline SIMD, chosen at compile
// time (SSE2 is part of x86-64; the wasm SIMD build is its own module).
inline bool any_le16_lanes(const float* d, const float* t) {
#if defined(__SSE2__)
    __m128 any = _mm_setzero_ps();
    for (int i = 0; i < 4; ++i) any = _mm_or_ps(any, _mm_cmple_ps(_mm_loadu_ps(d + 4 * i), _mm_loadu_ps(t + 4 * i)));
    return _mm_movemask_ps(any) != 0;
#elif defined(__wasm_simd128__)
    v128_t any = wasm_i32x4_splat(0);
    for (int i = 0; i < 4; ++i) any = wasm_v128_or(any, wasm_f32x4_le(wasm_v128_load(d + 4 * i), wasm_v128_load(t + 4 * i)));
    return wasm_v128_any_true(any);
#else
    bool any = false;
    for (int q = 0; q < 16; ++q) any |= d[q] <= t[q];
    return any;
#endif
}

}  // namespace

void interleave_luts(const float* luts, size_t nq, uint32_t M, uint32_t K, float* lutq) {
    const size_t cells = size_t(M) * K;
    for (size_t e = 0; e < cells; ++e)
        for (size_t q = 0; q < kScanBatch; ++q) lutq[e * kScanBatch + q] = q < nq ? luts[q * cells + e] : 0.0f;
}

void dq_scan_lut8_q16__scalar(const float* lutq, uint32_t M, uint32_t K, const uint8_t* codes, size_t n, float* out) {
    for (size_t i = 0; i < n; ++i) {
        float* o = out + i * kScanBatch;
        if (M == 0) {
            std::fill(o, o + kScanBatch, 0.0f);
            continue;
        }
        // Subspace by subspace, 16 lanes each: every lane's sum is its own left-to-right sum from m = 0.
        const uint8_t* c = codes + i * M;
        const float* p = lutq + size_t(c[0]) * kScanBatch;
        for (size_t q = 0; q < kScanBatch; ++q) o[q] = p[q];
        for (uint32_t m = 1; m < M; ++m) {
            p = lutq + (size_t(m) * K + c[m]) * kScanBatch;
            for (size_t q = 0; q < kScanBatch; ++q) o[q] += p[q];
        }
    }
}

const std::vector<ScanBatchKernelInfo>& scan_batch_kernels() {
    static const std::vector<ScanBatchKernelInfo> list = {
#define DQ_SCAN_LUT8Q16_KERNEL(fn, supported, tile) ScanBatchKernelInfo{#fn, &fn, &supported, tile},
#include "kernels/scan-lut8q16.inc"
#undef DQ_SCAN_LUT8Q16_KERNEL
    };
    return list;
}

const ScanBatchKernelInfo& best_scan_batch_kernel() {
    static const ScanBatchKernelInfo& best = pick_best(scan_batch_kernels());
    return best;
}

void scan_batch_topk(ScanBatchKernel kernel, const float* lutq, uint32_t M, uint32_t K, const uint8_t* codes,
                     size_t n, const uint32_t* ids, const uint8_t* allow, size_t nq, TopK* tops) {
    // Lanes past nq get -inf: nothing finite is <= it, so padding queries never pass the test.
    alignas(16) float bound[kScanBatch];
    for (size_t q = 0; q < kScanBatch; ++q)
        bound[q] = q < nq ? tops[q].bound() : -std::numeric_limits<float>::infinity();
    std::vector<float> buf(kBatchChunk * kScanBatch);
    for (size_t first = 0; first < n; first += kBatchChunk) {
        const size_t cnt = std::min(kBatchChunk, n - first);
        const uint8_t* bits = allow ? allow + first / 8 : nullptr;
        static_assert(kBatchChunk % 8 == 0, "a chunk starts on a bitmap byte");
        // A chunk no item of which passes is not scanned at all.
        if (bits && std::all_of(bits, bits + filter_bytes(cnt), [](uint8_t b) { return b == 0; })) continue;
        kernel(lutq, M, K, codes + first * M, cnt, buf.data());
        for (size_t j = 0; j < cnt; ++j) {
            const float* d = buf.data() + j * kScanBatch;
            if (!any_le16_lanes(d, bound)) continue;
            if (bits && !filter_passes(bits, j)) continue;
            const size_t pos = first + j;
            const int64_t id = ids ? int64_t(ids[pos]) : int64_t(pos);
            for (size_t q = 0; q < nq; ++q) {
                if (!(d[q] <= bound[q])) continue;
                tops[q].push_one(d[q], id, pos);
                bound[q] = tops[q].bound();
            }
        }
    }
}

}  // namespace dq
