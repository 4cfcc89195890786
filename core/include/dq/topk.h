// Top-k selection: the k smallest distances, ties broken by the smaller id.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dq {

/// dist: n floats; ids: n ids (nullptr = positions 0..n-1). Writes k results sorted by
/// (distance, id) ascending into out_dist / out_ids; when n < k the tail is padded with +inf / -1.
/// NaN distances are never selected. Bounded max-heap: O(n log k), O(k) memory.
void topk_smallest(const float* dist, const uint32_t* ids, size_t n, size_t k, float* out_dist,
                   int64_t* out_ids);

}  // namespace dq
