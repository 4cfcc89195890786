#include "dq/topk.h"

#include <algorithm>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace dq {

namespace {

using Entry = TopK::Entry;

// Strict total order on (distance, id, position); NaN never reaches the heap. Positions are unique,
// so the order (and so every result) does not depend on the order items were pushed in.
inline bool worse(const Entry& a, const Entry& b) {
    return a.d > b.d || (a.d == b.d && (a.id > b.id || (a.id == b.id && a.pos > b.pos)));
}

void sift_down(Entry* h, size_t size, size_t i) {
    const Entry e = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= size) break;
        if (c + 1 < size && worse(h[c + 1], h[c])) ++c;
        if (!worse(h[c], e)) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = e;
}

void sift_up(Entry* h, size_t i) {
    const Entry e = h[i];
    while (i > 0) {
        const size_t p = (i - 1) / 2;
        if (!worse(e, h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

// Whether any of d[0..15] <= t (false for NaN). Baseline SIMD of the build, chosen at compile time:
// SSE2 is part of x86-64, and the wasm SIMD build is a separate module. GCC 12 did not vectorize
// the scalar loop (measured 0.4 ns per item, more than the scan of an M = 2 code).
inline bool any_le16(const float* d, float t) {
#if defined(__SSE2__)
    const __m128 v = _mm_set1_ps(t);
    const __m128 a = _mm_or_ps(_mm_cmple_ps(_mm_loadu_ps(d), v), _mm_cmple_ps(_mm_loadu_ps(d + 4), v));
    const __m128 b = _mm_or_ps(_mm_cmple_ps(_mm_loadu_ps(d + 8), v), _mm_cmple_ps(_mm_loadu_ps(d + 12), v));
    return _mm_movemask_ps(_mm_or_ps(a, b)) != 0;
#elif defined(__wasm_simd128__)
    const v128_t v = wasm_f32x4_splat(t);
    const v128_t a = wasm_v128_or(wasm_f32x4_le(wasm_v128_load(d), v), wasm_f32x4_le(wasm_v128_load(d + 4), v));
    const v128_t b = wasm_v128_or(wasm_f32x4_le(wasm_v128_load(d + 8), v), wasm_f32x4_le(wasm_v128_load(d + 12), v));
    return wasm_v128_any_true(wasm_v128_or(a, b));
#else
    bool any = false;
    for (int j = 0; j < 16; ++j) any |= d[j] <= t;
    return any;
#endif
}

}  // namespace

TopK::TopK(size_t k) : k_(k) { heap_.reserve(std::min<size_t>(k, 1 << 20)); }

void TopK::push(const float* dist, const uint32_t* ids, size_t n, uint64_t first) {
    if (k_ == 0) return;
    auto id_of = [&](size_t j) { return ids ? int64_t(ids[j]) : int64_t(first + j); };
    size_t i = 0;
    for (; i < n && heap_.size() < k_; ++i) {
        if (dist[i] != dist[i]) continue;  // NaN
        heap_.push_back(Entry{dist[i], id_of(i), first + i});
        sift_up(heap_.data(), heap_.size() - 1);
    }
    if (i == n) return;
    Entry* h = heap_.data();
    const size_t size = heap_.size();
    float top_d = h[0].d;
    int64_t top_id = h[0].id;
    // The root is replaced only by a strictly better entry: (d, id), an equal pair decided by position.
    auto offer = [&](size_t j) {
        const float d = dist[j];
        if (!(d <= top_d)) return;  // also rejects NaN
        const int64_t id = id_of(j);
        if (d == top_d && id >= top_id && (id > top_id || first + j > h[0].pos)) return;
        h[0] = Entry{d, id, first + j};
        sift_down(h, size, 0);
        top_d = h[0].d;
        top_id = h[0].id;
    };
    // Groups of 16 first: one SIMD test rejects most groups at once.
    for (; i + 16 <= n; i += 16) {
        if (!any_le16(dist + i, top_d)) continue;
        for (size_t j = 0; j < 16; ++j) offer(i + j);
    }
    for (; i < n; ++i) offer(i);
}

float TopK::bound() const {
    return heap_.size() < k_ || k_ == 0 ? std::numeric_limits<float>::infinity() : heap_[0].d;
}

void TopK::push_one(float d, int64_t id, uint64_t position) {
    if (k_ == 0 || d != d) return;
    const Entry e{d, id, position};
    if (heap_.size() < k_) {
        heap_.push_back(e);
        sift_up(heap_.data(), heap_.size() - 1);
    } else if (worse(heap_[0], e)) {
        heap_[0] = e;
        sift_down(heap_.data(), heap_.size(), 0);
    }
}

void TopK::result(float* out_dist, int64_t* out_ids, int64_t* out_pos) const {
    std::vector<Entry> sorted(heap_);
    std::sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) { return worse(b, a); });
    for (size_t j = 0; j < sorted.size(); ++j) {
        out_dist[j] = sorted[j].d;
        out_ids[j] = sorted[j].id;
        if (out_pos) out_pos[j] = int64_t(sorted[j].pos);
    }
    for (size_t j = sorted.size(); j < k_; ++j) {
        out_dist[j] = std::numeric_limits<float>::infinity();
        out_ids[j] = -1;
        if (out_pos) out_pos[j] = -1;
    }
}

void topk_smallest(const float* dist, const uint32_t* ids, size_t n, size_t k, float* out_dist, int64_t* out_ids) {
    if (k == 0) return;
    TopK t(std::min(k, n));
    t.push(dist, ids, n, 0);
    // Results for min(k, n) slots, then the padding up to k.
    t.result(out_dist, out_ids);
    for (size_t j = std::min(k, n); j < k; ++j) {
        out_dist[j] = std::numeric_limits<float>::infinity();
        out_ids[j] = -1;
    }
}

}  // namespace dq
