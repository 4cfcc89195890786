#include "dq/filter.h"

#include <algorithm>

#include "dq/error.h"

namespace dq {

size_t filter_count(const uint8_t* bits, size_t n) {
    size_t c = 0;
    for (size_t b = 0; b < n / 8; ++b) c += size_t(__builtin_popcount(bits[b]));
    for (size_t i = n & ~size_t(7); i < n; ++i) c += filter_passes(bits, i);
    return c;
}

std::vector<uint8_t> filter_by_labels(const Database& db, const int32_t* labels, size_t n) {
    DQ_CHECK(db.has_labels(), "filter by labels: the database has no labels");
    std::vector<int32_t> set(labels, labels + n);
    std::sort(set.begin(), set.end());
    std::vector<uint8_t> bits(filter_bytes(db.size()), 0);
    for (size_t i = 0; i < db.size(); ++i)
        if (std::binary_search(set.begin(), set.end(), db.labels[i])) bits[i >> 3] |= uint8_t(1u << (i & 7));
    return bits;
}

std::vector<uint8_t> filter_by_ids(const Database& db, const uint32_t* ids, size_t n, bool allow) {
    std::vector<uint32_t> set(ids, ids + n);
    std::sort(set.begin(), set.end());
    std::vector<uint8_t> bits(filter_bytes(db.size()), 0);
    for (size_t i = 0; i < db.size(); ++i)
        if (std::binary_search(set.begin(), set.end(), db.ids[i]) == allow) bits[i >> 3] |= uint8_t(1u << (i & 7));
    return bits;
}

void filter_and(uint8_t* a, const uint8_t* b, size_t n) {
    for (size_t j = 0; j < filter_bytes(n); ++j) a[j] &= b[j];
}

}  // namespace dq
