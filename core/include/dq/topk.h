// Top-k selection: the k smallest distances, ties broken by the smaller id, then by the smaller
// position (a database may hold one id twice: the position says which item a hit is).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dq {

/// dist: n floats; ids: n ids (nullptr = positions 0..n-1). Writes k results sorted by
/// (distance, id) ascending into out_dist / out_ids; when n < k the tail is padded with +inf / -1.
/// NaN distances are never selected. Bounded max-heap: O(n log k), O(k) memory.
void topk_smallest(const float* dist, const uint32_t* ids, size_t n, size_t k, float* out_dist,
                   int64_t* out_ids);

/// Streaming form of topk_smallest, same order and tie rules: feed distances chunk by chunk (e.g.
/// right after a scan kernel filled an L1-sized buffer, instead of a round trip of the whole
/// distance array through memory), then read the k best.
class TopK {
public:
    explicit TopK(size_t k);
    /// dist: n floats for items (positions) first .. first+n-1; ids: their n ids, or nullptr to use
    /// the positions as ids.
    void push(const float* dist, const uint32_t* ids, size_t n, uint64_t first);
    /// One item at any position (a re-rank of scattered candidates). NaN is not selected.
    void push_one(float dist, int64_t id, uint64_t position);
    /// Writes k results sorted by (distance, id, position), the tail padded with +inf / -1; and
    /// their positions into out_pos unless it is nullptr (padding -1). May be called again after
    /// more pushes.
    void result(float* out_dist, int64_t* out_ids, int64_t* out_pos = nullptr) const;
    size_t k() const { return k_; }
    /// An item with a larger distance cannot enter: +inf while fewer than k are held, else the
    /// distance of the entry evicted next (an equal distance may still enter, by id / position).
    float bound() const;

    struct Entry {
        float d;     ///< distance
        int64_t id;  ///< id (or item number)
        uint64_t pos;  ///< position of the item
    };

private:
    size_t k_;
    std::vector<Entry> heap_;  ///< max-heap on (d, id): the root is evicted next
};

}  // namespace dq
