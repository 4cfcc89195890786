// A database as a Faiss index file, byte for byte what Faiss itself writes (read back by Debian's
// python3-faiss in tests/trainer/test_export.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "dq/database.h"
#include "dq/model.h"

namespace dqt {

/// Faiss serialization (see STYLE.md "Faiss IndexPQ, byte by byte"): an IndexPQ ("IxPq", L2,
/// d = latent dim, nbits 8 or 4 with LSB-first packing, search_type ST_PQ) holding the database's
/// codes; with idmap, wrapped in an IndexIDMap ("IxMp") carrying the database ids as int64.
std::vector<uint8_t> faiss_index_pq(const dq::Model& model, const dq::Database& db, bool idmap);

}  // namespace dqt
