// Search filters: which database positions a search may return.
//
// A filter is an allow-set over positions, one bit per item: bit i (byte i / 8, bit i % 8, least
// significant first) is set when the item at position i passes. Index::search applies it inside the
// top-k selection (ScanOptions::allow), so k results come back whenever at least k items pass, on
// the exact scan and on the K = 16 fast-scan alike (its candidate pool is drawn from passing items
// only). Label sets and id allow / deny lists become bitmaps through the helpers below, so the CLI
// and the wasm package filter with the same code. A bitmap describes one state of the database: it
// must be rebuilt after add() or remove() (Index::search checks its size).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dq/database.h"

namespace dq {

/// Bytes of a bitmap over n positions: ceil(n / 8).
inline size_t filter_bytes(size_t n) { return (n + 7) / 8; }
/// Whether position i passes.
inline bool filter_passes(const uint8_t* bits, size_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
/// Positions below n that pass (bits at n and beyond are ignored).
size_t filter_count(const uint8_t* bits, size_t n);

/// Items whose label is one of labels[0..n) pass (-1 selects the items of unknown label). Throws
/// dq::Error if the database has no labels.
std::vector<uint8_t> filter_by_labels(const Database& db, const int32_t* labels, size_t n);

/// allow = true: the items whose id is one of ids[0..n) pass; allow = false (a deny list): every
/// other item passes. Ids not in the database select nothing (a list may name items removed since).
std::vector<uint8_t> filter_by_ids(const Database& db, const uint32_t* ids, size_t n, bool allow);

/// a &= b over filter_bytes(n) bytes: the items that pass both filters.
void filter_and(uint8_t* a, const uint8_t* b, size_t n);

}  // namespace dq
